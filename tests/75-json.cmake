# Every --json output of every verb through jq, on good and broken inputs
# (empty profile dir, a broken profile, missing, stopped, running and
# failed-to-start VMs, a lab network that does not load). Real QEMU, a
# namespace of the test's own: integration.
vmdeck_script_test(json_outputs json/json.sh integration)
