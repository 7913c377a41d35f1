# Host guard: below min_available warden drains the lowest-priority service (then the
# largest); below half of it, it kills at once. The host budget is faked through the
# test-only WARDEN_TEST_MEMINFO (never by exhausting the build machine).
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
export WARDEN_TEST_MEMINFO="$T/meminfo"
setmem() { printf 'MemTotal: 4194304 kB\nMemFree: 1 kB\nMemAvailable: %s kB\n' "$1" > "$T/meminfo.tmp"; mv "$T/meminfo.tmp" "$T/meminfo"; }
setmem 4000000
conf=$(write_conf host <<EOF
[host]
min_available = 1G
max_pressure = 80% over 2s

[service batch]
command = sleep 1000
priority = 10
drain = 2s
restart = never

[service api]
command = sleep 1000
priority = 100
drain = 2s
EOF
)
start_daemon "$conf"
wait_until 10 "[ \"\$(svc_field api state)\" = running ] && [ \"\$(svc_field batch state)\" = running ]" || fail "not running"
setmem 800000   # below 1 GiB, above half: drain the lowest priority
wait_until 10 "events_of host-pressure | grep -q '\"action\": *\"drain\"'" || { cat "$T/daemon.out"; fail "no drain"; }
events_of host-pressure | grep '"drain"' | grep -q '"service": *"batch"' || fail "the victim was not the lowest priority"
wait_until 10 "events_of exit batch | grep -q host-pressure" || fail "batch exit not attributed to host-pressure"
[ "$(svc_field api state)" = running ] || fail "api was touched"
setmem 300000   # below half: kill at once; batch is gone (restart = never), so api is next
wait_until 10 "events_of host-pressure | grep -q '\"action\": *\"kill\"'" || { cat "$T/daemon.out"; fail "no kill"; }
events_of host-pressure | grep '"kill"' | grep -q '"service": *"api"' || fail "kill victim not api"
events_of host-pressure | head -n 1 | grep -q '"mem_available_bytes": *819200000' || fail "host figures not journalled"
setmem 4000000
if [ -r /proc/pressure/memory ]; then
    "$WARDEN" status --json | grep -A3 '"host_guard"' | grep -q '"psi": true' || fail "PSI trigger not armed"
fi
echo "host guard ok"
