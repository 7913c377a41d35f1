# memory_restart: a service growing steadily (~200 MiB/s) is restarted gracefully when it
# crosses memory_restart, before the kernel's OOM killer fires at memory_max.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
conf=$(write_conf memrestart <<EOF
[service grow]
command = $HELPERS/hog 400 --step-ms 5
memory_max = 256M
memory_restart = 128M
restart = always
EOF
)
start_daemon "$conf"
wait_until 20 "events_of memory-restart grow | grep -q usage_bytes" || { cat "$T/daemon.out"; fail "no memory-restart event"; }
ev=$(events_of memory-restart grow | head -n 1)
log "$ev"
usage=$(echo "$ev" | sed -n 's/.*"usage_bytes": *\([0-9]*\).*/\1/p')
[ "$usage" -ge 134217728 ] && [ "$usage" -lt 268435456 ] || fail "usage $usage not between memory_restart and memory_max"
wait_until 10 "events_of exit grow | grep -q 'memory-restart'" || fail "exit not attributed to memory-restart"
events_of exit grow | head -n 1 | grep -q '"kind": *"killed-by-warden"' || fail "exit kind not killed-by-warden"
# it came back without a backoff, and no OOM kill was ever counted
wait_until 30 "[ \$(events_of start grow | wc -l) -ge 2 ]" || { "$WARDEN" events grow | tail -n 8; fail "not restarted"; }
[ "$(svc_field grow oom_kills)" = 0 ] || fail "an OOM kill was counted: $(svc_field grow oom_kills)"
events_of exit grow | grep -q oom-killed && fail "an exit was oom-killed"
"$WARDEN" status grow --json | grep -q '"memory_restarts": [1-9]' || fail "status lacks memory_restarts"
echo "memory_restart ok"
