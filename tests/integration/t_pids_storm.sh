# A fork storm is capped by pids_max, and stopping kills the whole tree.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups: pids_max needs the pids controller"
conf=$(write_conf pids <<EOF
[service storm]
command = $HELPERS/forker 2000
pids_max = 500
drain = 1s
EOF
)
start_daemon "$conf"
wait_until 20 "grep -q 'forker: forked' '$T/daemon.out'" || { cat "$T/daemon.out"; fail "storm did not run"; }
line=$(grep 'forker: forked' "$T/daemon.out")
log "$line"
failed=$(echo "$line" | sed -n 's/.*failed \([0-9]*\).*/\1/p')
[ "$failed" -ge 1400 ] || fail "pids_max did not refuse forks: $line"
cur=$("$WARDEN" status storm --json | tr ',{' '\n\n' | sed -n 's/.*"current": \([0-9]*\).*/\1/p' | tail -n1)
[ "$cur" -le 500 ] || fail "pids.current $cur above pids_max"
# forks refused at pids_max are journalled (rate-limited), even though nothing died
wait_until 5 "events_of fork-failures storm | grep -q '\"refused\": *[1-9]'" || fail "no fork-failures event"
start_ms=$(now_ms)
"$WARDEN" stop storm >/dev/null
wait_until 20 "[ \"\$(svc_field storm state)\" = stopped ]" || fail "storm not stopped"
log "time to kill a $cur-process tree: $(( $(now_ms) - start_ms )) ms"
echo "pids cap ok"
