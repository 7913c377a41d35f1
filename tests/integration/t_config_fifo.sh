# Issue 12: a FIFO (or a directory) as the config file is refused at once with file:line and
# exit 2, by `warden check` and by a reload, which must not freeze the daemon's loop.
. "$(dirname "$0")/lib.sh"
mkfifo "$T/pipe.conf" || skip "no mkfifo"
out=$(timeout 10 "$WARDEN" check -c "$T/pipe.conf" 2>&1); rc=$?
[ $rc = 2 ] || fail "check of a FIFO: exit $rc (124: it hung): $out"
echo "$out" | grep -q "pipe.conf:0: unable to open the file: not a regular file (a FIFO)" || fail "check: $out"
out=$(timeout 10 "$WARDEN" check -c "$T" 2>&1); rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "not a regular file (a directory)" || fail "check of a directory: $rc $out"
conf=$(write_conf fifo <<EOF
[service s]
command = sleep 1000
EOF
)
start_daemon "$conf"
mv "$conf" "$conf.real" && mkfifo "$conf"
out=$(timeout 10 "$WARDEN" reload 2>&1); rc=$?
[ $rc = 2 ] || fail "reload from a FIFO: exit $rc (124: it hung): $out"
echo "$out" | grep -q "not a regular file" || fail "reload: $out"
t0=$(now_ms)
[ "$(svc_field s state)" = running ] || fail "status after the reload: $(svc_field s state)"
log "status answered $(( $(now_ms) - t0 )) ms after the refused reload"
rm -f "$conf"; mv "$conf.real" "$conf"
echo "config fifo ok"
