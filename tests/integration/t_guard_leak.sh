# A service leaking at a known rate (1 MiB every 100 ms, ~10 MiB/s) gets a leak-suspected
# event whose rate is within 20% of the true one. WARDEN_TREND_SAMPLE_MS (test-only)
# shortens the trend's sampling so this takes seconds, not minutes.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
export WARDEN_TREND_SAMPLE_MS=50
conf=$(write_conf leak <<EOF
[service leaky]
command = $HELPERS/hog 600 --step-ms 100
memory_max = 1G
EOF
)
start_daemon "$conf"
wait_until 30 "events_of leak-suspected leaky | grep -q rate_bytes_per_s" || { cat "$T/daemon.out"; fail "no leak-suspected event"; }
ev=$(events_of leak-suspected leaky | head -n 1)
log "$ev"
rate=$(echo "$ev" | sed -n 's/.*"rate_bytes_per_s": *\([0-9.e+]*\).*/\1/p')
awk -v r="$rate" 'BEGIN { t = 1048576 * 10; d = (r - t) / t; if (d < 0) d = -d;
    printf "# rate %.0f B/s, true about %.0f B/s, off by %.1f%%\n", r, t, d * 100; exit !(d <= 0.2) }' \
    || fail "leak rate $rate not within 20% of 10 MiB/s"
echo "$ev" | grep -q '"eta_s": *[0-9]' || fail "no ETA"
echo "leak ok"
