# Issue 13: overlap restarts that cannot lose the service, on a real HTTP app (python3's
# http.server) under a client loop. (1) An app that needs 4 s to start is judged ready on
# its own answer, not the old instance's: no request stalls for seconds, none refused or
# cut. (2) Two restarts 1 s apart: the second supersedes the first, an instance serves
# throughout. (3) A saturated one-request-at-a-time server with ready = tcp (its accept
# queue never empties) still gets ready and restarts without a failed request.
# timeout: 240
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "overlap restarts need cgroups"
command -v python3 >/dev/null 2>&1 || skip "no python3"
here=$(cd "$(dirname "$0")" && pwd)
p=$((20000 + ($$ + 977) % 20000))
mkconf() { # $1: app options, $2: ready
    cat > "$T/ov.conf" <<EOF
[warden]
state_dir = $T/state
socket = $WARDEN_SOCKET

[service web]
command = python3 $here/slowhttp.py $1
listen = tcp:127.0.0.1:$p
ready = $2
start_timeout = 30s
drain = 10s
EOF
}
# load CLIENTS: start the client loop; stop_load prints its summary
load() { rm -f "$T/stop"; python3 "$here/httploop.py" "$p" "$1" "$T/stop" > "$T/load.out" 2>&1 & LOAD=$!; }
stop_load() { : > "$T/stop"; wait "$LOAD"; cat "$T/load.out"; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$T/load.out"; }
settled() { # one instance left: the newest ready, no old one beside it
    [ "$(svc_field web state)" = running ] &&
        "$WARDEN" status web --json | tr -d ' \n' | grep -q '"retiring":null'
}
check_load() { # $1: what, $2: max ms, $3: fewest requests that show the load ran
    log "$1: $(cat "$T/load.out")"
    [ "$(field requests)" -ge "$3" ] || fail "$1: too few requests: $(cat "$T/load.out")"
    [ "$(field refused)" = 0 ] || fail "$1: refused connections: $(cat "$T/load.out")"
    [ "$(field cut)" = 0 ] || fail "$1: cut requests: $(cat "$T/load.out")"
    [ "$(field max_ms)" -lt "$2" ] || fail "$1: a request stalled: $(cat "$T/load.out")"
}

mkconf "--delay 4" "http:/healthz"
start_daemon "$T/ov.conf"
wait_until 20 "[ \"\$(svc_field web state)\" = running ]" || fail "web not running: $(tail -n 5 "$T/daemon.out")"
"$WARDEN" status web --json | tr -d " \n" | grep -q "\"retiring\":" || fail "status has no retiring field"
old=$(svc_field web pid)
load 4
"$WARDEN" restart web >/dev/null || fail "restart"
wait_until 40 "events_of retired web | grep -q '\"pid\": *$old'" || { stop_load; fail "old instance not retired"; }
wait_until 20 settled || { stop_load; fail "did not settle"; }
ready_after=$(events_of ready web | tail -n 1 | sed -n 's/.*"after_ms": *\([0-9]*\).*/\1/p')
[ "$ready_after" -ge 3500 ] || { stop_load; fail "the replacement was declared ready after $ready_after ms; it needs 4 s"; }
stop_load > /dev/null
# a stall of the 4 s start would show as a request of ~4000 ms
check_load "slow start" 2000 20

# two restarts 1 s apart (the second during the first's overlap): the newest goes on
old=$(svc_field web pid)
load 4
"$WARDEN" restart web >/dev/null || fail "restart 1"
wait_until 10 "events_of start web | tail -n 1 | grep -qv '\"pid\": *$old'" || fail "no replacement started"
sleep 1 # the scenario: the operator restarts again a second later
"$WARDEN" restart web >/dev/null || fail "restart 2"
wait_until 10 "events_of superseded web | grep -q ." || { stop_load; "$WARDEN" events web | tail; fail "the first replacement was not superseded"; }
wait_until 60 "events_of retired web | grep -q '\"pid\": *$old'" || { stop_load; fail "old instance not retired after two restarts"; }
wait_until 30 settled || { stop_load; fail "did not settle after two restarts"; }
stop_load > /dev/null
check_load "two restarts" 2000 20
# the instance that serves now is the second replacement (not the first, not the old)
events_of start web | tail -n 1 | grep -q "\"pid\": *$(svc_field web pid)" || fail "the newest replacement is not the one serving"

# saturated, ready = tcp: one request at a time, 50 ms each, 8 clients
"$WARDEN" stop web >/dev/null
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""
mkconf "--single --work-ms 50" "tcp"
start_daemon "$T/ov.conf"
wait_until 20 "[ \"\$(svc_field web state)\" = running ]" || fail "saturated web not running"
old=$(svc_field web pid)
load 8
# its 8 client threads are up (and queueing) before the restart
wait_until 10 "[ \$(ls /proc/$LOAD/task 2>/dev/null | wc -l) -ge 9 ]" || fail "the client load did not start"
"$WARDEN" restart web >/dev/null || fail "restart saturated"
wait_until 40 "events_of retired web | grep -q '\"pid\": *$old'" || { stop_load; "$WARDEN" events web | tail; fail "saturated: old instance not retired (replacement never ready?)"; }
events_of start-timeout web | grep -q . && { stop_load; fail "saturated: start-timeout"; }
stop_load > /dev/null
# one request at a time, 50 ms each: a restart that completes in about a second serves ~20
check_load "saturated tcp" 10000 5
echo "overlap http ok"
