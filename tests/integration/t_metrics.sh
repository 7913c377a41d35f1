# /metrics: `warden metrics` and the HTTP endpoint give the same families; promtool accepts
# them; a real Prometheus server scrapes warden and answers a query on its series. The
# deploy/ alert rules pass `promtool check rules`. Needs promtool, prometheus and curl
# (installed by scripts/deps.sh); skipped where they are missing (the v2 VM).
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null && command -v prometheus >/dev/null && command -v curl >/dev/null \
    || skip "no promtool/prometheus/curl"
port=$((20000 + $$ % 20000))
conf=$(write_conf metrics <<EOF
[service crasher]
command = /bin/sh -c "exit 3"
backoff = 20ms..50ms
restart_max = 5
memory_max = 64M
pids_max = 100

[service idle]
command = /bin/sleep 1000
memory_max = 64M
EOF
)
sed -i "s|^socket = .*|&\nmetrics = 127.0.0.1:$port|" "$conf"
start_daemon "$conf"
wait_until 20 "[ \"\$(svc_field crasher state)\" = failed ]" || fail "crasher: $(svc_field crasher state)"
"$WARDEN" metrics > "$T/cli.txt" || fail "warden metrics failed"
curl -sf "http://127.0.0.1:$port/metrics" > "$T/http.txt" || { cat "$T/daemon.out"; fail "no /metrics on $port"; }
for f in cli http; do
    promtool check metrics < "$T/$f.txt" > "$T/$f.lint" 2>&1 || { cat "$T/$f.lint"; fail "promtool rejects the $f output"; }
    [ -s "$T/$f.lint" ] && { cat "$T/$f.lint"; fail "promtool warns on the $f output"; }
done
grep -q '^warden_service_restarts_total{service="crasher"} 4$' "$T/http.txt" || { grep restarts "$T/http.txt"; fail "restarts_total"; }
grep -q '^warden_service_state{service="crasher",state="failed"} 1$' "$T/http.txt" || fail "state gauge"
grep -q '^warden_service_memory_limit_bytes{service="idle"} 67108864$' "$T/http.txt" || fail "memory limit"
grep -q '^warden_resident_memory_bytes [1-9]' "$T/http.txt" || fail "warden RSS"
[ "$(grep -c '^# TYPE' "$T/cli.txt")" = "$(grep -c '^# TYPE' "$T/http.txt")" ] || fail "cli and http families differ"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nope" | grep -q 404 || fail "no 404 off /metrics"

# a real Prometheus scrapes it
pport=$((port + 1))
cat > "$T/prom.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: warden
    static_configs: [{targets: ["127.0.0.1:$port"]}]
EOF
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address="127.0.0.1:$pport" > "$T/prom.out" 2>&1 &
PROM_PID=$!
q() { curl -sf "http://127.0.0.1:$pport/api/v1/query?query=$1"; }
wait_until 60 "q 'warden_service_restarts_total' | grep -q '\"service\":\"crasher\"'" || { kill "$PROM_PID"; tail -n 20 "$T/prom.out"; fail "Prometheus never scraped warden"; }
q 'up' | grep -q '"value":\[[0-9.]*,"1"\]' || { kill "$PROM_PID"; fail "target not up"; }
log "prometheus: $(q 'warden_service_restarts_total' | head -c 300)"
kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null

# the deploy/ rules and dashboard
here=$(cd "$(dirname "$0")/../.." && pwd)
promtool check rules "$here/deploy/prometheus-alerts.yml" > "$T/rules.out" 2>&1 || { cat "$T/rules.out"; fail "alert rules"; }
sh "$here/scripts/check_deploy.sh" "$here/deploy" > "$T/deploy.out" 2>&1 || { cat "$T/deploy.out"; fail "deploy checks"; }
echo "metrics ok"
