# The soak benchmark, short: bench/soak.sh for SOAK_SECONDS (40) with the attack run's mix
# (crash loop, leak under memory_restart, log flood, forker at pids_max, client loop) in one
# daemon. It fails when warden's RSS grew by more than 64 kB or its fd count grew at all
# between the end of the warm-up and the end, or the daemon did not shut down cleanly.
# Skipped where bench/ or a tool it needs is missing (the busybox VM copies only tests/).
# timeout: 150
. "$(dirname "$0")/lib.sh"
soak=$(dirname "$0")/../../bench/soak.sh
[ -f "$soak" ] || skip "no bench/soak.sh here"
for c in yes awk sort comm; do
    command -v "$c" >/dev/null 2>&1 || skip "no $c"
done
for h in hog forker; do
    [ -x "$HELPERS/$h" ] || skip "no $HELPERS/$h"
done
[ "$(id -u)" = 0 ] || skip "needs root (cgroups)"
# An ASan build's RSS grows with its quarantine (up to 256 MB of freed memory kept back),
# so there only the fds, the shutdown and the sanitizer reports are checked.
if grep -q -a '__asan_init' "$WARDEN" 2>/dev/null; then
    export SOAK_RSS_TOL_KB=1048576
    log "ASan build: RSS not compared"
fi
SOAK_SECONDS=${SOAK_SECONDS:-40} HELPERS=$HELPERS sh "$soak" "$WARDEN" >"$T/soak.out" 2>&1
rc=$?
cat "$T/soak.out"
[ "$rc" = 0 ] || fail "bench/soak.sh exited $rc"
grep -q '^soak: ok: ' "$T/soak.out" || fail "no ok line"
grep -q 'client calls: [1-9]' "$T/soak.out" || fail "the client loop made no calls"
