# A test HTTP app for the overlap tests (not a test: no t_ prefix). Socket-activated: serves
# fd 3 when LISTEN_FDS/LISTEN_PID say so (warden's listen =). --delay S: sleeps S seconds
# before serving (an app slow to start). --work-ms N: each request takes N ms. --single:
# one request at a time (a saturated server's accept queue never empties under load).
# GET / and GET /healthz answer 200 with "pid PID". SIGTERM: stop accepting, finish the
# request in flight, exit 0.
import http.server
import os
import signal
import socket
import sys
import threading
import time

args = sys.argv[1:]
opt = {"--delay": 0.0, "--work-ms": 0.0}
single = "--single" in args
for k in opt:
    if k in args:
        opt[k] = float(args[args.index(k) + 1])
if os.environ.get("LISTEN_PID") != str(os.getpid()) or int(os.environ.get("LISTEN_FDS", "0")) < 1:
    sys.exit("slowhttp: no socket from LISTEN_FDS")
time.sleep(opt["--delay"])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        if opt["--work-ms"]:
            time.sleep(opt["--work-ms"] / 1000.0)
        body = ("pid %d\n" % os.getpid()).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


cls = http.server.HTTPServer if single else http.server.ThreadingHTTPServer
srv = cls(("127.0.0.1", 0), Handler, bind_and_activate=False)
srv.socket = socket.socket(fileno=3)
srv.daemon_threads = False
srv.block_on_close = True


def on_term(sig, frame):
    threading.Thread(target=srv.shutdown).start()


signal.signal(signal.SIGTERM, on_term)
srv.serve_forever(poll_interval=0.05)
srv.server_close()
