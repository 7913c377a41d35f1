# Control socket: mode 0600, status fields, unknown service exit 2, peer check, bad requests.
. "$(dirname "$0")/lib.sh"
conf=$(write_conf ctl <<EOF
[service web]
command = sleep 1000
memory_max = 128M
pids_max = 64

[service worker]
command = sh -c 'echo worker-line; exec sleep 1000'
EOF
)
start_daemon "$conf"
mode=$(stat -c %a "$WARDEN_SOCKET")
[ "$mode" = 600 ] || fail "socket mode $mode, want 600"
wait_until 10 "[ \"\$(svc_field web state)\" = running ]" || fail "web not running"
st=$("$WARDEN" status web --json)
for k in '"state": "running"' '"pid": [0-9]' '"uptime_s"' '"restarts": 0' '"max_bytes": 134217728' '"max": 64' '"cgroup": "' '"last_exit": null'; do
    echo "$st" | grep -q "$k" || { echo "$st"; fail "status lacks $k"; }
done
"$WARDEN" status > "$T/text" || fail "text status failed"
grep -q '^web ' "$T/text" && grep -q '^worker ' "$T/text" || { cat "$T/text"; fail "text status lacks services"; }
"$WARDEN" status nosuch >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "unknown service exit $rc, want 2"
"$WARDEN" stop nosuch >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "stop unknown exit $rc, want 2"
# output of several services is prefixed with the name
wait_until 5 "grep -q '^worker: worker-line' '$T/daemon.out'" || { cat "$T/daemon.out"; fail "output not prefixed"; }
# a request that is not JSON, and an oversized one, get errors, and the daemon lives on
if command -v nc >/dev/null 2>&1 && nc -h 2>&1 | grep -q -- '-U'; then
    echo 'garbage' | nc -U -w 2 "$WARDEN_SOCKET" | grep -q '"ok": *false' || fail "garbage accepted"
fi
# peer credentials: another uid is refused
if command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    chmod 755 "$T"
    setpriv --reuid nobody --regid nogroup --clear-groups "$WARDEN" status --socket "$WARDEN_SOCKET" >/dev/null 2>&1 && fail "uid nobody was served"
fi
# events --since: a duration back from now, or an RFC 3339 time
"$WARDEN" events web --since 10m | grep -q ' start ' || fail "events --since 10m lacks the start"
[ -z "$("$WARDEN" events web --since 2099-01-01T00:00:00Z)" ] || fail "events from the future"
"$WARDEN" events web --since yesterday >/dev/null 2>&1; rc=$?
[ "$rc" = 2 ] || fail "bad --since exit $rc, want 2"
"$WARDEN" status web >/dev/null || fail "daemon died"
echo "control ok"
