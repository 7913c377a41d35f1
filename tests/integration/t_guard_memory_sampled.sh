# memory_restart without a kernel usage threshold (v2's case; on hybrid the test-only
# WARDEN_TEST_NO_THRESHOLD leaves the v1 eventfd out): the adaptive sampler, woken early by
# the service's memory PSI trigger where the kernel has one, still restarts a service growing
# ~200 MiB/s before the OOM killer fires at memory_max.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
conf=$(write_conf memsampled <<EOF
[service grow]
command = $HELPERS/hog 400 --step-ms 5
memory_max = 256M
memory_restart = 128M
restart = always
EOF
)
WARDEN_TEST_NO_THRESHOLD=1
export WARDEN_TEST_NO_THRESHOLD
start_daemon "$conf"
wait_until 20 "events_of memory-restart grow | grep -q usage_bytes" || { cat "$T/daemon.out"; fail "no memory-restart event"; }
ev=$(events_of memory-restart grow | head -n 1)
log "$ev"
echo "$ev" | grep -q '"detected_by": *"\(sample\|pressure\|memory.events\)"' || fail "not detected by the sampler: $ev"
usage=$(echo "$ev" | sed -n 's/.*"usage_bytes": *\([0-9]*\).*/\1/p')
[ "$usage" -ge 134217728 ] && [ "$usage" -lt 268435456 ] || fail "usage $usage not between memory_restart and memory_max"
wait_until 10 "[ \$(events_of start grow | wc -l) -ge 2 ]" || fail "not restarted"
[ "$(svc_field grow oom_kills)" = 0 ] || fail "an OOM kill was counted: $(svc_field grow oom_kills)"
det=$("$WARDEN" status grow --json | sed -n 's/.*"memory": *"\([a-z+]*\)".*/\1/p' | head -n1)
log "detection: $det"
case $det in sampled|sampled+pressure) ;; *) fail "status detection '$det', want sampled[+pressure]" ;; esac
echo "memory_restart (sampled) ok"
