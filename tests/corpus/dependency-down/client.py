# Corpus workload: a service that needs its "database" at 127.0.0.1:PORT. Without it, it says
# so and exits 1 (as most services do at start); with it, it holds the connection and runs.
import socket
import sys
import time

port = int(sys.argv[1])
print(f"db-client: connecting to the database at 127.0.0.1:{port}", flush=True)
try:
    conn = socket.create_connection(("127.0.0.1", port), timeout=2)
except OSError as e:
    reason = "connection refused" if isinstance(e, ConnectionRefusedError) else str(e)
    print(f"database unavailable: {reason}", file=sys.stderr, flush=True)
    sys.exit(1)
print("db-client: connected, serving", flush=True)
conn.settimeout(None)
while conn.recv(4096):
    pass
print("database connection lost", file=sys.stderr, flush=True)
sys.exit(1)
