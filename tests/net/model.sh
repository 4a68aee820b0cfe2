# tests/net/model.sh — compare a `vmdeck watch --dump-json` model with
# `ip -j -d link` in a namespace. Sourced by tests/net/model_eq.sh and
# tests/soak/link_churn.sh (after tests/lib.sh).

# Both sides reduced to the same fields, sorted by ifindex.
MODEL_NORM_IP='[.[] | {ifindex, ifname,
	address: (if (.link_type == "ether" or .link_type == "loopback") then .address else null end),
	mtu, operstate, master: (.master // null), kind: (.linkinfo.info_kind // null),
	up: (.flags | any(. == "UP")), lower_up: (.flags | any(. == "LOWER_UP"))}] | sort_by(.ifindex)'
MODEL_NORM_VD='[.[] | {ifindex, ifname, address: (.address // null), mtu, operstate,
	master: (.master // null), kind: (.kind // null), up, lower_up}] | sort_by(.ifindex)'

# model_compare NS DUMP PID OUT SECS: ask the watcher PID for a dump into
# DUMP (SIGUSR1, wait up to SECS), write OUT.vd.json and OUT.ip.json, and
# succeed when they are equal.
model_compare() {
	local ns=$1 dump=$2 pid=$3 out=$4 secs=$5
	rm -f "$dump"
	kill -USR1 "$pid" || return 1
	wait_for "$secs" test -s "$dump" || return 1
	jq -S "$MODEL_NORM_VD" "$dump" >"$out.vd.json" || return 1
	ip -n "$ns" -j -d link show | jq -S "$MODEL_NORM_IP" >"$out.ip.json" || return 1
	cmp -s "$out.vd.json" "$out.ip.json"
}
