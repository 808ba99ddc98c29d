#!/usr/bin/env python3
"""Loopback traffic generator for the live rate tests: makes real connections on 127.0.0.1 at a
paced rate, bounded in count and time, and prints its own counts as one JSON object.

Every connection it makes is timestamped in a progress file (one line per 50 ms:
"monotonic_seconds connects closes"), so a test can count what happened inside any window.

Scenarios (the server side runs in threads of this process):
  client-close   the client connects, sends a byte and closes first (server waits for EOF)
  server-close   the server closes first right after accept(); the client closes on EOF
  close-wait     the client closes first; the server never closes (CLOSE_WAIT leak)
  accept-full    the server listens with a tiny backlog and never accepts
  defer          the server listens with TCP_DEFER_ACCEPT; clients connect and send nothing

It only ever binds and connects to 127.0.0.1, and refuses to run outside a network namespace
it was told is private (--netns-ok, set by the test after `unshare -n`).
"""
import argparse
import errno
import json
import socket
import sys
import threading
import time


def server_loop(lsock, mode, stop, held):
    lsock.settimeout(0.1)
    while not stop.is_set():
        try:
            c, _ = lsock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        if mode == "server-close":
            c.close()
        elif mode == "close-wait":
            held.append(c)  # never closed: CLOSE_WAIT once the client closes
        else:  # client-close: wait for the client's FIN, then close
            threading.Thread(target=drain_close, args=(c,), daemon=True).start()


def drain_close(c):
    c.settimeout(5)
    try:
        while c.recv(64):
            pass
    except OSError:
        pass
    c.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["client-close", "server-close", "close-wait",
                                         "accept-full", "defer"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--rate", type=float, default=200, help="connections per second")
    ap.add_argument("--seconds", type=float, default=3, help="duration (at most 20)")
    ap.add_argument("--backlog", type=int, default=4096)
    ap.add_argument("--progress", required=True)
    ap.add_argument("--stop-server-after", type=float, default=0,
                    help="close the listener this many seconds before the end")
    ap.add_argument("--netns-ok", action="store_true")
    a = ap.parse_args()
    if not a.netns_ok:
        sys.exit("trafgen: refusing to run without --netns-ok (run it inside `unshare -n`)")
    seconds = min(a.seconds, 20.0)
    limit = int(min(a.rate * seconds, 50000))

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if a.scenario == "defer":
        lsock.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 30)
    lsock.bind(("127.0.0.1", a.port))
    lsock.listen(a.backlog)
    stop = threading.Event()
    held = []
    if a.scenario in ("client-close", "server-close", "close-wait"):
        threading.Thread(target=server_loop, args=(lsock, a.scenario, stop, held),
                         daemon=True).start()

    counts = {"connects": 0, "closes": 0, "failed": 0, "eaddrnotavail": 0}
    clients = []
    progress = open(a.progress, "w")
    start = time.monotonic()
    next_log = start
    listener_open = True
    i = 0
    while i < limit:
        now = time.monotonic()
        if now - start >= seconds:
            break
        if (listener_open and a.stop_server_after > 0
                and now - start >= seconds - a.stop_server_after):
            stop.set()
            lsock.close()
            listener_open = False
        due = start + i / a.rate
        if due > now:
            time.sleep(min(due - now, 0.01))
            continue
        i += 1
        if not listener_open:
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(a.scenario not in ("accept-full", "defer"))
        try:
            s.connect(("127.0.0.1", a.port))
        except BlockingIOError:
            pass
        except OSError as e:
            counts["failed"] += 1
            if e.errno == errno.EADDRNOTAVAIL:
                counts["eaddrnotavail"] += 1
            s.close()
            continue
        counts["connects"] += 1
        if a.scenario in ("client-close", "close-wait"):
            s.send(b"x")
            s.close()
            counts["closes"] += 1
        elif a.scenario == "server-close":
            s.settimeout(2)
            try:
                s.recv(1)
            except OSError:
                pass
            s.close()
            counts["closes"] += 1
        else:
            clients.append(s)  # kept open: the handshake state is the point
        if time.monotonic() >= next_log:
            progress.write("%.4f %d %d\n" % (time.monotonic(), counts["connects"],
                                             counts["closes"]))
            progress.flush()
            next_log += 0.05
    end = time.monotonic()
    progress.write("%.4f %d %d\n" % (end, counts["connects"], counts["closes"]))
    progress.close()
    counts["seconds"] = round(end - start, 3)
    counts["scenario"] = a.scenario
    counts["port"] = a.port
    print(json.dumps(counts), flush=True)
    # Hold the state for the test's last look, then leave (bounded).
    time.sleep(0.2)
    stop.set()
    for s in clients + held:
        s.close()
    if listener_open:
        lsock.close()


if __name__ == "__main__":
    main()
