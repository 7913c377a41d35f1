# A damaged history file while the daemon runs (issue 12, item 9): random bytes over records
# (dd conv=notrunc) must never reach the report as values (it gave memory_max =
# 2387530564325M and a negative peak_bytes), and a file cut short must be given its size
# back by the daemon within its check cadence (HISTORY_SIZE_CHECK_S, 10 s), the report
# working meanwhile. The daemon writes 1 s points HISTORY_PEND_MAX (30) at a time and at
# each minute's end, so the file's header moves in steps of up to 30 s.
# timeout: 240
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
conf=$(write_conf hist <<EOF
[service hog]
command = $HELPERS/hog 32
memory_max = 256M
EOF
)
start_daemon "$conf"
hist="$T/state/history/hog.hist"
size=299648 # HISTORY_FILE_BYTES, format version 2

# fine_valid: the count of 1 s points in the header (bytes 36..39, little-endian)
fine_valid() { od -An -tu4 -j36 -N4 "$hist" 2>/dev/null | tr -d ' '; }
file_size() { wc -c < "$hist" | tr -d ' '; }
# 24 points: the service has run past DETERMINISTIC_WINDOW_MS, so the report sizes memory
# from the history's per-minute peaks (where the scribbled values showed up)
wait_until 75 "[ \"\$(fine_valid)\" -ge 24 ] 2>/dev/null" || fail "no history points: $(fine_valid)"

# report_sane: the --json report parses and has no negative number, no *_bytes above 1 TiB
# and no memory size string (like "2387530564325M") above 1 TiB either.
report_sane() {
    _js=$("$WARDEN" report hog --json 2>"$T/report.err") || { cat "$T/report.err"; fail "report: exit $?"; }
    echo "$_js" | grep -q '"schema": "warden.report/1"' || fail "no report"
    _neg=$(echo "$_js" | grep -E ':[[:space:]]*-[0-9]' | head -n 3)
    [ -z "$_neg" ] || fail "negative numbers in the report: $_neg"
    _big=$(echo "$_js" | tr ',{}[' '\n\n\n\n' | sed -n 's/.*"[a-z_]*bytes[a-z_]*": *\([0-9][0-9]*\).*/\1/p' | \
        awk '$1 > 1099511627776' | head -n 3)
    [ -z "$_big" ] || fail "memory above 1 TiB in the report: $_big"
    _sz=$(echo "$_js" | grep -oE '"[0-9]+(\.[0-9]+)?[KMGTP]i?"' | tr -d '"' | awk '
        { n = $1 + 0; s = $1; sub(/i$/, "", s); u = substr(s, length(s), 1)
          m = u == "K" ? 1024 : u == "M" ? 1048576 : u == "G" ? 1073741824 : u == "T" ? 1099511627776 : 1125899906842624
          if (n * m > 1099511627776) print $1 }' | head -n 3)
    [ -z "$_sz" ] || fail "memory size above 1 TiB in the report: $_sz"
}
report_sane
log "before damage: $(fine_valid) points"

# Random bytes over points 4..19 (header intact) and over the middle of the file, running:
# each scribbled time is a minute of its own, enough for per-minute sizing.
dd if=/dev/urandom of="$hist" bs=32 seek=8 count=16 conv=notrunc 2>/dev/null || fail "dd"
dd if=/dev/urandom of="$hist" bs=4096 seek=24 count=8 conv=notrunc 2>/dev/null || fail "dd"
report_sane
grep -q 'history unreadable' "$T/report.err" && { cat "$T/report.err"; fail "history refused after record damage"; }
[ "$(file_size)" = $size ] || fail "size $(file_size) after dd"

# Cut short while running: the report still works, and the daemon repairs the file.
truncate -s 1000 "$hist" || fail "truncate"
report_sane
wait_until 25 "[ \"\$(file_size)\" = $size ]" || fail "not repaired: size $(file_size), want $size"
n0=$(fine_valid)
wait_until 40 "[ \"\$(fine_valid)\" -gt $n0 ]" || fail "no point recorded after the repair"
report_sane
grep -q 'history unreadable' "$T/report.err" && { cat "$T/report.err"; fail "history refused after the repair"; }
log "repaired: size $(file_size), $(fine_valid) points"
echo "history damage ok"
