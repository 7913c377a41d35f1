# warden run passes the child's exit status through: codes as-is, 128+signal when killed.
. "$(dirname "$0")/lib.sh"
export WARDEN_STATE_DIR="$T/state"
for code in 0 1 2 3 42 125 255; do
    "$WARDEN" run --restart never -- sh -c "exit $code" >/dev/null 2>&1
    rc=$?
    [ "$rc" = "$code" ] || fail "exit $code came back as $rc"
done
"$WARDEN" run --restart never -- sh -c 'kill -KILL $$' >/dev/null 2>&1
rc=$?; [ "$rc" = 137 ] || fail "SIGKILL came back as $rc, want 137"
"$WARDEN" run --restart never -- sh -c 'kill -TERM $$' >/dev/null 2>&1
rc=$?; [ "$rc" = 143 ] || fail "SIGTERM came back as $rc, want 143"
# stdout passes through unprefixed for a single service
out=$("$WARDEN" run --restart never -- sh -c 'echo hello-from-service' 2>/dev/null)
[ "$out" = "hello-from-service" ] || fail "output not passed through: '$out'"
# exec failure: 127, reported (not hot-looped), with the errno named
"$WARDEN" run --restart never -- /nonexistent/binary >"$T/out" 2>&1
rc=$?; [ "$rc" = 127 ] || { cat "$T/out"; fail "missing binary exit $rc, want 127"; }
grep -q 'exec-failed' "$T/out" || { cat "$T/out"; fail "exec failure not reported"; }
grep -q 'No such file' "$T/out" || { cat "$T/out"; fail "errno not named"; }
echo "exit codes ok"
