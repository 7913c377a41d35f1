# Not PID 1: warden is a child subreaper, so orphans of its service are its to reap.
. "$(dirname "$0")/lib.sh"
export WARDEN_STATE_DIR="$T/state"
# orphans' parent after re-parenting is warden itself: the helper is told warden's pid
cat > "$T/svc.sh" <<'EOS'
exec "$HELPERS/orphans" 20 "$PPID"
EOS
out=$("$WARDEN" run --restart never -- sh "$T/svc.sh" 2>&1)
echo "$out" | grep -q '^zombies 0$' || { echo "$out"; fail "orphans not reaped by the subreaper"; }
echo "subreaper ok"
