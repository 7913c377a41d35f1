# Issue 12: on a full state_dir the journal's events are not left on stderr only. They are
# held in memory (bounded), said as ENOSPC (not "Input/output error"), and written in seq
# order once the disk has room again; `warden events` then shows every exit with no gap.
. "$(dirname "$0")/lib.sh"
mnt="$T/mnt"; mkdir "$mnt"
mount -t tmpfs -o size=8m,mode=0700 warden-test "$mnt" 2>/dev/null || skip "cannot mount a tmpfs here"
cleanup_mnt() { umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null; }
conf="$T/full.conf"
cat > "$conf" <<EOF
[warden]
state_dir = $mnt/state
socket = $WARDEN_SOCKET

[service flap]
command = sh -c 'sleep 0.2; exit 1'
backoff = 100ms..200ms
log_max = off
EOF
start_daemon "$conf"
wait_until 10 "events_of exit flap >/dev/null" || { cleanup_mnt; fail "no first exit event"; }
# fill the disk: every later write to state_dir fails with ENOSPC
dd if=/dev/zero of="$mnt/fill" bs=64k 2>/dev/null
wait_until 15 "grep -q 'No space left on device' '$T/daemon.out'" ||
    { cleanup_mnt; tail -n 5 "$T/daemon.out"; fail "no ENOSPC said on stderr"; }
grep -q 'Input/output error' "$T/daemon.out" && { cleanup_mnt; fail "ENOSPC said as EIO"; }
held() { "$WARDEN" metrics 2>/dev/null | sed -n 's/^warden_journal_held_events \([0-9]*\)$/\1/p'; }
wait_until 15 "[ \"\$(held)\" -ge 5 ] 2>/dev/null" || { cleanup_mnt; fail "events not held: held=$(held)"; }
log "held while full: $(held)"
rm -f "$mnt/fill"
wait_until 10 "[ \"\$(held)\" = 0 ]" || { cleanup_mnt; fail "held events not written: held=$(held)"; }
grep -q 'held events written' "$T/daemon.out" || { cleanup_mnt; fail "no note that the journal is writable again"; }
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=""
# every exit is on the record, in order, without a gap in seq
seqs=$("$WARDEN" events -c "$conf" --json 2>/dev/null | sed -n 's/.*"seq": *\([0-9]*\).*/\1/p')
n=$(echo "$seqs" | wc -l)
gaps=$(echo "$seqs" | awk 'NR > 1 && $1 != prev + 1 { g++ } { prev = $1 } END { print g + 0 }')
exits=$("$WARDEN" events -c "$conf" --json 2>/dev/null | grep -c '"type": *"exit"')
starts=$("$WARDEN" events -c "$conf" --json 2>/dev/null | grep -c '"type": *"start"')
log "$n events, $starts starts, $exits exits, $gaps gaps"
cleanup_mnt
[ "$gaps" = 0 ] || fail "$gaps gaps in the journal's seq"
[ "$exits" -ge "$((starts - 1))" ] || fail "exits lost: $starts starts, $exits exits"
echo "journal full ok"
