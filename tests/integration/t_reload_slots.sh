# The service table is fixed (64 slots). Reloads that replace services by new names reuse
# the slots of removed ones once those have stopped: with the table full, new names the
# first reload could not place are reported as ignored, and the next reload adds them;
# three rounds of renaming never run out of slots.
. "$(dirname "$0")/lib.sh"
gen() { # $1: generation of the 10 services renamed each round
    i=1; while [ $i -le 54 ]; do printf '[service k%d]\ncommand = sleep 100%d\ndrain = 1s\n\n' $i $i; i=$((i + 1)); done
    i=1; while [ $i -le 10 ]; do printf '[service n%d_%d]\ncommand = sleep 200%d\ndrain = 1s\n\n' "$1" $i $i; i=$((i + 1)); done
}
running() { "$WARDEN" status --json | grep -c '"state": "running"'; }
conf=$(gen 0 | write_conf fill)
start_daemon "$conf"
wait_until 20 "[ \$(running) -eq 64 ]" || fail "64 not running: $(running)"
for r in 1 2 3; do
    { printf '[warden]\nstate_dir = %s/state\nsocket = %s\n\n' "$T" "$WARDEN_SOCKET"; gen $r; } > "$conf"
    out=$("$WARDEN" reload 2>&1) || fail "reload $r: $out"
    echo "$out" | grep -q "removed: n$((r - 1))_1 " || fail "reload $r did not remove the old names: $out"
    # the removed ones stop (drain 1 s at most); then the next reload places the new names
    wait_until 20 "out=\$(\"\$WARDEN\" reload 2>&1) && echo \"\$out\" | grep -q 'ignored: -'" ||
        fail "round $r: new names never placed: $out"
    wait_until 20 "[ \$(running) -eq 64 ]" || fail "round $r: $(running) running"
    "$WARDEN" status "n${r}_10" >/dev/null || fail "round $r: n${r}_10 unknown"
done
echo "reload slots ok"
