# Issue 12: a state_dir made beforehand by an unprivileged user (mode 0777, owned by them, a
# `logs` symlink, a planted journal) is refused with a clear error, and warden writes
# nothing through it; a root-owned 0777 one and a `logs` symlink are refused too.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root (chown)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
mkdir -p "$T/elsewhere" "$T/bad/journal"
printf '{"seq":1,"time":"2026-01-01T00:00:00Z","service":"s","type":"exit","kind":"oom-killed","reason":"FORGED"}\n' \
    > "$T/bad/journal/events.000000000001.jsonl"
ln -s "$T/elsewhere" "$T/bad/logs"
chown -R nobody "$T/bad"; chmod 0777 "$T/bad"
conf=$(write_conf sd <<EOF
[service s]
command = sleep 1000
EOF
)
try() { # try STATE_DIR WANT: the daemon refuses it with WANT in its message, at once
    sed -i "s|^state_dir = .*|state_dir = $1|" "$conf"
    out=$(timeout 10 "$WARDEN" daemon -c "$conf" 2>&1); rc=$?
    [ $rc != 0 ] && [ $rc != 124 ] || fail "daemon with state_dir $1: exit $rc: $out"
    echo "$out" | grep -q "refusing state_dir: .*$2" || fail "state_dir $1: $out"
    log "$(echo "$out" | grep refusing | head -n 1)"
}
try "$T/bad" "is owned by another user"
[ -z "$(ls -A "$T/elsewhere")" ] || fail "warden wrote through the planted symlink: $(ls "$T/elsewhere")"
chown -R root "$T/bad"
try "$T/bad" "is writable by group or others"
chmod 0700 "$T/bad"
try "$T/bad" "logs is not a directory"
rm "$T/bad/logs"; chmod 0777 "$T/bad/journal"
try "$T/bad" "journal is writable by group or others"
chmod 0700 "$T/bad/journal"
# a clean one still works, and warden run is checked the same way
out=$(timeout 10 "$WARDEN" run --state-dir "$T/bad2" --restart never -- true 2>&1); rc=$?
[ $rc = 0 ] || fail "warden run with a fresh state_dir: $rc $out"
mkdir -m 0777 "$T/bad3"
out=$(timeout 10 "$WARDEN" run --state-dir "$T/bad3" --restart never -- true 2>&1); rc=$?
[ $rc != 0 ] && echo "$out" | grep -q "refusing state_dir" || fail "warden run with a 0777 state_dir: $rc $out"
echo "state dir ok"
