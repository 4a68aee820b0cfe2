# Network: link watcher, bridge MAC rule, TAPs, lab networks (area: net).
vmdeck_unit_test(test_net_pure unit/test_net_pure.c)
vmdeck_unit_test(test_macause unit/test_macause.c)
vmdeck_unit_test(test_labnet unit/test_labnet.c)
vmdeck_script_test(net_labnet net/labnet.sh integration)
vmdeck_script_test(net_model_eq net/model_eq.sh integration)
vmdeck_script_test(net_watch net/watch.sh integration)
vmdeck_script_test(net_seed_outage net/seed_outage.sh integration)
vmdeck_script_test(net_tap net/tap.sh integration)
