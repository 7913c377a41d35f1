# Without cgroups (WARDEN_CGROUP=none) warden still supervises: process groups, a warning
# that says what is lost, and the status says "none".
. "$(dirname "$0")/lib.sh"
export WARDEN_CGROUP=none
conf=$(write_conf none <<EOF
[service app]
command = sh -c 'sleep 1000 & exec sleep 1000'
drain = 1s
EOF
)
start_daemon "$conf"
wait_until 10 "[ \"\$(svc_field app state)\" = running ]" || fail "not running"
"$WARDEN" status --json | grep -q '"cgroup": "none"' || fail "status does not say none"
grep -q 'no cgroups:.*escapes' "$T/daemon.out" || { cat "$T/daemon.out"; fail "no warning of what is lost"; }
main=$(svc_field app pid)
kids=$(cat /proc/$main/task/*/children 2>/dev/null; pgrep -g "$main" 2>/dev/null)
"$WARDEN" stop app >/dev/null
wait_until 10 "[ \"\$(svc_field app state)\" = stopped ]" || fail "not stopped"
[ -z "$(pids_alive $main $kids)" ] || fail "process group not killed: $(pids_alive $main $kids)"
"$WARDEN" run --restart never -- sh -c 'exit 5' >/dev/null 2>&1; rc=$?
[ "$rc" = 5 ] || fail "run exit $rc, want 5"
echo "none backend ok"
