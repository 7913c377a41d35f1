# The journal stays under its cap after 200,000 events, and survives a SIGKILL of the
# writer mid-write: the torn line is cut at the next open and seq continues.
. "$(dirname "$0")/lib.sh"
J="$T/journal"
out=$("$WARDEN" _journal-fill "$J" 200000) || fail "fill failed: $out"
log "$out"
bytes=$(cat "$J"/* | wc -c)
files=$(ls "$J" | wc -l)
log "after 200000 events: $bytes bytes in $files segment files"
[ "$bytes" -le $((8 * 1048576)) ] || fail "journal is $bytes bytes, cap is 8 MiB"
[ "$files" -le 8 ] || fail "$files segments, cap is 8"
last=$(tail -n 1 "$(ls "$J"/* | tail -n 1)" | sed -n 's/.*"seq": *\([0-9]*\).*/\1/p')
[ "$last" = 200000 ] || fail "last seq $last, want 200000"
# SIGKILL mid-write, several times; each reopen must leave only whole lines
i=0
while [ $i -lt 5 ]; do
    "$WARDEN" _journal-fill "$J" 1000000 >/dev/null 2>&1 &
    p=$!
    sleep 0.$((3 + i))
    kill -KILL $p 2>/dev/null
    wait $p 2>/dev/null
    i=$((i + 1))
done
# simulate the torn tail a crash leaves inside write(2): half a line, no newline
printf '{"seq": 99999999, "time": "2026-11-2' >> "$(ls "$J"/* | tail -n 1)"
out=$("$WARDEN" _journal-fill "$J" 1) || fail "reopen failed: $out"
log "$out"
echo "$out" | grep -q 'repaired [1-9]' || fail "torn line not repaired: $out"
for f in "$J"/*; do
    [ -z "$(tail -c 1 "$f")" ] || fail "$f does not end with a newline"
done
bad=$(cat "$J"/* | grep -cv '^{.*}$')
[ "$bad" = 0 ] || fail "$bad malformed lines remain"
bytes=$(cat "$J"/* | wc -c)
[ "$bytes" -le $((8 * 1048576)) ] || fail "journal is $bytes bytes after the kills"
echo "journal ok ($bytes bytes)"
