# fork_rate: a service whose process count grows faster than N/s is frozen, snapshotted and
# killed whole (trigger fork_rate) long before pids_max; one that grows slower is left alone.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
conf=$(write_conf fork_rate <<EOF2
[service fast]
command = $HELPERS/forker 3000
pids_max = 4000
fork_rate = 200/s
restart = never

[service slow]
command = $HELPERS/forker 40 20
pids_max = 4000
fork_rate = 200/s
restart = never
EOF2
)
start_daemon "$conf"
wait_until 20 "[ \"\$(svc_field fast state)\" = failed ]" || { cat "$T/daemon.out"; fail "fast: state $(svc_field fast state)"; }
ev=$(events_of process-storm fast)
echo "$ev" | grep -q '"trigger": *"fork_rate"' || { echo "$ev"; fail "storm not triggered by fork_rate"; }
echo "$ev" | grep -q '"summary": *"[0-9]* x forker, parent' || { echo "$ev"; fail "snapshot does not name forker"; }
pids=$(echo "$ev" | sed -n 's/.*"pids": *\([0-9]*\).*/\1/p' | head -n1)
[ "${pids:-9999}" -lt 3000 ] || fail "killed only at $pids processes"
events_of exit fast | grep -q 'process-storm' || fail "exit not attributed to process-storm"
log "fast: killed at $pids processes; $(echo "$ev" | sed -n 's/.*"summary": *"\([^"]*\)".*/\1/p')"
# slow: 40 forks at 20/s reach 41 tasks in ~2 s and stay; no storm.
slow_pids() { "$WARDEN" status slow --json | sed -n '/"pids"/,$p' | sed -n 's/.*"current": \([0-9]*\).*/\1/p' | head -n1; }
wait_until 20 "[ \"\$(slow_pids)\" -ge 41 ] 2>/dev/null" || fail "slow: $(slow_pids) tasks"
[ -z "$(events_of process-storm slow)" ] || fail "slow service was killed for its fork rate"
[ "$(svc_field slow state)" = running ] || fail "slow: state $(svc_field slow state)"
echo "fork rate ok"
