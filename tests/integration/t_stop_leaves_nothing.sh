# Stop and restart leave no process of the service behind: not a setsid()-daemonised
# grandchild, not a shell's background job.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups: a setsid grandchild escapes by design"
cat > "$T/svc.sh" <<EOF
"$HELPERS/daemonize" "$T/gc.pid" --exit
sleep 1000 &
echo \$! > "$T/bg.pid"
exec sleep 1000
EOF
conf=$(write_conf stop <<EOF
[service app]
command = sh $T/svc.sh
drain = 2s
EOF
)
start_daemon "$conf"
check_round() {
    wait_until 10 "[ -s '$T/gc.pid' ] && [ -s '$T/bg.pid' ]" || fail "service did not start its children"
    gc=$(cat "$T/gc.pid"); bg=$(cat "$T/bg.pid"); main=$(svc_field app pid)
    [ -n "$(pids_alive $gc $bg $main)" ] || fail "children not running"
    rm -f "$T/gc.pid" "$T/bg.pid"
}
check_round
"$WARDEN" restart app >/dev/null || fail "restart failed"
wait_until 10 "[ -z \"\$(pids_alive $gc $bg $main)\" ]" || fail "restart left processes: $(pids_alive $gc $bg $main)"
check_round
start_ms=$(now_ms)
"$WARDEN" stop app >/dev/null || fail "stop failed"
wait_until 10 "[ \"\$(svc_field app state)\" = stopped ]" || fail "not stopped: $(svc_field app state)"
[ -z "$(pids_alive $gc $bg $main)" ] || fail "stop left processes: $(pids_alive $gc $bg $main)"
log "stop to stopped: $(( $(now_ms) - start_ms )) ms"
echo "nothing left behind"
