# Issue 12: a warden SIGKILLed whose parent has not reaped it yet is a zombie still named
# "warden". A warden started in that window must take it for dead: its service's processes
# are killed with its cgroups, never left running beside the new instance.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
conf=$(write_conf zombie <<EOF
[service victim]
command = sleep 1000
EOF
)
# the first warden's parent execs sleep: nothing reaps the warden when it dies
sh -c '"$1" daemon -c "$2" > "$3/d1.out" 2>&1 & echo $! > "$3/w1.pid"; exec sleep 60' sh "$WARDEN" "$conf" "$T" &
holder=$!
wait_until 10 "[ -S '$WARDEN_SOCKET' ] && [ -n \"\$(svc_field victim pid)\" ] && [ \"\$(svc_field victim pid)\" != null ]" ||
    { kill "$holder"; fail "first warden did not come up"; }
w1=$(cat "$T/w1.pid"); old=$(svc_field victim pid)
kill -KILL "$w1"
wait_until 10 "awk '{ s = \$0; sub(/.*\\) /, \"\", s); exit !(substr(s, 1, 1) == \"Z\") }' /proc/$w1/stat 2>/dev/null" ||
    { kill "$holder"; fail "warden $w1 is not a zombie"; }
kill -0 "$old" || { kill "$holder"; fail "the service died with warden (it should outlive it)"; }
rm -f "$WARDEN_SOCKET"
start_daemon "$conf"
wait_until 10 "[ \"\$(svc_field victim state)\" = running ]" || { kill "$holder"; fail "second warden: victim not running"; }
new=$(svc_field victim pid)
wait_until 10 "! kill -0 $old 2>/dev/null" || { kill "$holder"; fail "two instances: the dead warden's $old runs beside $new"; }
log "old instance $old gone, new $new running"
# and the kill is on the record, not only on stderr
"$WARDEN" events --json | grep -q '"type": *"stale-cgroups".*"processes_killed": *[1-9]' ||
    { kill "$holder"; fail "no stale-cgroups event: $("$WARDEN" events --json | head -n 3)"; }
kill "$holder"; wait "$holder" 2>/dev/null
echo "stale zombie ok"
