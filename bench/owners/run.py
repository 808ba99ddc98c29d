#!/usr/bin/env python3
"""Owner lookup cost: `tcptune sockets` with and without the owner lookup, and `ss -tanp`, in a
network namespace (made here, unshare -n) holding N loopback TCP sockets open: N/2 connections,
both ends held by WORKERS (12) processes (so every socket is owned), one listening port each on
127.0.0.1.

  sudo bench/owners/run.py TCPTUNE [N] [RUNS]     (default N = 100000, RUNS = 5)

Prints the median wall time of each command and the owner_lookup figures of tcptune's JSON.
Nothing leaves loopback; the helper processes end with the namespace.
"""
import json
import os
import statistics
import subprocess
import sys
import time

WORKERS = 12  # each holds both ends of N/2/WORKERS connections, under a 20000-descriptor limit
PORTS = [7101 + i for i in range(WORKERS)]

HOLDER = r"""
import resource, socket, sys, time
n = int(sys.argv[1]); port = int(sys.argv[2])
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
want = 2 * n + 100
resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard < 0 or want <= hard else hard, hard))
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(4096); s.setblocking(False)
held = []
for i in range(n):
    held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    while True:
        try:
            held.append(s.accept()[0])
        except BlockingIOError:
            break
while len(held) < 2 * n:
    held.append(s.accept()[0])
print("ready", flush=True)
time.sleep(3600)
"""


def timed(argv, runs):
    times = []
    out = None
    for _ in range(runs):
        t = time.monotonic()
        r = subprocess.run(argv, capture_output=True, text=True)
        times.append(time.monotonic() - t)
        out = r.stdout
    return statistics.median(times), out


def inside(binary, n, runs):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with open("/proc/sys/net/ipv4/ip_local_port_range", "w") as f:
        f.write("10000 65000")
    procs = []
    try:
        for i in range(WORKERS):
            p = subprocess.Popen([sys.executable, "-c", HOLDER, str(n // 2 // WORKERS),
                                  str(PORTS[i])], stdout=subprocess.PIPE, text=True)
            procs.append(p)
        for p in procs:
            if p.stdout.readline().strip() != "ready":
                raise SystemExit("a holder did not start")
        env = dict(os.environ, NO_COLOR="1")
        os.environ.update(env)
        base = [binary, "sockets", "--sample", "0", "--format", "json"]
        t_with, out = timed(base, runs)
        t_without, _ = timed(base + ["--no-owners"], runs)
        t_ss, _ = timed(["ss", "-tanp"], runs)
        t_ss_plain, _ = timed(["ss", "-tan"], runs)
        j = json.loads(out)
        lk = j.get("owner_lookup", {})
        owned = sum(len(p.get("owners", [])) for p in j.get("server_ports", []))
        print("sockets: %d (ESTABLISHED %d)" % (j["total"], j["states"]["ESTABLISHED"]))
        print("tcptune sockets, owners:     %.3f s" % t_with)
        print("tcptune sockets --no-owners: %.3f s" % t_without)
        print("owner lookup:                %.3f s" % (t_with - t_without))
        print("ss -tanp:                    %.3f s" % t_ss)
        print("ss -tan:                     %.3f s" % t_ss_plain)
        print("owner_lookup: %s" % lk)
        print("owner entries on server ports: %d" % owned)
    finally:
        for p in procs:
            p.kill()
            p.wait()


def main():
    binary = os.path.abspath(sys.argv[1])
    if len(sys.argv) > 2 and sys.argv[2] == "--inside":
        inside(binary, int(sys.argv[3]), int(sys.argv[4]))
        return
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    sys.exit(subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__), binary,
                             "--inside", str(n), str(runs)]).returncode)


if __name__ == "__main__":
    main()
