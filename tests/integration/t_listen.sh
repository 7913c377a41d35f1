# Socket activation: warden binds `listen` addresses and passes them as fds 3.. with
# LISTEN_FDS / LISTEN_PID (the service's own pid, so a grandchild ignores them) /
# LISTEN_FDNAMES; the sockets stay open across restarts (connections wait in the backlog,
# never refused); a held port fails the service at once, naming the holder's pid and
# command, and `warden check` says the same.
. "$(dirname "$0")/lib.sh"
port=$((20000 + ($$ + 13) % 20000))
conf=$(write_conf listen <<EOF
[service act]
command = sh -c 'echo "pid=\$\$ LISTEN_PID=\$LISTEN_PID FDS=\$LISTEN_FDS NAMES=\$LISTEN_FDNAMES"; echo "fd3=\$(readlink /proc/\$\$/fd/3) fd4=\$(readlink /proc/\$\$/fd/4)"; sh -c "echo grandchild=\\\$\\\$ LISTEN_PID=\\\$LISTEN_PID"; exec sleep 1000'
listen = tcp:127.0.0.1:$port
listen = unix:$T/act.sock
drain = 1s
EOF
)
start_daemon "$conf"
L="$T/state/logs/act.log"
wait_until 10 "grep -q 'grandchild=' '$L' 2>/dev/null" || { cat "$T/daemon.out"; fail "act did not report"; }
line=$(grep ' pid=' "$L" | tail -n 1)
pid=$(echo "$line" | sed -n 's/.* pid=\([0-9]*\) .*/\1/p')
echo "$line" | grep -q "LISTEN_PID=$pid FDS=2 NAMES=act:act\$" || fail "activation env wrong: $line"
grep -q 'fd3=socket:\[[0-9]*\] fd4=socket:\[[0-9]*\]$' "$L" || fail "fds 3 and 4 are not sockets: $(grep fd3 "$L")"
g=$(grep 'grandchild=' "$L" | tail -n 1)
gpid=$(echo "$g" | sed -n 's/.*grandchild=\([0-9]*\) .*/\1/p')
[ "$gpid" != "$pid" ] && echo "$g" | grep -q "LISTEN_PID=$pid\$" || fail "grandchild: $g (LISTEN_PID must not be its own)"
fd3=$(grep 'fd3=' "$L" | tail -n 1 | sed 's/.*fd3=\([^ ]*\).*/\1/')

# stopped: the port still accepts connections (the kernel's backlog), not refused
"$WARDEN" stop act >/dev/null || fail "stop"
wait_until 10 "[ \"\$(svc_field act state)\" = stopped ]" || fail "act not stopped"
"$HELPERS/tcpconnect" "$port" | grep -q '^connected$' || fail "connection refused while act was stopped"
"$HELPERS/tcpconnect" "$T/act.sock" | grep -q '^connected$' || fail "unix socket refused while stopped"
"$WARDEN" start act >/dev/null || fail "start"
wait_until 10 "[ \$(grep -c 'grandchild=' '$L') -ge 2 ]" || fail "act did not start again"
fd3b=$(grep 'fd3=' "$L" | tail -n 1 | sed 's/.*fd3=\([^ ]*\).*/\1/')
[ "$fd3" = "$fd3b" ] || fail "a new socket after restart: $fd3 then $fd3b"

# the port is taken: a second warden names the holder (the daemon) at every try and keeps
# backing off (the holder may go away); restart_max is the user's give-up
out=$(WARDEN_SOCKET="$T/w2.sock" "$WARDEN" run --state-dir "$T/s2" --backoff 50ms..100ms --restart-max 3 \
      --listen "tcp:127.0.0.1:$port" -- sleep 100 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "second warden on a held port exited $rc: $out"
[ "$(echo "$out" | grep -c "exec-failed: listen on tcp:127.0.0.1:$port (held by pid $DAEMON_PID (.*warden daemon.*)) failed: Address already in use")" -ge 3 ] ||
    fail "conflict not explained at each try: $out"
echo "$out" | grep -q "gave up after 3 consecutive failures (restart_max = 3)" || fail "no give-up: $out"
"$WARDEN" check -c "$conf" >/dev/null 2>"$T/check.err"; rc=$?
[ $rc -eq 1 ] && grep -q "listen: tcp:127.0.0.1:$port: Address already in use; held by pid $DAEMON_PID" "$T/check.err" ||
    fail "check: rc $rc, $(cat "$T/check.err")"
# bad addresses are config errors with file:line
bad=$(write_conf badlisten <<EOF
[service x]
command = sleep 1
listen = 8080
EOF
)
"$WARDEN" check -c "$bad" 2>"$T/bad.err"; rc=$?
[ $rc -eq 2 ] && grep -q "badlisten.conf:7: \[service x\] listen: invalid listen address \"8080\" (no tcp: or unix: prefix): expected tcp:HOST:PORT" "$T/bad.err" ||
    fail "bad listen: rc $rc, $(cat "$T/bad.err")"
echo "listen ok"
