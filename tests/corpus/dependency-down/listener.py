# The corpus harness's "database": listens on 127.0.0.1:PORT and holds every connection.
# The harness starts it 30 s into the case and stops it by pid.
import socket
import sys

port = int(sys.argv[1])
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
print(f"listener: database up on 127.0.0.1:{port}", flush=True)
held = []
while True:
    c, _ = srv.accept()
    held.append(c)
