# warden report --html: one self-contained file (no script, no network) that headless
# Chromium renders with the memory chart (limit line, OOM markers) and the pids chart.
# Skipped where Chromium is missing (the v2 VM).
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
command -v chromium >/dev/null || skip "no chromium"
conf=$(write_conf html <<EOF
[service oomer]
command = $HELPERS/hog 256 --step-ms 5
memory_max = 64M
restart = always
backoff = 200ms..400ms
EOF
)
start_daemon "$conf"
wait_until 30 "[ \"\$(svc_field oomer oom_kills)\" -ge 3 ] 2>/dev/null" || fail "oomer: $(svc_field oomer oom_kills) OOM kills"
"$WARDEN" report oomer --html "$T/r.html" || fail "report --html failed"
grep -qi '<script' "$T/r.html" && fail "the HTML has a script"
grep -o 'https\?://[^" ]*' "$T/r.html" | grep -v 'www.w3.org/2000/svg' | grep -q . && fail "the HTML refers to the network"
timeout 90 chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$T/r.html" > "$T/dom.html" 2>"$T/chromium.err" \
    || { tail -n 5 "$T/chromium.err"; fail "chromium could not render it"; }
grep -q '<svg[^>]*id="memory-chart"' "$T/dom.html" || fail "no memory chart in the rendered page"
grep -q '<svg[^>]*id="pids-chart"' "$T/dom.html" || fail "no pids chart in the rendered page"
grep -q 'class="mk oom"' "$T/dom.html" || fail "no OOM marker"
grep -q 'memory_max' "$T/dom.html" || fail "no memory_max line"
timeout 90 chromium --headless --no-sandbox --disable-gpu --window-size=1200,1400 \
    --screenshot="$T/r.png" "file://$T/r.html" >/dev/null 2>&1 || fail "no screenshot"
[ "$(wc -c < "$T/r.png")" -gt 20000 ] || fail "screenshot too small to hold the charts"
log "rendered $(wc -c < "$T/r.html") bytes of HTML, $(wc -c < "$T/r.png") bytes of PNG"
echo "report html ok"
