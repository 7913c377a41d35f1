# pids_warn journals a snapshot naming the forking command; pids_kill freezes and kills the
# whole tree, no survivor, and the exit is killed-by-warden(process-storm), a failure.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
conf=$(write_conf storm <<EOF
[service storm]
command = $HELPERS/forker 3000
pids_max = 2000
pids_warn = 100
pids_kill = 1000
restart = never
EOF
)
start_daemon "$conf"
wait_until 20 "[ \"\$(svc_field storm state)\" = failed ]" || { cat "$T/daemon.out"; fail "storm: state $(svc_field storm state)"; }
ev=$(events_of process-storm storm)
echo "$ev" | grep -q '"summary": *"[0-9]* x forker, parent' || { echo "$ev"; fail "snapshot does not name forker"; }
log "$(echo "$ev" | sed -n 's/.*"summary": *"\([^"]*\)".*/\1/p')"
events_of pids-warn storm | grep -q 'forker' || fail "no pids-warn snapshot"
events_of exit storm | grep -q 'process-storm' || fail "exit not attributed to process-storm"
# the count status prints must be there: an empty match is a failure, not "0 survivors"
cur=$("$WARDEN" status storm --json | tr -d ' \n' | sed -n 's/.*"pids":{"current":\([0-9][0-9]*\).*/\1/p')
[ -n "$cur" ] || fail "status --json has no pids.current: $("$WARDEN" status storm --json | head -c 400)"
[ "$cur" = 0 ] || fail "$cur processes survived"
echo "process storm ok"
