# The shipped alert rules: `promtool check rules` accepts them, `promtool test rules` proves
# on synthetic series that each alert fires when it should and resolves after recovery
# (deploy/prometheus-alerts.test.yml), every alert has a case there, and every metric the
# rules query is one the real warden exports (a renamed family would leave an alert that
# can never fire). Needs promtool (Debian `prometheus`); skipped where it is missing.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || skip "no promtool"
here=$(cd "$(dirname "$0")/../.." && pwd)
rules="$here/deploy/prometheus-alerts.yml"
tests="$here/deploy/prometheus-alerts.test.yml"

promtool check rules "$rules" > "$T/check.out" 2>&1 || { cat "$T/check.out"; fail "promtool check rules"; }
log "$(grep SUCCESS "$T/check.out")"
promtool test rules "$tests" > "$T/test.out" 2>&1 || { cat "$T/test.out"; fail "promtool test rules"; }
grep -q SUCCESS "$T/test.out" || { cat "$T/test.out"; fail "promtool test rules did not succeed"; }

# every alert has a firing case and a resolved case (an empty exp_alerts after it)
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z]*\)$/\1/p' "$rules")
[ -n "$alerts" ] || fail "no alerts found in $rules"
for a in WardenServiceFailed WardenServiceCrashLooping WardenOOMKill WardenRuntimeOOM; do
    echo "$alerts" | grep -qx "$a" || fail "alert $a is not shipped"
done
for a in $alerts; do
    awk -v a="$a" '
        $1 == "alertname:" { cur = $2 }
        $1 == "exp_alerts:" && cur == a { if ($2 == "[]") { if (fired) resolved = 1 } else fired = 1 }
        END { exit !(fired && resolved) }' "$tests" || fail "alert $a: no case where it fires and then resolves"
done
log "alerts tested: $(echo $alerts)"

# the metrics the rules use exist in what warden serves
conf=$(write_conf alerts <<EOF
[service idle]
command = /bin/sleep 1000
memory_max = 64M
EOF
)
start_daemon "$conf"
wait_until 20 "[ \"\$(svc_field idle state)\" = running ]" || fail "idle: $(svc_field idle state)"
"$WARDEN" metrics > "$T/metrics.txt" || fail "warden metrics failed"
for m in $(grep -o 'warden_[a-z_]*' "$rules" | sort -u); do
    case $m in
    warden_service_leak_*) # exported only while a leak is suspected
        grep -q "\"$m\"" "$here/src/model/metrics.c" || fail "$m: not a family of src/model/metrics.c" ;;
    *)
        grep -q "^# TYPE $m " "$T/metrics.txt" || { grep '^# TYPE' "$T/metrics.txt"; fail "$m: queried by the rules, not exported"; } ;;
    esac
done
grep -q '^warden_service_crash_looping{service="idle"} 0$' "$T/metrics.txt" || fail "crash_looping gauge"
grep -q '^warden_service_runtime_oom_kills_total{service="idle"} 0$' "$T/metrics.txt" || fail "runtime OOM counter"
grep -q '^warden_service_daemonized_total{service="idle"} 0$' "$T/metrics.txt" || fail "daemonized counter"
echo "alert rules ok: $(echo $alerts | wc -w) alerts fire and resolve"
