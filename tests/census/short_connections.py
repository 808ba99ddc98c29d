#!/usr/bin/env python3
"""Short loopback connections for the live tests: a server on 127.0.0.1:PORT that closes first
(its TIME_WAIT stays on PORT), and a client that connects, sends a byte, waits for the close.
Bounded by DURATION seconds and MAX connections; prints what it did as JSON at the end.
Run it only inside a network namespace the test created."""
import json
import socket
import sys
import threading
import time

duration = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
port = int(sys.argv[2]) if len(sys.argv) > 2 else 8080
pause = float(sys.argv[3]) if len(sys.argv) > 3 else 0.002
limit = 200000
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(128)


def serve():
    while True:
        try:
            c, _ = srv.accept()
            c.recv(1)
            c.close()
        except OSError:
            return


threading.Thread(target=serve, daemon=True).start()
start = time.time()
end = start + duration
n = 0
while time.time() < end and n < limit:
    s = socket.create_connection(("127.0.0.1", port))
    s.send(b"x")
    s.recv(1)
    s.close()
    n += 1
    time.sleep(pause)
elapsed = time.time() - start
print(json.dumps({"connections": n, "seconds": round(elapsed, 3), "per_s": round(n / elapsed, 1)}))
