# /metrics under abuse (issue 12, items 4 and 10): 8 slowloris connections (one header byte
# a second) must not keep a scrape out, and warden closes them at the request deadline
# (METRICS_REQUEST_DEADLINE_MS, 3 s) and counts them; an 8 KB URL gets a 4xx status line,
# not a silent close; a request pipelined behind a 404 on the same connection is answered.
# Every check runs and reports; the test fails at the end if any did.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || skip "no curl"
command -v python3 >/dev/null || skip "no python3"
SLOW_PID=""
trap '_r=$?; [ -n "$SLOW_PID" ] && kill "$SLOW_PID" 2>/dev/null; (exit $_r); cleanup' EXIT
port=$((20000 + ($$ + 11) % 20000))
conf=$(write_conf mabuse <<EOF2
[service idle]
command = sleep 1000
EOF2
)
sed -i "s|^socket = .*|&\nmetrics = 127.0.0.1:$port|" "$conf"
start_daemon "$conf"
wait_until 10 "grep -q 'serving metrics on http://127.0.0.1:$port/metrics' '$T/daemon.out'" ||
    { cat "$T/daemon.out"; fail "metrics server did not start"; }
bad=""
check() { if [ "$1" = ok ]; then echo "ok: $2"; else echo "BAD: $2"; bad="$bad|$2"; fi; }

# The slow clients: N connections, each sending a request line and then one header byte a
# second, never finishing. Prints "ready" once all are connected and have sent something,
# then "closed I MS" as the server closes each (MS after its connect), and "open I" for any
# still open after 12 s, when it gives up.
cat > "$T/slow.py" <<'EOF2'
import socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
conns, start = [], {}
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    s.setblocking(False)
    conns.append(s)
    start[i] = time.monotonic()
print("ready", flush=True)
open_ = set(range(n))
end = time.monotonic() + 12
while open_ and time.monotonic() < end:
    for i in sorted(open_):
        s = conns[i]
        gone = False
        try:
            d = s.recv(4096)
            gone = d == b""
        except BlockingIOError:
            pass
        except OSError:
            gone = True
        if not gone:
            try:
                s.send(b"a")
            except BlockingIOError:
                pass
            except OSError:
                gone = True
        if gone:
            print("closed %d %d" % (i, (time.monotonic() - start[i]) * 1000), flush=True)
            open_.discard(i)
    time.sleep(1)  # the slowloris pace: one byte a second per connection
for i in sorted(open_):
    print("open %d" % i, flush=True)
EOF2
python3 "$T/slow.py" "$port" 8 > "$T/slow.out" 2>&1 &
SLOW_PID=$!
wait_until 10 "grep -q ready '$T/slow.out'" || { cat "$T/slow.out"; fail "slow clients did not connect"; }
t0=$(now_ms)
if curl -sf -m 5 "http://127.0.0.1:$port/metrics" > "$T/scrape.txt" &&
    grep -q '^warden_build_info' "$T/scrape.txt"; then
    check ok "scrape during 8 slow connections served in $(( $(now_ms) - t0 )) ms"
else
    check bad "scrape during 8 slow connections failed after $(( $(now_ms) - t0 )) ms"
fi
# the slow clients end on their own: all closed, or 12 s
wait_until 20 "! kill -0 $SLOW_PID 2>/dev/null" || fail "slow clients did not end"
wait "$SLOW_PID"
SLOW_PID=""
log "slow clients: $(tr '\n' ' ' < "$T/slow.out")"
nclosed=$(grep -c '^closed' "$T/slow.out")
late=$(awk '$1 == "closed" && $3 > 5000 { n++ } END { print n + 0 }' "$T/slow.out")
if [ "$nclosed" = 8 ] && [ "$late" = 0 ]; then
    check ok "8 slow connections closed by warden within 5 s of connecting"
else
    check bad "slow connections: $nclosed of 8 closed, $late after more than 5 s"
fi
rej=$(curl -sf -m 5 "http://127.0.0.1:$port/metrics" |
    sed -n 's/^warden_metrics_rejected_connections_total \([0-9]*\)$/\1/p')
if [ "${rej:-0}" -ge 8 ]; then
    check ok "rejected connections counted ($rej)"
else
    check bad "rejected connections total '${rej:-}', expected >= 8"
fi

# One connection, raw bytes: send argv[2] (with \r\n escapes), print every status line
# received until the server closes or 5 s pass; "reset" if it is reset.
cat > "$T/raw.py" <<'EOF2'
import re, socket, sys, time
port, req = int(sys.argv[1]), sys.argv[2].encode().decode("unicode_escape").encode()
want = int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(req)
data, end = b"", time.monotonic() + 5
try:
    while time.monotonic() < end and data.count(b"HTTP/1.1 ") < want:
        d = s.recv(65536)
        if not d:
            break
        data += d
except OSError as e:
    print("reset (%s)" % e.__class__.__name__)
for line in re.findall(rb"HTTP/1\.[01] [0-9]{3}[^\r\n]*", data):
    print(line.decode())
EOF2
long=$(awk 'BEGIN { s = "/"; for (i = 0; i < 8192; i++) s = s "a"; print s }')
python3 "$T/raw.py" "$port" "GET $long HTTP/1.1\r\nHost: x\r\n\r\n" 1 > "$T/long.out" 2>&1
log "8 KB URL: $(tr '\n' ' ' < "$T/long.out")"
if grep -q '^HTTP/1\.1 4[0-9][0-9] ' "$T/long.out"; then
    check ok "8 KB URL answered: $(grep '^HTTP' "$T/long.out")"
else
    check bad "8 KB URL got no status line: $(cat "$T/long.out")"
fi
python3 "$T/raw.py" "$port" \
    "GET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n" 2 \
    > "$T/pipe.out" 2>&1
log "pipelined: $(tr '\n' ' ' < "$T/pipe.out")"
if [ "$(grep '^HTTP' "$T/pipe.out" | cut -d' ' -f2 | tr '\n' ' ')" = "404 200 " ]; then
    check ok "pipelined 404 then /metrics: both answered"
else
    check bad "pipelined 404 then /metrics: $(tr '\n' ' ' < "$T/pipe.out")"
fi
[ -z "$bad" ] || fail "metrics abuse: ${bad#|}"
echo "metrics abuse ok"
