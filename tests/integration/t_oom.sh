# An allocation past memory_max is classified oom-killed from the cgroup's own counter,
# for the main process and for a child whose parent then exits 0.
. "$(dirname "$0")/lib.sh"
[ "$(cgroup_backend)" = none ] && skip "no cgroups: OOM attribution needs a memory cgroup"
conf=$(write_conf oom <<EOF
[service big]
command = $HELPERS/hog 256
memory_max = 64M
restart = never

[service kid]
command = $HELPERS/hog 256 --child
memory_max = 64M
restart = never
EOF
)
start_daemon "$conf"
wait_until 20 "[ \"\$(svc_field big state)\" = failed ]" || fail "big: state $(svc_field big state)"
wait_until 20 "[ -n \"\$(svc_field kid state | grep -v -e running -e starting)\" ]" || fail "kid still running"
st=$("$WARDEN" status big --json)
echo "$st" | grep -q '"kind": "oom-killed"' || { echo "$st"; fail "big not classified oom-killed"; }
echo "$st" | grep -q '"oom_kills": 1' || { echo "$st"; fail "oom_kills != 1"; }
echo "$st" | grep -q '"victim": "main"' || { echo "$st"; fail "victim not main"; }
st=$("$WARDEN" status kid --json)
echo "$st" | grep -q '"kind": "oom-killed"' || { echo "$st"; fail "kid: child OOM with exit 0 not classified oom-killed"; }
echo "$st" | grep -q '"victim": "child"' || { echo "$st"; fail "kid: victim not child"; }
echo "$st" | grep -q '"code": 0' || { echo "$st"; fail "kid: main exit code 0 not recorded"; }
# which process: from the kernel's log, when warden can read /dev/kmsg (root, here and in
# the VM); otherwise it says so at start and names only main or child
if grep -q '/dev/kmsg:' "$T/daemon.out"; then
    log "no /dev/kmsg here: $(grep '/dev/kmsg:' "$T/daemon.out")"
else
    "$WARDEN" status big --json | grep -q '"victim_comm": "hog"' || fail "big: no victim_comm"
    st=$("$WARDEN" status kid --json)
    vpid=$(echo "$st" | sed -n 's/.*"victim_pid": \([0-9]*\).*/\1/p' | head -n 1)
    mpid=$(events_of start kid | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n 1)
    [ -n "$vpid" ] && [ -n "$mpid" ] && [ "$vpid" != "$mpid" ] ||
        { echo "$st"; fail "kid: victim pid '$vpid' should be the child, not main '$mpid'"; }
    echo "$st" | grep -q "\"reason\": \"process $vpid (hog) OOM-killed" || { echo "$st"; fail "kid: reason does not name the victim"; }
    log "kid's OOM victim: pid $vpid (main was $mpid)"
fi
events_of exit big | grep -q oom-killed || fail "no oom exit event in the journal"
peak=$("$WARDEN" status big --json | tr ',{' '\n\n' | sed -n 's/.*"memory_peak_bytes": \([0-9]*\).*/\1/p' | head -n1)
log "peak at OOM: $peak bytes (limit 67108864)"
[ -n "$peak" ] && [ "$peak" -gt 50000000 ] || fail "peak $peak not near the 64M limit"
echo "oom attribution ok"
