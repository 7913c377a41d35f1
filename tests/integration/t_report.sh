# warden report on real failing services: the right verdict for an OOM loop, a crash loop,
# an exec failure, a fork storm and a leak, in --json; the memory recommendation follows the
# documented rule (>= max(usage at kill + 100 MiB, x 1.2)); an unknown name is exit 2; a
# corrupt history file and a torn journal still give a report, with a warning.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups"
export WARDEN_TREND_SAMPLE_MS=50
conf=$(write_conf report <<EOF
[service oomer]
command = $HELPERS/hog 256
memory_max = 64M
restart = always
backoff = 50ms..100ms

[service crasher]
command = /bin/sh -c "exit 3"
backoff = 20ms..50ms
restart_max = 5

[service noexec]
command = /nonexistent/server --port 1

[service storm]
command = $HELPERS/forker 3000
pids_max = 2000
pids_kill = 500
restart = never

[service leaky]
command = $HELPERS/hog 600 --step-ms 100
memory_max = 1G
EOF
)
start_daemon "$conf"
wait_until 30 "[ \"\$(svc_field oomer oom_kills)\" -ge 3 ] 2>/dev/null" || fail "oomer: $(svc_field oomer oom_kills) OOM kills"
wait_until 20 "[ \"\$(svc_field crasher state)\" = failed ]" || fail "crasher: $(svc_field crasher state)"
wait_until 20 "[ \"\$(svc_field noexec state)\" = failed ]" || fail "noexec: $(svc_field noexec state)"
wait_until 20 "[ \"\$(svc_field storm state)\" = failed ]" || fail "storm: $(svc_field storm state)"
wait_until 30 "events_of leak-suspected leaky | grep -q rate_bytes_per_s" || fail "no leak event"

# verdict_of NAME: the verdict code of NAME's --json report
verdict_of() { "$WARDEN" report "$1" --json 2>/dev/null | sed -n '/"verdict"/,/}/p' | sed -n 's/.*"code": *"\([a-z-]*\)".*/\1/p' | head -n1; }
for pair in oomer:crash-looping,oom-killed crasher:crash-looping,deterministic-crash,failed \
            noexec:exec-failure storm:process-storm leaky:leaking,leak; do
    name=${pair%%:*}; want=${pair#*:}
    got=$(verdict_of "$name")
    log "$name: verdict $got"
    case ",$want," in *",$got,"*) ;; *) "$WARDEN" report "$name"; fail "$name: verdict '$got', want one of $want" ;; esac
done
"$WARDEN" report crasher --json | grep -q '"exit_code": 3' || fail "crasher: no deterministic exit code 3"
"$WARDEN" report noexec --json | grep -q '"code": "exec-failure"' || fail "noexec: no exec-failure advice"
"$WARDEN" report storm --json | grep -q '"command": "forker"' || fail "storm: forking command not named"
"$WARDEN" report leaky --json | grep -q '"code": "leak"' || fail "leaky: no leak advice"

# the OOM loop's recommendation against the rule, from the usage the journal recorded
js=$("$WARDEN" report oomer --json)
rec=$(echo "$js" | sed -n 's/.*"recommended_bytes": *\([0-9]*\).*/\1/p' | head -n1)
use=$(events_of exit oomer | sed -n 's/.*"usage_at_kill_bytes": *\([0-9]*\).*/\1/p' | sort -n | tail -n1)
log "oomer: largest usage at kill $use, recommended $rec"
awk -v r="$rec" -v u="$use" 'BEGIN { a = u + 104857600; b = u * 1.2; m = a > b ? a : b; exit !(r >= m && r <= m * 1.2 + 1048576) }' \
    || fail "recommended $rec not within the rule for usage $use"
echo "$js" | grep -q '"k8s_limits_memory": "[0-9]*Mi"' || fail "no Kubernetes limit"
echo "$js" | grep -q '"ecs_memory_mib": [0-9]' || fail "no ECS memory"

# text output: the verdict first
"$WARDEN" report oomer | sed -n 2p | grep -q '^VERDICT' || fail "text report does not start with the verdict"
# unknown service
"$WARDEN" report no-such-service >/dev/null 2>&1; rc=$?
[ $rc = 2 ] || fail "unknown service: exit $rc, want 2"

# the daemon gone, the history corrupt and the journal torn: still a report, with warnings
"$WARDEN" stop leaky >/dev/null
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"
dd if=/dev/urandom of="$T/state/history/oomer.hist" bs=1k count=8 conv=notrunc 2>/dev/null
seg=$(ls "$T/state/journal/"* | tail -n1)
printf '{"seq": 99999999, "service": "oomer", "type": "exi' >> "$seg"
out=$("$WARDEN" report oomer --json -c "$conf" 2>"$T/report.err"); rc=$?
[ $rc = 0 ] || { cat "$T/report.err"; fail "report after damage: exit $rc"; }
echo "$out" | grep -q '"schema": "warden.report/1"' || fail "no report after damage"
grep -q 'history unreadable\|unreadable journal' "$T/report.err" || { cat "$T/report.err"; fail "no warning about the damage"; }
log "$(cat "$T/report.err" | tr '\n' ' ')"
echo "report ok"
