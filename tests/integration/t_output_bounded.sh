# A service that writes without pause (yes), with warden's stdout going to a reader that
# never reads: warden keeps answering, supervising and stopping; the lines it could not
# write are dropped and counted, never waited for. (Capture is off here: its rate limit
# would drop the flood before stdout; t_logs covers it.)
. "$(dirname "$0")/lib.sh"
conf=$(write_conf flood <<EOF
[service flood]
command = yes
drain = 1s
log_max = off

[service quiet]
command = sleep 1000
EOF
)
mkfifo "$T/fifo" || skip "no mkfifo"
sh -c 'exec 3<"$0"; exec sleep 120' "$T/fifo" &
READER=$!
"$WARDEN" daemon -c "$conf" >"$T/fifo" 2>"$T/daemon.out" &
DAEMON_PID=$!
trap 'rc_=$?; kill $READER 2>/dev/null; rm -f "$T/fifo"; (exit $rc_); cleanup' EXIT
wait_until 10 "[ -S '$WARDEN_SOCKET' ]" || fail "daemon did not come up"
wait_until 10 "[ \"\$(svc_field flood state)\" = running ]" || fail "flood not running"
i=0
while [ $i -lt 20 ]; do   # the loop stays responsive while the flood goes on
    start=$(now_ms)
    "$WARDEN" status quiet >/dev/null || fail "status failed during the flood"
    t=$(( $(now_ms) - start ))
    [ "$t" -lt 2000 ] || fail "status took $t ms during the flood"
    i=$((i + 1))
done
dropped=$("$WARDEN" status --json | sed -n 's/.*"log_lines_dropped": \([0-9]*\).*/\1/p')
log "lines dropped while stdout was stalled: $dropped"
[ "${dropped:-0}" -gt 0 ] || fail "nothing counted as dropped"
"$WARDEN" stop flood >/dev/null || fail "stop failed"
wait_until 10 "[ \"\$(svc_field flood state)\" = stopped ]" || fail "flood not stopped"
echo "output bounded ok"
