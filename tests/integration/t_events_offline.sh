# `warden events` with the daemon down reads the journal under state_dir, as report and
# logs do: with --state-dir DIR or -c FILE it prints what the daemon printed (the same
# lines, text and --json, the live output being a prefix of the later one), filters by
# service and --since the same way, exits 2 for an unknown or bad service name, and 1 with
# a message naming -c FILE and --state-dir when it has neither.
. "$(dirname "$0")/lib.sh"
unset WARDEN_STATE_DIR
conf=$(write_conf events <<EOF
[service crasher]
command = /bin/sh -c "echo boom; exit 3"
backoff = 20ms..50ms

[service idle]
command = /bin/sleep 1000
EOF
)
S="$T/state"
start_daemon "$conf"
wait_until 20 "[ \$(events_of exit crasher | wc -l) -ge 3 ]" || fail "crasher: fewer than 3 exits journalled"
wait_until 20 "[ \"\$(svc_field idle state)\" = running ]" || fail "idle: $(svc_field idle state)"
"$WARDEN" events > "$T/live.txt" || fail "events (daemon up) failed"
"$WARDEN" events --json > "$T/live.json" || fail "events --json (daemon up) failed"
"$WARDEN" events crasher > "$T/live-crasher.txt" || fail "events crasher (daemon up) failed"

# stop the daemon (by its pid) and make sure nothing answers any more
kill -TERM "$DAEMON_PID"
wait_until 20 "! kill -0 $DAEMON_PID 2>/dev/null" || fail "daemon did not stop"
wait "$DAEMON_PID"; rc=$?
DAEMON_PID=""
[ "$rc" = 0 ] || { tail -n 20 "$T/daemon.out"; fail "daemon exited $rc after SIGTERM"; }
"$WARDEN" status >/dev/null 2>&1 && fail "a daemon still answers"

# is_prefix A B: file A is the first lines of file B (the journal only grows)
is_prefix() {
    _n=$(wc -l < "$1")
    [ "$_n" -gt 0 ] && [ "$(wc -l < "$2")" -ge "$_n" ] && head -n "$_n" "$2" | cmp -s - "$1"
}

# --state-dir: the same lines the daemon gave, and no note (the files were asked for)
"$WARDEN" events --state-dir "$S" > "$T/off.txt" 2> "$T/off.err"; rc=$?
[ "$rc" = 0 ] || { cat "$T/off.err"; fail "events --state-dir exited $rc"; }
[ -s "$T/off.err" ] && { cat "$T/off.err"; fail "events --state-dir wrote to stderr"; }
is_prefix "$T/live.txt" "$T/off.txt" || { diff "$T/live.txt" "$T/off.txt" | head; fail "offline text differs from the daemon's"; }
exits=$(grep -c '^[^ ]* crasher  *exit ' "$T/off.txt")
[ "$exits" -ge 3 ] || fail "offline: $exits exit events of crasher, want >= 3"
grep '^[^ ]* crasher  *exit ' "$T/off.txt" | head -n 1 | grep -q 'code=3' || fail "exit event without code=3"
log "offline: $(wc -l < "$T/off.txt") events, $exits exits of crasher"

# -c FILE: the daemon does not answer at its socket, so its state_dir is read; same output
"$WARDEN" events -c "$conf" > "$T/off-c.txt" 2> "$T/off-c.err"; rc=$?
[ "$rc" = 0 ] || { cat "$T/off-c.err"; fail "events -c exited $rc"; }
cmp -s "$T/off.txt" "$T/off-c.txt" || fail "events -c and --state-dir differ"
grep -q "does not answer" "$T/off-c.err" || { cat "$T/off-c.err"; fail "events -c: no note that the daemon is down"; }

# --json: JSON Lines, one object per line, the daemon's lines first
"$WARDEN" events --json --state-dir "$S" > "$T/off.json" || fail "events --json --state-dir failed"
"$WARDEN" events --json -c "$conf" > "$T/off-c.json" 2>/dev/null || fail "events --json -c failed"
cmp -s "$T/off.json" "$T/off-c.json" || fail "--json: -c and --state-dir differ"
is_prefix "$T/live.json" "$T/off.json" || fail "offline --json differs from the daemon's"
[ "$(grep -cv '^{.*}$' "$T/off.json")" = 0 ] || fail "--json: a line is not one object"
if command -v python3 >/dev/null; then
    python3 -c '
import json, sys
n = exits = 0
for line in open(sys.argv[1]):
    ev = json.loads(line)
    assert isinstance(ev["seq"], int) and ev["time"] and ev["type"], line
    n += 1
    exits += ev["type"] == "exit" and ev.get("service") == "crasher"
assert exits >= 3, exits
print("# --json: %d lines parse, %d exits of crasher" % (n, exits))
' "$T/off.json" || fail "--json lines do not parse"
fi
[ "$(grep -c '"type": *"exit"' "$T/off.json")" -ge 3 ] || fail "--json: fewer than 3 exit events"

# a service: only its events, the daemon's first
"$WARDEN" events crasher --state-dir "$S" > "$T/off-crasher.txt" || fail "events crasher --state-dir failed"
is_prefix "$T/live-crasher.txt" "$T/off-crasher.txt" || fail "events crasher: offline differs"
grep -v '^[^ ]* crasher ' "$T/off-crasher.txt" && fail "events crasher printed another service's events"
"$WARDEN" events idle -c "$conf" 2>/dev/null | grep -q '^[^ ]* idle  *start' || fail "events idle -c: no start event"
# --since filters offline as online
[ -z "$("$WARDEN" events --state-dir "$S" --since 2999-01-01T00:00:00Z)" ] || fail "--since in the future printed events"
"$WARDEN" events --state-dir "$S" --since 1h | cmp -s - "$T/off.txt" || fail "--since 1h dropped events"

# unknown or bad service names: exit 2
"$WARDEN" events nosuch --state-dir "$S" > "$T/out" 2> "$T/err"; rc=$?
[ "$rc" = 2 ] || fail "unknown service with --state-dir: exit $rc, want 2"
grep -q 'unknown service "nosuch"' "$T/err" || { cat "$T/err"; fail "no 'unknown service' message"; }
[ -s "$T/out" ] && fail "unknown service printed events"
"$WARDEN" events nosuch -c "$conf" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "unknown service with -c: exit $rc, want 2"
"$WARDEN" events ../state --state-dir "$S" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "a path as service name: exit $rc, want 2"
"$WARDEN" status --state-dir "$S" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "status --state-dir: exit $rc, want 2 (usage)"

# no daemon and nothing to find the journal by: exit 1, saying what to pass
"$WARDEN" events > "$T/out" 2> "$T/err"; rc=$?
[ "$rc" = 1 ] || fail "no daemon, no state dir: exit $rc, want 1"
grep -q -- '-c FILE' "$T/err" && grep -q -- '--state-dir DIR' "$T/err" || { cat "$T/err"; fail "the error does not name -c FILE and --state-dir DIR"; }
log "no state dir: $(cat "$T/err")"
# a state dir without a journal: exit 1
mkdir -p "$T/empty"
"$WARDEN" events --state-dir "$T/empty" >/dev/null 2> "$T/err"; rc=$?
[ "$rc" = 1 ] || fail "state dir without a journal: exit $rc, want 1"
grep -q 'no journal' "$T/err" || { cat "$T/err"; fail "no 'no journal' message"; }
echo "events offline ok"
