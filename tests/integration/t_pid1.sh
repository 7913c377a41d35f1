# As PID 1 (unshare --pid --fork), warden reaps orphaned zombies and forwards signals;
# on SIGTERM it drains and exits with the service's status.
. "$(dirname "$0")/lib.sh"
command -v unshare >/dev/null 2>&1 || skip "no unshare"
unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot create a pid namespace here"
export WARDEN_STATE_DIR="$T/state"
# 1. zombies: the service makes 30 orphans that exit after their parent; PID 1 must reap.
out=$(unshare --pid --fork --mount-proc "$WARDEN" run --restart never -- "$HELPERS/orphans" 30 1 2>&1)
echo "$out" | grep -q '^zombies 0$' || { echo "$out"; fail "orphaned zombies were not reaped by PID 1"; }
# 2. signals: USR1 and HUP are forwarded; TERM drains and the exit status passes through.
cat > "$T/svc.sh" <<'EOS'
trap 'echo usr1 >> "$MARK"' USR1
trap 'echo hup >> "$MARK"' HUP
trap 'echo term >> "$MARK"; exit 7' TERM
echo ready >> "$MARK"
while :; do sleep 0.05; done
EOS
export MARK="$T/mark"
unshare --pid --fork --mount-proc "$WARDEN" run --restart always -- sh "$T/svc.sh" >"$T/out" 2>&1 &
UPID=$!
wait_until 10 "grep -q ready '$MARK' 2>/dev/null" || { cat "$T/out"; fail "service did not start"; }
# the pid-namespace init (warden) is unshare's child
WPID=$(cat /proc/$UPID/task/*/children 2>/dev/null | tr ' ' '\n' | grep -m1 .)
[ -n "$WPID" ] || fail "cannot find warden's pid"
grep -q '^warden\|/warden' /proc/$WPID/cmdline 2>/dev/null || tr '\0' ' ' < /proc/$WPID/cmdline
kill -USR1 "$WPID"; wait_until 5 "grep -q usr1 '$MARK'" || fail "SIGUSR1 not forwarded"
kill -HUP "$WPID"; wait_until 5 "grep -q hup '$MARK'" || fail "SIGHUP not forwarded"
kill -TERM "$WPID"
wait "$UPID"; rc=$?
grep -q term "$MARK" || fail "SIGTERM not forwarded"
[ "$rc" = 7 ] || { cat "$T/out"; fail "warden exited $rc after SIGTERM, want the service's 7"; }
echo "pid1 ok"
