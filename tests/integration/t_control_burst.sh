# Control socket under load (issue 12, items 5 and 10): a burst of 200 parallel `warden
# status` all succeed (queued in the listen backlog, the CLI retries briefly); a status
# during 16 idle connections that are re-opened as soon as they are cut still succeeds
# within a few seconds; a request without a newline followed by a half-close is answered.
# timeout: 120
. "$(dirname "$0")/lib.sh"
conf=$(write_conf burst <<EOF
[service web]
command = sleep 1000
EOF
)
start_daemon "$conf"
wait_until 10 "[ \"\$(svc_field web state)\" = running ]" || fail "web not running"

# 1. 200 parallel status calls: each writes its exit code to rc.N. With flock(1) they wait
# at a gate (a lock this shell holds) until all 200 are forked, so they connect together.
mkdir "$T/burst"
gate=""
if command -v flock >/dev/null 2>&1; then
    gate="$T/burst/gate"
    exec 8>"$gate"
    flock -x 8
fi
i=0
while [ $i -lt 200 ]; do
    ( exec 8>&-; : >"$T/burst/ready.$i"; [ -z "$gate" ] || flock -s "$gate" true
      "$WARDEN" status >/dev/null 2>"$T/burst/err.$i"; echo $? >"$T/burst/rc.$i.tmp"
      mv "$T/burst/rc.$i.tmp" "$T/burst/rc.$i" ) &
    i=$((i + 1))
done
ready_count() { ls "$T/burst" | grep -c '^ready\.'; }
wait_until 30 "[ \$(ready_count) -eq 200 ]" || fail "only $(ready_count) of 200 callers forked"
exec 8>&-
done_count() { ls "$T/burst" | grep -c '^rc\.[0-9]*$'; }
wait_until 60 "[ \$(done_count) -eq 200 ]" || fail "only $(done_count) of 200 status calls finished"
ok=$(cat "$T/burst"/rc.* | grep -c '^0$')
log "burst: $ok of 200 parallel status calls succeeded"
if [ "$ok" -ne 200 ]; then
    sort "$T/burst"/err.* | uniq -c | sort -rn | head -n 5
    fail "burst: $ok of 200 status calls succeeded, want 200"
fi

if ! command -v python3 >/dev/null 2>&1; then
    skip "skip: no python3 for the idle-connection and half-close parts (burst: 200 of 200 ok)"
fi

# 2. 16 idle connections (CONTROL_CLIENTS_MAX), each re-opened as soon as the daemon cuts
# it, until $T/idle.stop appears (or 30 s pass). $T/idle.ready appears once all 16 are up.
python3 - "$WARDEN_SOCKET" "$T" <<'EOF' >"$T/idle.out" 2>&1 &
import os, select, socket, sys, time
path, tdir = sys.argv[1], sys.argv[2]
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
socks = [conn() for _ in range(16)]
open(os.path.join(tdir, "idle.ready"), "w").close()
reopened = 0
end = time.monotonic() + 30
while time.monotonic() < end and not os.path.exists(os.path.join(tdir, "idle.stop")):
    r, _, _ = select.select(socks, [], [], 0.05)
    for s in r:
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            socks.remove(s)
            s.close()
            socks.append(conn())
            reopened += 1
print("reopened", reopened)
EOF
IDLE_PID=$!
wait_until 10 "[ -e '$T/idle.ready' ]" || { cat "$T/idle.out"; fail "idle connections not up"; }
t0=$(now_ms)
"$WARDEN" status >/dev/null 2>"$T/idle.err"; rc=$?
t1=$(now_ms)
: >"$T/idle.stop"
wait_until 10 "! kill -0 $IDLE_PID 2>/dev/null" || kill "$IDLE_PID"
wait "$IDLE_PID"
log "status during 16 idle connections: exit $rc after $((t1 - t0)) ms ($(cat "$T/idle.out"))"
[ "$rc" = 0 ] || { cat "$T/idle.err"; fail "status during 16 idle connections exit $rc"; }
[ $((t1 - t0)) -lt 6000 ] || fail "status during 16 idle connections took $((t1 - t0)) ms"

# 3. A request without its newline, then a half-close: answered, not dropped.
reply=$(python3 - "$WARDEN_SOCKET" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b'{"cmd": "status", "service": "web"}')
s.shutdown(socket.SHUT_WR)
out = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError as e:
    print("error:", e)
sys.stdout.write(out.decode(errors="replace"))
EOF
)
log "half-close reply: $(echo "$reply" | cut -c1-80)"
echo "$reply" | grep -q '"ok": *true' || fail "no reply to a request ended by a half-close: $reply"
echo "$reply" | grep -q '"name": *"web"' || fail "half-close reply lacks the service: $reply"
# a partial line that is not JSON gets an error reply too, and the daemon lives on
reply=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"garbage"); s.shutdown(socket.SHUT_WR); print(s.recv(65536).decode(errors="replace"))
' "$WARDEN_SOCKET")
echo "$reply" | grep -q '"ok": *false' || fail "no error reply to a half-closed garbage request: $reply"
"$WARDEN" status web >/dev/null || fail "daemon died"
echo "control burst ok"
