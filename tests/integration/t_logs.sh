# Captured output: every line lands in STATE_DIR/logs/NAME.log and on warden's stdout
# (prefixed), a flood is cut by the rate limit with a "dropped N lines" marker and never
# takes more disk than log_max, an over-long line is cut with a marker, and `warden logs`
# reads the last N lines and follows new ones across rotations.
. "$(dirname "$0")/lib.sh"
conf=$(write_conf logs <<EOF
[service chatty]
command = sh -c 'i=0; while :; do echo "line \$i"; i=\$((i+1)); done'
log_max = 64K x 2
log_rate = 5000/s, 1M/s
drain = 1s

[service talker]
command = sh -c 'echo first; head -c 5000 /dev/zero | tr "\\\\0" a; echo; echo second >&2; exec sleep 1000'

[service ticker]
command = sh -c 'i=0; while :; do echo "tick \$i"; i=\$((i+1)); sleep 0.1; done'

[service silent]
command = sleep 1000
log_max = off
EOF
)
start_daemon "$conf"
L="$T/state/logs"
wait_until 10 "grep -q ' err second\$' '$L/talker.log' 2>/dev/null" || {
    ls -la "$L"; cat "$T/daemon.out" | head -n 20; fail "talker's lines not in its log file"; }

# the last line, from the file, with its stream
last=$("$WARDEN" logs talker -n 1) || fail "warden logs talker -n 1 failed"
case "$last" in
*" err second") ;;
*) fail "logs -n 1 gave '$last'" ;;
esac
n=$("$WARDEN" logs talker -n 2 | wc -l)
[ "$n" -eq 2 ] || fail "logs -n 2 gave $n lines"
# 5000 bytes on one line: cut at 4096 with a marker, the rest on the next file line
grep -q 'a \[warden: line cut\]$' "$L/talker.log" || fail "over-long line not marked as cut"
cut=$(svc_field talker cut_lines)
[ "${cut:-0}" -ge 1 ] || fail "cut_lines is '$cut'"
# passed through to warden's stdout too, prefixed (several services share it)
wait_until 5 "grep -q '^talker: first\$' '$T/daemon.out'" || fail "line not passed through"

# the flood: dropped lines counted and marked, the disk cap holds
wait_until 20 "[ \"\$(svc_field chatty rotations)\" -ge 3 ] 2>/dev/null" ||
    fail "chatty's log never rotated 3 times (rotations: $(svc_field chatty rotations))"
dropped=$(svc_field chatty dropped_lines)
[ "${dropped:-0}" -gt 0 ] || fail "flood: nothing dropped"
# the marker goes in before the next line written after the drops: wait for that line
wait_until 10 "cat '$L/chatty.log' '$L/chatty.log.1' 2>/dev/null | grep -q '\[warden: dropped [0-9]* lines\{0,1\}\]\$'" ||
    fail "no dropped-lines marker in the files"
metric=$("$WARDEN" metrics | sed -n 's/^warden_service_log_dropped_lines_total{service="chatty"} //p')
[ "${metric:-0}" -gt 0 ] || fail "metric log_dropped_lines_total is '$metric'"
for f in "$L"/chatty.log*; do
    size=$(wc -c <"$f")
    [ "$size" -le 65536 ] || fail "$f is $size bytes, over log_max 64K"
done
files=$(ls "$L" | grep -c '^chatty\.log')
[ "$files" -le 2 ] || fail "$files files for log_max = 64K x 2"
log "flood: $dropped lines dropped, $(svc_field chatty rotations) rotations, $files files"

# follow: new lines as they come, across rotations, never torn
"$WARDEN" logs ticker -f -n 0 >"$T/ticks.out" 2>&1 &
F1=$!
r0=$(svc_field chatty rotations)
"$WARDEN" logs chatty -f -n 0 >"$T/follow.out" 2>&1 &
F2=$!
wait_until 10 "[ \$(grep -c ' out tick ' '$T/ticks.out') -ge 3 ]" ||
    { kill $F1 $F2; fail "follow saw no new ticks: $(cat "$T/ticks.out")"; }
wait_until 20 "[ \"\$(svc_field chatty rotations)\" -ge $((r0 + 2)) ]" ||
    { kill $F1 $F2; fail "no rotation while following"; }
wait_until 5 "[ -s '$T/follow.out' ]" || { kill $F1 $F2; fail "follow of chatty got nothing"; }
kill $F1 $F2
wait $F1 $F2 2>/dev/null
bad=$(grep -v -c -E '^[0-9T:.-]+Z (out|err) (line [0-9]+|\[warden: dropped [0-9]+ lines?\])$' \
    "$T/follow.out")
[ "$bad" -eq 0 ] || { grep -v -E "^[0-9T:.-]+Z (out|err) (line [0-9]+|\[warden: dropped [0-9]+ lines?\])\$" "$T/follow.out" | head -n 3;
    fail "$bad torn or foreign lines in the follow output"; }
# numbers only go up: nothing repeated or reordered across the rotations it followed
awk '$3 == "line" { if (n != "" && $4 <= n) { print "not increasing: " n " then " $4; exit 1 } n = $4 }' \
    "$T/follow.out" || fail "follow repeated or reordered lines"
log "followed $(wc -l <"$T/follow.out") lines across $(( $(svc_field chatty rotations) - r0 )) rotations"

# bad input
"$WARDEN" logs nosuch >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] || fail "logs of an unknown service exited $rc"
grep -q 'no logs of "nosuch"' "$T/err" || fail "unclear error: $(cat "$T/err")"
"$WARDEN" logs -c "$conf" silent >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q 'log_max = off' "$T/err" || fail "log_max = off: rc $rc, $(cat "$T/err")"
"$WARDEN" logs talker -n x >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "bad -n exited $rc"
[ ! -e "$L/silent.log" ] || fail "log_max = off still wrote a file"
echo "logs ok"
