# Issue 12: a second daemon refused at start (its control socket is served by the first)
# exits with a clear error and leaves no empty warden.* cgroups behind.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
conf=$(write_conf second <<EOF
[service s]
command = sleep 1000
EOF
)
start_daemon "$conf"
"$WARDEN" daemon -c "$conf" > "$T/second.out" 2>&1 &
pid2=$!
wait "$pid2"; rc=$?
[ $rc != 0 ] || fail "the second daemon exited 0"
grep -q "another warden is serving it" "$T/second.out" || fail "no reason: $(cat "$T/second.out")"
left=$(find /sys/fs/cgroup -maxdepth 8 -type d -name "warden.*-$pid2*" 2>/dev/null)
[ -z "$left" ] || fail "the refused daemon left its cgroups: $left"
[ "$(svc_field s state)" = running ] || fail "the first daemon's service: $(svc_field s state)"
echo "second daemon ok"
