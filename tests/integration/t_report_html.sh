# warden report --html: one self-contained file (no script, no network) that headless
# Chromium renders with the memory chart (limit line, OOM markers) and the pids chart; then,
# with the daemon stopped: a short-lived instance's peak drawn at its true height, the time
# axis spanning the data (not up to now), "stopped since" in the state row, and one marker
# kind per memory event (OOM kill, memory-restart; runtime OOM and leak from journal lines
# added here). Skipped where Chromium is missing (the v2 VM).
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
command -v chromium >/dev/null || skip "no chromium"
# spiky grows 1 MiB per 8 ms and is OOM-killed at 96 MiB ~0.8 s after each start: its
# instances live less than two history ticks, so its peaks fall between samples. cache
# grows the same way and memory_restart (64M) restarts it. app just holds 8 MiB.
conf=$(write_conf html <<EOF
[service oomer]
command = $HELPERS/hog 256 --step-ms 5
memory_max = 64M
restart = always
backoff = 200ms..400ms

[service spiky]
command = $HELPERS/hog 200 --step-ms 8
memory_max = 96M
restart = always
backoff = 300ms..600ms

[service cache]
command = $HELPERS/hog 200 --step-ms 10
memory_max = 96M
memory_restart = 64M
restart = always
backoff = 300ms..600ms

[service app]
command = $HELPERS/hog 8
memory_max = 64M
EOF
)

# render NAME: $T/NAME.html and Chromium's DOM of it in $T/NAME.dom, checked self-contained
render() {
    "$WARDEN" report "$1" -c "$conf" --html "$T/$1.html" 2>"$T/$1.err" || { cat "$T/$1.err"; fail "report $1 --html failed"; }
    grep -qi '<script' "$T/$1.html" && fail "$1: the HTML has a script"
    grep -o 'https\?://[^" ]*' "$T/$1.html" | grep -v 'www.w3.org/2000/svg' | grep -q . && fail "$1: the HTML refers to the network"
    timeout 90 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$T/$1.html" > "$T/$1.dom" 2>"$T/chromium.err" \
        || { tail -n 5 "$T/chromium.err"; fail "chromium could not render $1"; }
    grep -q '<svg[^>]*id="memory-chart"' "$T/$1.dom" || fail "$1: no memory chart in the rendered page"
    grep -q '<svg[^>]*id="pids-chart"' "$T/$1.dom" || fail "$1: no pids chart in the rendered page"
    sed -n '/<svg[^>]*id="memory-chart"/,/<\/svg>/p' "$T/$1.dom" > "$T/$1.mem"
}

# scale FILE: how the memory chart FILE maps to values, read from what it draws: prints
# "MiB_per_px y_of_0 t_left t_right", the times (ms of the day, UTC) at the frame's edges
# from the first and last time labels, the values from the value labels.
scale() {
    awk 'function attr(s, name) {
             if (!match(s, name "=\"[-0-9.]+\"")) return ""
             return substr(s, RSTART + length(name) + 2, RLENGTH - length(name) - 3) }
         { if ((i = index($0, "<rect class=\"frame\"")) > 0) {
               s = substr($0, i); fx = attr(s, "x"); fw = attr(s, "width") }
           if ((i = index($0, "<text class=\"lbl\"")) == 0) next
           s = substr($0, i); v = s; sub(/^[^>]*>/, "", v); sub(/<.*/, "", v)
           if (s ~ /^[^>]*text-anchor="end"/) { # value labels, 4 px below their grid line
               if (v + 0 == 0) y0 = attr(s, "y") - 4
               if (v + 0 >= top) { top = v + 0; ytop = attr(s, "y") - 4 }
           } else if (v ~ /^[0-9][0-9]:[0-9][0-9](:[0-9][0-9])?$/) {
               n = split(v, f, ":"); t = (f[1] * 3600 + f[2] * 60 + (n > 2 ? f[3] : 0)) * 1000
               if (!nx++) { xa = attr(s, "x"); ta = t }
               xb = attr(s, "x"); tb = t } }
         END { if (nx < 2 || top <= 0 || y0 == "") exit 1
               if (tb < ta) tb += 86400000
               per = (tb - ta) / (xb - xa); left = ta - (xa - fx) * per
               printf "%.6f %.1f %d %d\n", top / (y0 - ytop), y0, left, left + fw * per }' "$1"
}

# day_ms TIME: the journal's "2026-11-23T05:00:00.123Z" as ms of its day
day_ms() {
    echo "$1" | awk -F'[T:Z]' '{ printf "%d\n", ($2 * 3600 + $3 * 60 + $4) * 1000 + 0.5 }'
}

# event_times NAME: the times of NAME's journal events, oldest first (read from the files:
# the daemon is down for most of this)
event_times() {
    cat "$T/state/journal/"events.* | grep "\"service\": *\"$1\"" | sed -n 's/.*"time": *"\([^"]*\)".*/\1/p'
}

start_daemon "$conf"
wait_until 30 "[ \"\$(svc_field oomer oom_kills)\" -ge 3 ] 2>/dev/null" || fail "oomer: $(svc_field oomer oom_kills) OOM kills"
render oomer
grep -q 'class="mk oom"' "$T/oomer.dom" || fail "no OOM marker"
grep -q 'memory_max' "$T/oomer.dom" || fail "no memory_max line"
timeout 90 chromium --headless --no-sandbox --disable-gpu --window-size=1200,1400 \
    --screenshot="$T/r.png" "file://$T/oomer.html" >/dev/null 2>&1 || fail "no screenshot"
[ "$(wc -c < "$T/r.png")" -gt 20000 ] || fail "screenshot too small to hold the charts"
log "rendered $(wc -c < "$T/oomer.html") bytes of HTML, $(wc -c < "$T/r.png") bytes of PNG"

wait_until 60 "[ \"\$(svc_field spiky oom_kills)\" -ge 4 ] 2>/dev/null" || fail "spiky: $(svc_field spiky oom_kills) OOM kills"
wait_until 30 "[ \$(events_of memory-restart cache | wc -l) -ge 2 ]" || fail "cache: no memory-restarts"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; rc=$?
DAEMON_PID=""
[ $rc = 0 ] || fail "daemon exited $rc after SIGTERM"
stopped_ms=$(date +%s%3N)
# time passes with the daemon down (what is tested is that the axis does not follow it)
wait_until 20 "[ \$(( \$(date +%s%3N) - $stopped_ms )) -ge 6000 ]" || fail "clock"

# A runtime OOM (the "runtime_oom" field of an exit) and a leak, as journal lines of app
# inside its span: the daemon writes these (the field is new), here they are only drawn.
seg=$(ls "$T/state/journal/"events.* | tail -n 1)
seq=$(tail -n 1 "$seg" | sed -n 's/^{"seq": *\([0-9]*\).*/\1/p')
at=$(event_times app | sed -n 2p)
[ -n "$seq" ] && [ -n "$at" ] || fail "no journal to add to ($seg)"
printf '{"seq":%s,"time":"%s","service":"app","type":"leak-suspected","rate_bytes_per_s":52428.8,"r2":0.99,"points":30,"usage_bytes":8388608,"limit_bytes":67108864,"eta_s":1120.5,"advice":"x"}\n' \
    $((seq + 1)) "$at" >> "$seg"
printf '{"seq":%s,"time":"%s","service":"app","type":"exit","kind":"exited","reason":"exit code 1","code":1,"signal":null,"uptime_ms":900,"memory_peak_bytes":8912896,"memory_max_bytes":67108864,"runtime_oom":{"runtime":"jvm","line":"java.lang.OutOfMemoryError: Java heap space <b>&"}}\n' \
    $((seq + 2)) "$at" >> "$seg"

render spiky
render cache
render app

# 1. every OOM kill of the short-lived instances: the band reaches its usage at the kill
# near the marker (within 4 px), read back through the chart's value labels
sc=$(scale "$T/spiky.mem") || fail "spiky: no value or time labels on the memory chart"
set -- $sc; per_px=$1; y0=$2; left=$3; right=$4
sed -n 's/.*<path class="band" d="\([^"]*\)".*/\1/p' "$T/spiky.mem" | head -n 1 | awk '
    { gsub(/[MLHZ]/, " & "); n = split($0, tok, " ")
      for (i = 1; i <= n; i++) {
          if (tok[i] ~ /^[MLHZ]$/) { cmd = tok[i]; continue }
          if (cmd == "H") { x = tok[i] } else { x = tok[i]; y = tok[++i] }
          print x, y } }' > "$T/band.pts"
# a marker's line and its tooltip are on one line of the page, in either order
grep 'class="mk oom"' "$T/spiky.mem" | grep 'OOM kill at [^<]* usage [0-9.]* MiB' | \
    sed 's/.*<line class="mk oom" x1="\([0-9.]*\)".*/\1 &/; s/^\([0-9.]*\) .* usage \([0-9.]*\) MiB.*/\2 \1/' > "$T/kills"
[ "$(wc -l < "$T/kills")" -ge 4 ] || fail "spiky: $(wc -l < "$T/kills") OOM markers, want >= 4"
while read -r usage x; do
    top=$(awk -v xm="$x" -v per="$per_px" -v y0="$y0" '
        BEGIN { best = -1 }
        { d = $1 - xm; if (d < 0) d = -d
          if (d <= 4 && (y0 - $2) * per > best) best = (y0 - $2) * per }
        END { printf "%.1f\n", best }' "$T/band.pts")
    log "spiky: OOM kill at x=$x, usage $usage MiB, band top there $top MiB"
    awk -v t="$top" -v u="$usage" 'BEGIN { exit !(t >= 0.95 * u) }' \
        || fail "spiky: the peak at the OOM kill (usage $usage MiB, x=$x) is drawn at $top MiB"
done < "$T/kills"

# 2. the axis spans the data, not up to now: the service's events plus margins (a window
# under 10 s is widened to 10 s around its middle)
first=$(day_ms "$(event_times spiky | head -n 1)"); last=$(day_ms "$(event_times spiky | tail -n 1)")
[ $last -lt $first ] && last=$((last + 86400000))
data=$((last - first)); axis=$((right - left)); want=$data
[ $want -lt 10000 ] && want=10000
log "spiky: data ${data} ms, axis ${axis} ms (from $((left - first)) to $((right - last)) ms of it), stopped $(( $(date +%s%3N) - stopped_ms )) ms ago"
[ $axis -le $((want + want / 10 + 1500)) ] || fail "spiky: axis ${axis} ms for ${data} ms of data"
[ $axis -ge $((data * 9 / 10)) ] || fail "spiky: axis ${axis} ms narrower than the data (${data} ms)"
[ $right -le $((last + (want - data) / 2 + 2000)) ] || fail "spiky: the axis runs $((right - last)) ms past the last event"
[ $left -ge $((first - (want - data) / 2 - 2000)) ] || fail "spiky: the axis starts $((first - left)) ms before the first event"

# 3. a stopped service says since when, not an uptime
when=$(event_times spiky | tail -n 1 | sed 's/^[0-9]*-\(..-..\)T\(..:..:..\).*/\1 \2/')
row=$(grep -o '<tr><th>state</th><td>[^<]*' "$T/spiky.dom")
log "spiky: $row"
echo "$row" | grep -q "stopped since $when UTC ([0-9a-z.]* ago)" || fail "spiky: state row '$row', want 'stopped since $when UTC (... ago)'"
echo "$row" | grep -q uptime && fail "spiky: a stopped service with an uptime: '$row'"

# 4. one marker kind per memory event, each with its legend entry and tooltip
grep -q '<path class="sym oom"' "$T/spiky.mem" || fail "spiky: no OOM kill symbol"
grep -q '<line class="mk mrst"' "$T/cache.mem" || fail "cache: no memory-restart marker"
grep -q '<title>memory-restart at [^<]*crossed 64.0 MiB' "$T/cache.mem" || fail "cache: no memory-restart tooltip"
grep -q 'memory_restart 64.0 MiB' "$T/cache.mem" || fail "cache: no memory_restart line"
grep -q '<line class="mk rtoom"' "$T/app.mem" || fail "app: no runtime OOM marker"
grep -q '<title>runtime OOM (jvm) at [^<]*OutOfMemoryError: Java heap space &lt;b&gt;&amp;' "$T/app.mem" \
    || fail "app: no runtime OOM tooltip (escaped)"
grep -q '<line class="mk leak"' "$T/app.mem" || fail "app: no leak marker"
grep -q '<title>leak suspected at ' "$T/app.mem" || fail "app: no leak tooltip"
grep -q '<b>' "$T/app.html" && fail "app: a journal string went into the page unescaped"
for k in "OOM kill" "runtime OOM" "memory-restart" "leak suspected"; do
    grep -q "<svg class=\"icon\"[^>]*>.*</svg>$k" "$T/spiky.dom" || fail "no legend entry for $k"
done
timeout 90 chromium --headless --no-sandbox --disable-gpu --window-size=1200,1400 \
    --screenshot="$T/spiky.png" "file://$T/spiky.html" >/dev/null 2>&1 || fail "no screenshot of spiky"
echo "report html ok"
