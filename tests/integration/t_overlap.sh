# Overlap restart: with listen + ready, `warden restart` starts the replacement beside the
# old instance, which gets SIGTERM only once the replacement is ready, and the port never
# refuses a connection. A replacement that never gets ready leaves the old one serving
# (overlap-failed). Too little memory for two instances (below [host] min_available):
# stop, then start, and an overlap-skipped event says so.
. "$(dirname "$0")/lib.sh"
p=$((20000 + ($$ + 41) % 20000))
S="$HELPERS/streamd"
mkconf() { # $1: web's command; $2: extra [host] lines
    printf '[warden]\nstate_dir = %s/state\nsocket = %s\n\n%s\n' "$T" "$WARDEN_SOCKET" "$2"
    printf '[service web]\ncommand = %s\nlisten = tcp:127.0.0.1:%s\nready = notify\nstart_timeout = 2s\ndrain = 5s\n' "$1" "$p"
}
conf="$T/overlap.conf"
mkconf "$S --kb 64" "" > "$conf"
start_daemon "$conf"
wait_until 10 "[ \"\$(svc_field web state)\" = running ]" || fail "web not running"
old=$(svc_field web pid)
"$WARDEN" restart web >/dev/null || fail "restart"
wait_until 10 "events_of retired web | grep -q '\"pid\": *$old'" || { "$WARDEN" events web; fail "old instance not retired"; }
new=$(svc_field web pid)
[ "$new" != "$old" ] || fail "still the old pid"
events_of restart web | grep -q '"mode": *"overlap"' || fail "not an overlap restart: $(events_of restart web)"
# order: the replacement was ready before the old one was told to go
ready_seq=$(events_of ready web | tail -n 1 | sed -n 's/.*"seq": *\([0-9]*\).*/\1/p')
retiring_seq=$(events_of retiring web | tail -n 1 | sed -n 's/.*"seq": *\([0-9]*\).*/\1/p')
[ "$ready_seq" -lt "$retiring_seq" ] || fail "SIGTERM to the old before the new was ready ($ready_seq, $retiring_seq)"
"$HELPERS/tcpconnect" "$p" read | grep -q 'read 6[0-9]* bytes' || fail "no answer after the restart"

# a replacement that never gets ready: the old instance keeps serving
mkconf "sleep 1000" "" > "$conf"
out=$("$WARDEN" reload) || fail "reload: $out"
wait_until 15 "events_of overlap-failed web | grep -q ." || { "$WARDEN" events web | tail; fail "no overlap-failed"; }
[ "$(svc_field web pid)" = "$new" ] && [ "$(svc_field web state)" = running ] ||
    fail "the old instance did not keep serving: $(svc_field web state) $(svc_field web pid)"
events_of start-timeout web | grep -q . || fail "the replacement's start-timeout not journalled"
"$HELPERS/tcpconnect" "$p" read | grep -q 'read 6[0-9]* bytes' || fail "old instance not serving after the failed replacement"

# no room for two: stop, then start
printf 'MemTotal: 1000000 kB\nMemFree: 1000 kB\nMemAvailable: 103424 kB\n' > "$T/meminfo"
"$WARDEN" stop web >/dev/null
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""
mkconf "$S --kb 64" "[host]
min_available = 100M" > "$conf"
WARDEN_TEST_MEMINFO="$T/meminfo" "$WARDEN" daemon -c "$conf" >"$T/daemon.out" 2>&1 &
DAEMON_PID=$!
wait_until 10 "[ -S '$WARDEN_SOCKET' ] && [ \"\$(svc_field web state)\" = running ]" || { cat "$T/daemon.out"; fail "second daemon"; }
"$WARDEN" restart web >/dev/null || fail "restart 2"
wait_until 10 "events_of overlap-skipped web | grep -q '\"reason\": *\"memory\"'" || { "$WARDEN" events web | tail; fail "no overlap-skipped"; }
wait_until 10 "[ \"\$(svc_field web state)\" = running ]" || fail "web not running after stop-then-start"
echo "overlap ok"
