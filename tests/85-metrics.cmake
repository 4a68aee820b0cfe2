# Prometheus metrics: the exposition writer and exporter (unit), a real
# Prometheus scraping `vmdeck metrics` in a namespace, and bad input (area: metrics).
vmdeck_unit_test(test_metrics unit/test_metrics.c)
