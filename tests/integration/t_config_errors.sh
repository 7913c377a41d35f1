# Bad configs: every error names file:line, key and value; exit 2; the daemon refuses.
. "$(dirname "$0")/lib.sh"
f="$T/bad.conf"
printf '[warden]\nstate_dir = %s/state\n\n[service api]\ncommand = /bin/true\nmemory_max = 12Q\nrestart = sometimes\n\n[service ../x]\ncommand = /bin/true\n' "$T" > "$f"
"$WARDEN" check -c "$f" > "$T/out" 2>&1; rc=$?
cat "$T/out"
[ "$rc" = 2 ] || fail "check exit $rc, want 2"
grep -q "bad.conf:6:.*memory_max.*12Q" "$T/out" || fail "no file:line error for memory_max"
grep -q "bad.conf:7:.*restart.*sometimes" "$T/out" || fail "no file:line error for restart"
grep -q "bad.conf:9:" "$T/out" || fail "no error for the bad service name"
"$WARDEN" daemon -c "$f" > "$T/out2" 2>&1; rc=$?
[ "$rc" = 2 ] || fail "daemon exit $rc on a bad config, want 2"
"$WARDEN" check -c "$T/missing.conf" >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "missing file exit $rc, want 2"
good=$(write_conf good <<EOF
[service a]
command = sleep 1
EOF
)
"$WARDEN" check -c "$good" || fail "good config rejected"
"$WARDEN" run --memory-max lots -- true 2>"$T/out3"; rc=$?
[ "$rc" = 2 ] && grep -q 'memory-max' "$T/out3" || fail "bad --memory-max: exit $rc"
# " ;" in a command would be cut as an INI comment: refused, not silently truncated
printf '[service a]\ncommand = sh -c "echo a ; echo b"\n' > "$T/semi.conf"
"$WARDEN" check -c "$T/semi.conf" > "$T/out4" 2>&1; rc=$?
[ "$rc" = 2 ] && grep -q 'semi.conf:2: command: " ;" starts an INI comment' "$T/out4" || { cat "$T/out4"; fail "' ;' in a command not refused"; }
# issue 12: a min_available the host can never have (4T, 100%) is refused with file:line
for v in 4T 100%; do
    printf '[host]\nmin_available = %s\n[service a]\ncommand = sleep 1\n' "$v" > "$T/host.conf"
    "$WARDEN" check -c "$T/host.conf" > "$T/out5" 2>&1; rc=$?
    [ "$rc" = 2 ] && grep -q "host.conf:2: \[host\] min_available: invalid size \"$v\" (not below the memory there is" "$T/out5" ||
        { cat "$T/out5"; fail "min_available = $v not refused"; }
done
echo "config errors ok"
