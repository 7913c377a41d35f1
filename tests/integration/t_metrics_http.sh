# The /metrics endpoint with whatever fetches HTTP here (curl, or busybox wget in the v2
# VM, where warden is the static build linked with scripts/mhd_static.sh's libmicrohttpd):
# the same families as `warden metrics`, and 404 elsewhere. t_metrics adds promtool and a
# real Prometheus where they are installed.
. "$(dirname "$0")/lib.sh"
if command -v curl >/dev/null; then
    get() { curl -sf "$1"; }
    code() { curl -s -o /dev/null -w '%{http_code}' "$1"; }
elif command -v wget >/dev/null; then
    get() { wget -q -O - "$1"; }
    code() { wget -S -O /dev/null "$1" 2>&1 | sed -n 's/.*HTTP\/1\.[01] \([0-9]*\).*/\1/p' | head -n 1; }
else
    skip "no curl or wget"
fi
port=$((20000 + ($$ + 7) % 20000))
conf=$(write_conf mhttp <<EOF
[service idle]
command = sleep 1000
memory_max = 64M
EOF
)
sed -i "s|^socket = .*|&\nmetrics = 127.0.0.1:$port|" "$conf"
start_daemon "$conf"
wait_until 10 "grep -q 'serving metrics on http://127.0.0.1:$port/metrics' '$T/daemon.out'" ||
    { cat "$T/daemon.out"; fail "metrics server did not start"; }
wait_until 10 "[ \"\$(svc_field idle state)\" = running ]" || fail "idle not running"
get "http://127.0.0.1:$port/metrics" > "$T/http.txt" || fail "no /metrics on $port"
"$WARDEN" metrics > "$T/cli.txt" || fail "warden metrics failed"
grep -q '^warden_service_memory_limit_bytes{service="idle"} 67108864$' "$T/http.txt" ||
    fail "memory limit missing: $(head -n 5 "$T/http.txt")"
[ "$(grep -c '^# TYPE' "$T/cli.txt")" = "$(grep -c '^# TYPE' "$T/http.txt")" ] ||
    fail "cli and http families differ"
c=$(code "http://127.0.0.1:$port/nope" | tail -n 1)
[ "$c" = 404 ] || fail "/nope answered '$c', not 404"
echo "metrics over http ok ($(grep -c '^# TYPE' "$T/http.txt") families)"
