# Readiness: ready = notify (sd_notify READY=1 on NOTIFY_SOCKET), tcp (the service accepts
# on its held socket: a connection merely queued in the backlog does not count) and
# http:/PATH (200); a service never ready is killed at start_timeout; a notify service
# that stops sending WATCHDOG=1 is killed by the watchdog.
. "$(dirname "$0")/lib.sh"
p=$((20000 + ($$ + 29) % 20000))
S="$HELPERS/streamd"
conf=$(write_conf ready <<EOF
[service n]
command = $S
listen = tcp:127.0.0.1:$p
ready = notify

[service h]
command = $S
listen = tcp:127.0.0.1:$((p + 1))
ready = http:/healthz

[service t]
command = $S
listen = tcp:127.0.0.1:$((p + 2))
ready = tcp

[service deaf]
command = sleep 1000
listen = tcp:127.0.0.1:$((p + 3))
ready = tcp
start_timeout = 1s
restart = never

[service mute]
command = sleep 1000
ready = notify
start_timeout = 1s
restart = never

[service wd]
command = $S
listen = tcp:127.0.0.1:$((p + 4))
ready = notify
watchdog = 1s
restart = never
EOF
)
start_daemon "$conf"
for s in n h t; do
    wait_until 10 "[ \"\$(svc_field $s state)\" = running ]" || fail "$s: $(svc_field $s state)"
done
events_of ready n | grep -q '"method": *"notify"' || fail "n: no ready event by notify"
events_of ready h | grep -q '"method": *"http"' || fail "h: no ready event by http"
events_of ready t | grep -q '"method": *"tcp"' || fail "t: no ready event by tcp"
"$WARDEN" status n --json | grep -q '"status": "serving"' || fail "n: STATUS= not shown"
for s in deaf mute; do
    wait_until 10 "[ \"\$(svc_field $s state)\" = failed ]" || fail "$s should fail, is $(svc_field $s state)"
    events_of start-timeout $s | grep -q '"timeout_ms": *1000' || fail "$s: no start-timeout event"
done
events_of ready deaf | grep -q . && fail "deaf counted ready: a queued connection is not an accepted one"
wait_until 10 "[ \"\$(svc_field wd state)\" = failed ]" || fail "wd: $(svc_field wd state)"
events_of watchdog wd | grep -q '"watchdog_ms": *1000' || fail "wd: no watchdog event"
events_of ready wd | grep -q . || fail "wd: was never ready"
# ready = http without a tcp listen address: a config error on the ready line
bad=$(write_conf badready <<EOF
[service x]
command = sleep 1
ready = http:/healthz
EOF
)
"$WARDEN" check -c "$bad" 2>"$T/bad.err"; rc=$?
[ $rc -eq 2 ] && grep -q 'badready.conf:7: \[service x\] ready: http probes the service.s listening socket' "$T/bad.err" ||
    fail "bad ready: rc $rc, $(cat "$T/bad.err")"
echo "ready ok"
