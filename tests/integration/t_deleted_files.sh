# Issue 12: a journal segment or a log file deleted under warden is made again and counted,
# not written to a deleted inode until the next rotation: the events after the deletion are
# in `warden events`, the lines in `warden logs`.
. "$(dirname "$0")/lib.sh"
conf=$(write_conf deleted <<EOF
[service chatty]
command = sh -c 'while :; do echo tick; sleep 0.1; done'
EOF
)
start_daemon "$conf"
wait_until 10 "[ -s '$T/state/logs/chatty.log' ]" || fail "no log file"
rm -f "$T/state/journal/"* "$T/state/logs/chatty.log"
"$WARDEN" restart chatty >/dev/null || fail "restart"
wait_until 10 "events_of start chatty | grep -q attempt" || fail "no events after the segment was deleted"
wait_until 10 "[ -s '$T/state/logs/chatty.log' ]" || fail "log file not made again"
n=$("$WARDEN" status chatty --json | tr ',{}' '\n\n\n' | sed -n 's/^ *"journal_reopened": *\([0-9]*\)/\1/p')
[ "${n:-0}" -ge 1 ] || fail "journal_reopened $n"
m=$("$WARDEN" status chatty --json | tr ',{}' '\n\n\n' | sed -n 's/^ *"reopened": *\([0-9]*\)/\1/p' | head -n 1)
[ "${m:-0}" -ge 1 ] || fail "logs.reopened $m"
wait_until 10 "\"$WARDEN\" logs chatty -n 5 | grep -q tick" || fail "warden logs has no lines after the deletion"
log "journal reopened $n, log reopened $m"
echo "deleted files ok"
