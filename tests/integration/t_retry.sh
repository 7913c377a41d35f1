# Retry judgement (issue 11): a service that exits 1 while its "database" (a file the test
# controls) is missing is crash-looping and deterministic, keeps backing off (never failed),
# and runs again within one maximum backoff once the database is there; the crash loop ends
# once it has been up for stable_after. A service whose instances run 1 s before failing
# keeps warden_service_crash_looping at 1 through every brief instance.
. "$(dirname "$0")/lib.sh"
conf=$(write_conf retry <<EOF
[service dep]
command = sh -c 'test -e $T/db || { echo "database unavailable: connection refused" >&2; exit 1; }; exec sleep 1000'
backoff = 100ms..1s
stable_after = 2s

[service flap]
command = sh -c 'sleep 1; exit 1'
backoff = 100ms..300ms
stable_after = 30s
EOF
)
start_daemon "$conf"
wait_until 20 "[ \"\$(svc_field dep deterministic)\" = true ]" || fail "dep: deterministic $(svc_field dep deterministic)"
events_of exit dep | tail -n 1 | grep -q '"tail": *\[.*database unavailable' || fail "dep: no output lines in the exit record"
# it keeps trying: more starts, never failed
n0=$(events_of start dep | wc -l)
wait_until 10 "[ \$(events_of start dep | wc -l) -ge $((n0 + 3)) ]" || fail "dep: not retried"
[ "$(svc_field dep state)" != failed ] || fail "dep: failed"
# the database comes back: running within one maximum backoff (1 s, +10% jitter) and slack
touch "$T/db"
t0=$(now_ms)
# an instance that has stayed up 0.5 s (a failing one exits within ms of its start)
wait_until 10 "[ \"\$(svc_field dep state)\" = running ] && awk -v u=\"\$(svc_field dep uptime_s)\" 'BEGIN { exit !(u >= 0.5) }'" ||
    fail "dep: not running after the database came back"
dt=$(( $(now_ms) - t0 - 500 ))
log "dep: running ${dt} ms after the database came back"
[ "$dt" -le 2600 ] || fail "dep: took $dt ms, more than one maximum backoff (+ slack)"
wait_until 10 "[ \"\$(svc_field dep crash_looping)\" = false ]" || fail "dep: still crash-looping after stable_after"
events_of stable dep | grep -q failures_before || fail "dep: no stable event"

# the gauge through brief instances: sampled 60 times over ~9 s, never 0
wait_until 20 "[ \"\$(svc_field flap crash_looping)\" = true ]" || fail "flap: not crash-looping"
ones=0 zeros=0 running=0 i=0
while [ $i -lt 60 ]; do
    g=$("$WARDEN" metrics | sed -n 's/^warden_service_crash_looping{service="flap"} //p')
    case "$g" in 1) ones=$((ones + 1)) ;; *) zeros=$((zeros + 1)) ;; esac
    [ "$(svc_field flap state)" = running ] && running=$((running + 1))
    i=$((i + 1)); sleep 0.15
done
log "flap: gauge 1 in $ones samples, not 1 in $zeros; state running in $running"
[ "$zeros" = 0 ] || fail "flap: the crash-loop gauge dropped $zeros times"
[ "$running" -gt 0 ] || fail "flap: never seen running (the test did not exercise brief instances)"
[ "$(svc_field flap state)" != failed ] || fail "flap: failed"
echo "retry ok"
