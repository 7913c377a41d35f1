# Issue 12: a main process that moves itself out of its cgroup (echo $$ > another
# cgroup.procs) and forks is journalled as `escaped` (pid, command, where it went), put
# back with what it forked (the caps hold again), and `warden stop` kills all of it. Found
# by the 1 s tick, or by the stop itself when that comes first.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
here=$(cd "$(dirname "$0")" && pwd)
conf=$(write_conf escape <<EOF
[service runner]
command = sh $here/escape.sh $T/kids1
restart = never
pids_max = 50

[service quick]
command = sh $here/escape.sh $T/kids2
restart = never
EOF
)
kill_kids() { for f in "$T/kids1" "$T/kids2"; do [ -f "$f" ] && kill -KILL $(cat "$f") 2>/dev/null; done; }
die() { kill_kids; fail "$@"; }
start_daemon "$conf"
wait_until 10 "[ -s '$T/kids1' ]" || die "the service did not fork: $(tail -n 5 "$T/daemon.out")"
kids=$(cat "$T/kids1")
wait_until 10 "events_of escaped runner >/dev/null" || die "no escaped event: $("$WARDEN" events runner | tail -n 5)"
ev=$(events_of escaped runner | head -n 1)
log "$ev"
echo "$ev" | grep -q '"command": *"sh"' || die "escaped event without the command: $ev"
echo "$ev" | grep -q '"where": *"[a-z]*:/' || die "escaped event does not say where it went: $ev"
echo "$ev" | grep -q '"moved_back": *6' || die "main process and its 5 children not all moved back: $ev"
# back under the caps: the cgroup holds them again
cur() { "$WARDEN" status runner --json | tr -d ' \n' | sed -n 's/.*"pids":{"current":\([0-9]*\).*/\1/p'; }
wait_until 10 "[ \"\$(cur)\" = 6 ]" || die "pids after the move back: $(cur)"
[ "$(svc_field runner escapes)" = 1 ] || die "status does not count the escape: $(svc_field runner escapes)"
"$WARDEN" stop runner >/dev/null || die "stop failed"
wait_until 10 "[ -z \"\$(pids_alive $kids)\" ]" || die "warden stop left the escaped children: $(pids_alive $kids)"
# the second one is stopped as soon as it has forked: the stop's own check (or the tick)
wait_until 10 "[ -s '$T/kids2' ]" || die "quick did not fork"
kids=$(cat "$T/kids2")
"$WARDEN" stop quick >/dev/null || die "stop quick failed"
wait_until 10 "[ -z \"\$(pids_alive $kids)\" ]" || die "warden stop left quick's escaped children: $(pids_alive $kids)"
events_of escaped quick | grep -q '"found_at"' || die "no escaped event for quick"
echo "escape ok"
