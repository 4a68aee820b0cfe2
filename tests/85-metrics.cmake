# Prometheus metrics: the exposition writer and exporter (unit), a real
# Prometheus scraping `vmdeck metrics` in a namespace, and bad input (area: metrics).
vmdeck_unit_test(test_metrics unit/test_metrics.c)
vmdeck_script_test(metrics_prometheus metrics/prometheus.sh integration)
set_tests_properties(metrics_prometheus PROPERTIES TIMEOUT 300)
vmdeck_script_test(metrics_bad_input metrics/bad_input.sh integration)
set_tests_properties(metrics_bad_input PROPERTIES TIMEOUT 300)
