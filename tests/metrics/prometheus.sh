#!/usr/bin/env bash
# A real Prometheus scrapes `vmdeck metrics`, all inside a network namespace
# this test creates (so the ports, 9177 and 9090 on the namespace's own
# loopback, collide with nobody): the tiny test guest runs under TCG on an
# unpinned bridge and pings its gateway; the test asks Prometheus' HTTP API
# (/api/v1/query) for the VM's state, its TAP's rx bytes (against the
# kernel's counter) and the bridge's MAC change count after a flip (a port
# with a lower MAC joins), and checks the counters never went back. Also:
# the installed vmdeck-metrics.service passes `systemd-analyze verify`.
. "$VMDECK_TESTS/lib.sh"
need_root
need ip jq curl prometheus qemu-system-x86_64 systemd-analyze
GUEST_OUT=$VMDECK_SRC/tests/guest/out
bash "$VMDECK_SRC/tests/guest/build.sh" >/dev/null 2>&1 || true
[[ -f $GUEST_OUT/vmlinuz && -f $GUEST_OUT/initrd.img ]] || skip "test guest not built (tests/guest/build.sh)"

# --- the unit ships and is valid ---------------------------------------------
cmake --install "$VMDECK_BUILD" --prefix "$T_TMP/inst" >"$T_TMP/install.log" 2>&1 || fail "cmake --install: $(tail -3 "$T_TMP/install.log")"
UNIT=$T_TMP/inst/lib/systemd/system/vmdeck-metrics.service
check "cmake --install ships vmdeck-metrics.service" test -f "$UNIT"
check "its ExecStart is the installed vmdeck metrics" grep -qx "ExecStart=$T_TMP/inst/bin/vmdeck metrics --listen 127.0.0.1:9177" "$UNIT"
check "systemd-analyze verify accepts it" systemd-analyze verify --man=no "$UNIT"

# --- a guest on an unpinned bridge -------------------------------------------
netns_new NS
N="ip -n $NS"
in_ns() { ip netns exec "$NS" "$@"; }
PROF=$T_TMP/prof
mkdir -p "$PROF"
export VMDECK_PROFILES=$PROF
on_exit 'for f in "$VMDECK_RUNTIME_DIR"/*/qemu.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")"; done'
cat >"$PROF/guesta.yaml" <<EOF
name: guesta
accel: tcg
machine: q35
memory: 256M
boot:
  kernel: $GUEST_OUT/vmlinuz
  initrd: $GUEST_OUT/initrd.img
  append: "console=ttyS0 quiet vmdeck.name=guesta vmdeck.ip=172.16.1.11/24 vmdeck.gw=172.16.1.1 vmdeck.interval=0.2"
nics:
  - model: virtio-net-pci
    mac: "52:54:00:12:34:56"
    bridge: virbr0
stop_timeout: 5
EOF
$N link add virbr0 type bridge
$N addr add 172.16.1.1/24 dev virbr0
$N link set virbr0 up
in_ns "$VMDECK" start guesta >/dev/null || fail "start guesta"
SER=$VMDECK_RUNTIME_DIR/guesta/serial.log
wait_for 120 grep -q "seq=.* ok" "$SER" || fail "the guest never pinged its gateway: $(tail -5 "$SER" 2>/dev/null)"
TAP=vd-guesta-0

# --- the exporter and Prometheus ---------------------------------------------
ip netns exec "$NS" "$VMDECK" metrics 2>"$T_TMP/metrics.err" &
mpid=$!
on_exit "kill_pid $mpid"
wait_for 20 grep -q "serving http://127.0.0.1:9177/metrics" "$T_TMP/metrics.err" || fail "metrics did not start: $(cat "$T_TMP/metrics.err")"
cat >"$T_TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vmdeck
    static_configs:
      - targets: ['127.0.0.1:9177']
EOF
ip netns exec "$NS" prometheus --config.file="$T_TMP/prometheus.yml" --storage.tsdb.path="$T_TMP/prom-data" \
	--web.listen-address=127.0.0.1:9090 >"$T_TMP/prometheus.log" 2>&1 &
ppid=$!
on_exit "kill_pid $ppid"
wait_for 60 in_ns curl -sf http://127.0.0.1:9090/-/ready || fail "prometheus not ready: $(tail -5 "$T_TMP/prometheus.log")"

# q EXPR : the value of the first sample of an instant query ("" if none).
q() {
	ip netns exec "$NS" curl -s http://127.0.0.1:9090/api/v1/query --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty'
}
# q_is EXPR VALUE / q_gt EXPR N : what Prometheus has for EXPR now.
q_is() { [[ $(q "$1") == "$2" ]]; }
q_gt() { local v; v=$(q "$1"); [[ -n $v ]] && awk -v v="$v" -v n="$2" 'BEGIN { exit !(v > n) }'; }

wait_for 30 q_is 'up{job="vmdeck"}' 1 || fail "prometheus never scraped vmdeck: $(in_ns curl -s http://127.0.0.1:9090/api/v1/targets)"
check "VM state: running is 1" wait_for 20 q_is 'vmdeck_vm_state{vm="guesta",state="running"}' 1
check "VM state: stopped is 0" q_is 'vmdeck_vm_state{vm="guesta",state="stopped"}' 0
check "VM uptime > 0" wait_for 10 q_gt 'vmdeck_vm_uptime_seconds{vm="guesta"}' 0
check "VM resident memory is QEMU's (> 16 MiB)" q_gt 'vmdeck_vm_resident_memory_bytes{vm="guesta"}' $((16 << 20))
check "VM CPU seconds > 0" q_gt 'vmdeck_vm_cpu_seconds_total{vm="guesta"}' 0

# The TAP's rx bytes (what the guest sent): labelled with its bridge and VM,
# at most the kernel's counter read after the query, and growing.
RX="vmdeck_link_receive_bytes_total{link=\"$TAP\",bridge=\"virbr0\",vm=\"guesta\"}"
rx1=$(q "$RX")
k1=$(in_ns ip -j -s link show "$TAP" | jq '.[0].stats64.rx.bytes')
log "TAP rx bytes: Prometheus $rx1, kernel $k1"
check "TAP rx bytes with labels link, bridge, vm" test -n "$rx1"
check "TAP rx bytes > 0 and <= the kernel's counter" test "${rx1:-0}" -gt 0 -a "${rx1:-0}" -le "$k1"
check "TAP rx bytes grow while the guest pings" wait_for 20 q_gt "$RX" "${rx1:-0}"

# --- a flip: a port with a lower MAC than the TAP (fe:54:...) joins -----------
CH='vmdeck_bridge_mac_changes_total{bridge="virbr0",cause="port-joined"}'
check "no bridge MAC change yet" q_is "$CH" 0
check "the bridge is not pinned" q_is 'vmdeck_bridge_pinned{bridge="virbr0"}' 0
$N link add low0 address 02:00:00:00:00:01 type veth peer name low0p
$N link set low0 master virbr0
$N link set low0 up
check "the bridge took the low MAC" wait_for 5 bash -c "ip -n $NS -j link show virbr0 | jq -e '.[0].address == \"02:00:00:00:00:01\"'"
check "Prometheus: one port-joined change" wait_for 20 q_is "$CH" 1
check "Prometheus: no change of another cause" q_is 'sum(vmdeck_bridge_mac_changes_total{bridge="virbr0"})' 1
check "Prometheus: the bridge has 2 ports" wait_for 10 q_is 'vmdeck_bridge_ports{bridge="virbr0"}' 2
$N link set low0 nomaster
check "Prometheus: the port leaving is a port-left change" wait_for 20 q_is 'vmdeck_bridge_mac_changes_total{bridge="virbr0",cause="port-left"}' 1
in_ns "$VMDECK" net pin virbr0 >/dev/null || fail "net pin"
check "Prometheus: pinned 1 after net pin" wait_for 20 q_is 'vmdeck_bridge_pinned{bridge="virbr0"}' 1

# --- counters never went back across the scrapes -----------------------------
for c in vmdeck_link_receive_bytes_total vmdeck_link_transmit_bytes_total vmdeck_link_receive_packets_total \
	vmdeck_link_transmit_packets_total vmdeck_bridge_mac_changes_total vmdeck_vm_cpu_seconds_total \
	vmdeck_metrics_snapshots_total; do
	check "$c never went back over the run (resets 0)" q_is "sum(resets($c[10m]))" 0
done
check "the exporter's loop kept publishing" q_gt 'vmdeck_metrics_snapshots_total' 3

in_ns "$VMDECK" kill guesta >/dev/null 2>&1
check "VM state after kill: running is 0" wait_for 30 q_is 'vmdeck_vm_state{vm="guesta",state="running"}' 0
finish
