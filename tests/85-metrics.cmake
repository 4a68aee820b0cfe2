# Prometheus metrics: the exposition writer and exporter (unit), a real
# Prometheus scraping `vmdeck metrics` in a namespace, and bad input (area: metrics).
vmdeck_unit_test(test_metrics unit/test_metrics.c)
vmdeck_script_test(metrics_prometheus metrics/prometheus.sh integration)
set_tests_properties(metrics_prometheus PROPERTIES TIMEOUT 300)
vmdeck_script_test(metrics_bad_input metrics/bad_input.sh integration)
set_tests_properties(metrics_bad_input PROPERTIES TIMEOUT 300)
# Sparklines (tui/spark.c) in the network pane and the VM list.
vmdeck_unit_test(test_spark unit/test_spark.c)
vmdeck_script_test(tui_spark tui/spark.sh integration)
set_tests_properties(tui_spark PROPERTIES TIMEOUT 300)
vmdeck_script_test(metrics_reads metrics/reads.sh integration)
set_tests_properties(metrics_reads PROPERTIES TIMEOUT 300)
