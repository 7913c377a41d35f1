# A command that cannot be executed is reported with its errno, retried only
# EXEC_FAIL_BREAKER (3) times, then failed: not hot-looped.
. "$(dirname "$0")/lib.sh"
conf=$(write_conf exec <<EOF
[service ghost]
command = /nonexistent/ghostd --serve
backoff = 200ms..1s
EOF
)
start_daemon "$conf"
wait_until 10 "[ \"\$(svc_field ghost state)\" = failed ]" || fail "ghost: state $(svc_field ghost state)"
n=$(events_of start ghost | wc -l)
[ "$n" = 3 ] || fail "ghost started $n times, want 3"
"$WARDEN" status ghost | grep -q 'exec failed 3 times' || { "$WARDEN" status ghost; fail "reason missing"; }
events_of exit ghost | grep -q '"errno": *"ENOENT"' || fail "errno not journalled"
# an operator start closes the breaker and tries again
"$WARDEN" start ghost >/dev/null || fail "start refused"
wait_until 10 "[ \$(events_of start ghost | wc -l) -ge 4 ]" || fail "operator start did not try again"
echo "exec failure ok"
