# Backoff delays double with jitter (1, 2, 4, 8 s, each within +-10%); an identical quick
# failure repeated 5 times is crash-looping and said to be deterministic, but keeps backing
# off (the world around it may change: issue 11); a varying one is crash-looping too.
. "$(dirname "$0")/lib.sh"
conf=$(write_conf backoff <<EOF
[service same]
command = sh -c 'exit 3'

[service vary]
command = sh -c 'n=\$(cat $T/n 2>/dev/null || echo 0); echo \$((n+1)) > $T/n; exit \$((n % 2 + 1))'
backoff = 100ms..2s
EOF
)
start_daemon "$conf"
wait_until 40 "[ \"\$(svc_field same deterministic)\" = true ]" || fail "same: deterministic $(svc_field same deterministic)"
[ "$(svc_field same state)" = crash-looping ] || fail "same: state $(svc_field same state), want crash-looping"
[ "$(svc_field same crash_looping)" = true ] || fail "same: crash_looping $(svc_field same crash_looping)"
"$WARDEN" status same | grep -q 'deterministic: exit code 3 5 times in a row' || { "$WARDEN" status same; fail "reason missing"; }
# and it is started again after the fifth failure: it never gives up on its own
wait_until 25 "[ \$(events_of start same | wc -l) -ge 6 ]" || fail "same not started a 6th time"
[ "$(svc_field same state)" != failed ] || fail "same: failed"
# delays between consecutive starts, from the journal's times
"$WARDEN" events same --json | grep '"type": *"start"' | head -n 5 | sed 's/.*"time": *"[^T]*T\([0-9]*\):\([0-9]*\):\([0-9.]*\)Z".*/\1 \2 \3/' > "$T/starts"
n=$(wc -l < "$T/starts")
[ "$n" = 5 ] || { cat "$T/starts"; fail "same started $n times, want 5"; }
awk 'BEGIN { want = 1.0 }
     { t = $1 * 3600 + $2 * 60 + $3
       if (NR > 1) { d = t - prev
         # each start follows an exit that took some ms: allow +0.35 s above the +10% bound
         printf "# delay %d: %.3f s (bounds %.2f..%.2f)\n", NR - 1, d, 0.9 * want, 1.1 * want + 0.35
         if (d < 0.9 * want || d > 1.1 * want + 0.35) bad = 1
         want *= 2 }
       prev = t }
     END { exit bad }' "$T/starts" || fail "a backoff delay is outside its jitter bounds"
wait_until 20 "[ \"\$(svc_field vary state)\" = crash-looping ]" || fail "vary: state $(svc_field vary state), want crash-looping"
events_of crash-looping vary | grep -q '"reason"' || fail "no crash-looping event with a reason"
echo "backoff ok"
