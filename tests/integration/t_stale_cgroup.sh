# A warden that is SIGKILLed leaves its services running in its cgroups; the next warden
# kills them and removes the groups at start, so nothing of a dead warden survives.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
conf=$(write_conf stale <<EOF
[service old]
command = sleep 1000
EOF
)
start_daemon "$conf"
wait_until 10 "[ \"\$(svc_field old state)\" = running ]" || fail "not running"
# a live warden is told from a dead one's leftovers by its name (comm): it must stay
# "warden" after the start-up re-exec, or another warden would reap this one's groups
[ "$(cat /proc/$DAEMON_PID/comm)" = warden ] || fail "daemon's comm is '$(cat /proc/$DAEMON_PID/comm)'"
orphan=$(svc_field old pid)
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=""
[ -n "$(pids_alive $orphan)" ] || fail "the service died with warden (test premise)"
rm -f "$WARDEN_SOCKET"
start_daemon "$conf"
wait_until 10 "[ -z \"\$(pids_alive $orphan)\" ]" || fail "orphaned service $orphan survived the next warden's start"
grep -q 'removed 1 cgroup group.*killing 1 process' "$T/daemon.out" || { cat "$T/daemon.out"; fail "no log of the cleanup"; }
echo "stale cgroups reaped"
