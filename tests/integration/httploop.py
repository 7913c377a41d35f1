# Client load for the overlap tests (not a test). N clients each send GET / in a loop over
# fresh connections until FILE exists; each request must come back whole (200 and its
# Content-Length). Prints "requests=N refused=R cut=C max_ms=M pids=P" at the end: refused
# are connections the port refused, cut are requests reset or answered incompletely, max_ms
# the slowest request, pids the distinct pids that answered.
import socket
import sys
import threading
import time

port, clients, until = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
st = {"requests": 0, "refused": 0, "cut": 0, "max_ms": 0.0}
pids = set()
import os


def one():
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
    except ConnectionRefusedError:
        return "refused", 0, None
    except OSError:
        return "cut", 0, None
    try:
        s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while True:
            b = s.recv(4096)
            if not b:
                break
            data += b
    except OSError:
        return "cut", 0, None
    finally:
        s.close()
    ms = (time.monotonic() - t0) * 1000
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200") or b"Content-Length: %d" % len(body) not in head:
        return "cut", ms, None
    return "ok", ms, body.split()[-1]


def run():
    while not os.path.exists(until):
        kind, ms, pid = one()
        with lock:
            st["requests"] += 1
            st["max_ms"] = max(st["max_ms"], ms)
            if kind != "ok":
                st[kind] += 1
            else:
                pids.add(pid)


ts = [threading.Thread(target=run) for _ in range(clients)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("requests=%d refused=%d cut=%d max_ms=%d pids=%d" %
      (st["requests"], st["refused"], st["cut"], st["max_ms"], len(pids)))
