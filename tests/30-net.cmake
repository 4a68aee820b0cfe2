# Network: link watcher, bridge MAC rule, TAPs, lab networks (area: net).
vmdeck_unit_test(test_net_pure unit/test_net_pure.c)
vmdeck_unit_test(test_macause unit/test_macause.c)
vmdeck_unit_test(test_outage unit/test_outage.c)
vmdeck_unit_test(test_labnet unit/test_labnet.c)
vmdeck_unit_test(test_labnet_dup unit/test_labnet_dup.c)
vmdeck_script_test(net_labnet net/labnet.sh integration)
vmdeck_script_test(net_model_eq net/model_eq.sh integration)
vmdeck_script_test(net_watch net/watch.sh integration)
vmdeck_script_test(net_seed_outage net/seed_outage.sh integration)
vmdeck_script_test(net_outage_close net/outage_close.sh integration)
# The seed's experiment is the acceptance of the per-guest outage measure
# (issue 15: "run three times in CI without a failure"): the two repeats are
# labelled soak, so they run in the plain pass only; one at a time.
vmdeck_script_test(soak_seed_outage_2 net/seed_outage.sh soak)
vmdeck_script_test(soak_seed_outage_3 net/seed_outage.sh soak)
set_tests_properties(net_seed_outage soak_seed_outage_2 soak_seed_outage_3 PROPERTIES RESOURCE_LOCK seed_outage)
vmdeck_script_test(net_tap net/tap.sh integration)
vmdeck_script_test(net_labnet_race net/labnet_race.sh integration)
set_tests_properties(net_labnet_race PROPERTIES TIMEOUT 300)
vmdeck_script_test(net_labnet_cli net/labnet_cli.sh integration)
# net up killed while nft runs and while dnsmasq starts: down still removes both.
vmdeck_script_test(net_labnet_interrupt net/labnet_interrupt.sh integration)
vmdeck_script_test(net_labnet_users net/labnet_users.sh integration)
vmdeck_unit_test(test_grant unit/test_grant.c)
# Rootless use (issue 14): net grant, a start as nobody on a granted TAP, revoke.
vmdeck_script_test(net_grant net/grant.sh integration)
