#!/usr/bin/env python3
"""Live rate test: real loopback traffic from trafgen.py, each scenario in a network namespace
of its own (unshare -n, created here), and tcptune's measured rates checked against the
generator's own counts.

  live_rates_test.py TCPTUNE TESTS_DIR

Tolerance. tcptune samples a window of `sample.seconds` somewhere between the moment the test
starts it and the moment it returns (the window's edges are not visible from outside). The
generator logs its cumulative counts every 50 ms, so the test computes the generator's count
for every placement of a window of that length inside [start, return] and requires tcptune's
count (rate x seconds) to lie between 85 % of the smallest and 115 % of the largest, +/- 5
connections: the placements cover the unknown edges, the 50 ms log granularity and scheduler
jitter on a loaded machine are inside the 15 %.

Exit 77 when no namespace can be created. Namespace-private sysctls (net.ipv4.*) are written
only inside the namespaces; nothing leaves loopback.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAILS = []


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


def gen_counts(progress, a, b):
    """Connections the generator made in [a, b] (linear between log lines)."""
    pts = []
    with open(progress) as f:
        for line in f:
            t, c, _ = line.split()
            pts.append((float(t), int(c)))
    if not pts:
        return 0

    def at(t):
        if t <= pts[0][0]:
            return pts[0][1] if t >= pts[0][0] - 0.06 else 0
        for (t0, c0), (t1, c1) in zip(pts, pts[1:]):
            if t0 <= t <= t1:
                return c0 + (c1 - c0) * (t - t0) / max(t1 - t0, 1e-9)
        return pts[-1][1]
    return at(b) - at(a)


def window_bounds(progress, before, after, seconds):
    lo, hi = None, None
    t = before
    while t + seconds <= after + 1e-9:
        n = gen_counts(progress, t, t + seconds)
        lo = n if lo is None else min(lo, n)
        hi = n if hi is None else max(hi, n)
        t += 0.01
    if lo is None:
        lo = hi = gen_counts(progress, before, after)
    return lo, hi


def check_rate(what, rate, seconds, progress, before, after):
    lo, hi = window_bounds(progress, before, after, seconds)
    n = rate * seconds
    ok = 0.85 * lo - 5 <= n <= 1.15 * hi + 5
    print("  %s: tcptune %.1f/s over %.2f s = %.0f; generator %d..%d in such a window -> %s"
          % (what, rate, seconds, n, lo, hi, "ok" if ok else "MISMATCH"), flush=True)
    if not ok:
        fail("%s: measured %.1f/s, generator %d..%d per %.2f s" % (what, rate, lo, hi, seconds))


def sysctl(key, value):
    with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
        f.write(value)


def run(binary, args):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([binary] + args, capture_output=True, text=True, env=env, timeout=60)


def start_gen(tmp, scenario, port, rate, seconds, extra=()):
    progress = os.path.join(tmp, scenario + ".progress")
    p = subprocess.Popen([sys.executable, os.path.join(HERE, "trafgen.py"), scenario, "--port",
                          str(port), "--rate", str(rate), "--seconds", str(seconds),
                          "--progress", progress, "--netns-ok"] + list(extra),
                         stdout=subprocess.PIPE, text=True)
    return p, progress


def finish_gen(p):
    out, _ = p.communicate(timeout=30)
    return json.loads(out.strip().splitlines()[-1])


def sample(binary, cmd, seconds="1"):
    before = time.monotonic()
    r = run(binary, [cmd, "--format", "json", "--sample", seconds] +
            (["--fail-on", "error"] if cmd == "check" else []))
    after = time.monotonic()
    try:
        j = json.loads(r.stdout)
    except ValueError:
        fail("%s: no JSON (exit %d): %s" % (cmd, r.returncode, r.stderr.strip()))
        j = {}
    return j, before, after


def dest(j, port):
    for d in j.get("destinations", []):
        if d["remote_port"] == port:
            return d
    return None


def server_port(j, port):
    for p in j.get("server_ports", []):
        if p["port"] == port:
            return p
    return None


def no_folklore(check, what):
    """No change and no hint that repeats the TIME_WAIT or backlog folklore."""
    for c in check.get("changes", []):
        key, target = c.get("key"), c.get("target")
        if key in ("net.ipv4.tcp_tw_recycle", "net.ipv4.tcp_max_syn_backlog") and target:
            fail("%s: folklore change %s = %s" % (what, key, target))
        if key == "net.ipv4.tcp_fin_timeout" and target and int(target) < 60:
            fail("%s: folklore change tcp_fin_timeout = %s" % (what, target))
    hints = " ".join(f.get("hint", "") for f in check.get("findings", []))
    for bad in ("tcp_tw_recycle = 1", "tcp_max_syn_backlog (SYN queue)",
                "raise net.ipv4.tcp_max_syn_backlog", "tcp_fin_timeout = 30"):
        if bad in hints:
            fail("%s: folklore in a hint: %s" % (what, bad))


def scenario_client_close(binary, tmp):
    p, prog = start_gen(tmp, "client-close", 3306, 400, 4.5)
    time.sleep(1.2)
    j, before, after = sample(binary, "sockets")
    chk, _, _ = sample(binary, "check")
    g = finish_gen(p)
    print("  generator:", g)
    d = dest(j, 3306)
    if d is None:
        return fail("client-close: no destination 127.0.0.1:3306")
    if d["rate_source"] != "measured" or d["loopback"] is not True:
        fail("client-close: destination not measured/loopback: %s" % d)
    check_rate("client-close connects to :3306", d["connects_per_s"], j["sample"]["seconds"],
               prog, before, after)
    check_rate("client-close closes to :3306", d["closes_per_s"], j["sample"]["seconds"], prog,
               before, after)
    sp = server_port(j, 3306)
    if sp is None or sp["rate_source"] != "measured":
        fail("client-close: server port 3306 not measured: %s" % sp)
    else:
        check_rate("client-close accepts on :3306", sp["connects_per_s"], j["sample"]["seconds"],
                   prog, before, after)
    if j["closers"]["client_side_time_wait"] == 0 or j["closers"]["server_side_time_wait"] != 0:
        fail("client-close: wrong side closes first: %s" % j["closers"])
    no_folklore(chk, "client-close")
    # Classification: a local MySQL client is a db-client, its traffic shown as local; the hint
    # fits a database (a pool), not FastCGI; no tcp_tw_reuse = 1 for loopback-only traffic.
    prof = chk.get("profile", {})
    if prof.get("name") != "db-client" or "local" not in prof.get("reason", ""):
        fail("client-close: detected %s (%s), want db-client with local traffic"
             % (prof.get("name"), prof.get("reason")))
    text = json.dumps(chk.get("findings", []))
    if "fastcgi" in text.lower():
        fail("client-close: a FastCGI hint for a MySQL client")
    if any(c.get("key") == "net.ipv4.tcp_tw_reuse" for c in chk.get("changes", [])):
        fail("client-close: tcp_tw_reuse change for loopback-only traffic")
    rates = [f for f in chk.get("findings", []) if "rate_source" in f.get("evidence", {})]
    for f in rates:
        if f["evidence"]["rate_source"] != "measured":
            fail("client-close: %s rate not measured" % f["code"])


def scenario_server_close(binary, tmp):
    t0 = time.monotonic()
    p, prog = start_gen(tmp, "server-close", 9000, 300, 3.5, ["--stop-server-after", "1.5"])
    time.sleep(0.6)
    j, before, after = sample(binary, "sockets")
    chk_live, _, _ = sample(binary, "check", "0.5")
    # The generator closes its listener 2.0 s after it starts.
    time.sleep(max(0, t0 + 2.6 - time.monotonic()))
    # The listener is gone now; its TIME_WAIT on local port 9000 must stay server-side.
    j2, _, _ = sample(binary, "sockets", "0")
    chk, _, _ = sample(binary, "check", "0")
    g = finish_gen(p)
    print("  generator:", g)
    sp = server_port(j, 9000)
    if sp is None:
        return fail("server-close: no server port 9000")
    check_rate("server-close closes on :9000", sp["closes_per_s"], j["sample"]["seconds"], prog,
               before, after)
    if j["closers"]["server_side_time_wait"] == 0:
        fail("server-close: server-side TIME_WAIT not seen: %s" % j["closers"])
    for c, when in ((chk_live, "live"), (chk, "after stop")):
        m = c.get("sockets", {}).get("metrics", {})
        fix = m.get("top_server_tw.fix", "")
        if "fastcgi_keep_conn" not in fix or "HTTP keep-alive" in fix:
            fail("server-close (%s): the fix for php-fpm's TIME_WAIT is %r" % (when, fix))
        if m.get("server_time_wait", 0) <= m.get("client_time_wait", 0):
            fail("server-close (%s): server-side TIME_WAIT %s, client-side %s"
                 % (when, m.get("server_time_wait"), m.get("client_time_wait")))
    if any(l["port"] == 9000 for l in j2.get("listeners", [])):
        fail("server-close: the listener was still there for the after-stop look")
    if j2["closers"]["server_side_time_wait"] == 0 or j2["closers"]["client_side_time_wait"] > \
            j2["closers"]["server_side_time_wait"]:
        fail("server-close after stop: TIME_WAIT on :9000 not server-side: %s" % j2["closers"])
    if j2["sample"]["snapshots"] != 1 or any(d["rate_source"] != "lower_bound"
                                             for d in j2.get("destinations", [])):
        fail("--sample 0: rates not labelled lower bounds")
    no_folklore(chk, "server-close")


def scenario_pool_and_churn(binary, tmp):
    """A still pool to :5432 and short connections to :9100 that the server closes: the client
    side of those leaves no trace, and ActiveOpens does not say where they went. The pool's
    rate must not take them (it once did: 'the only client group')."""
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 5432))
    lsock.listen(64)
    pool = []
    for _ in range(20):
        c = socket.create_connection(("127.0.0.1", 5432), timeout=2)
        a, _ = lsock.accept()
        pool += [c, a]
    try:
        p, _ = start_gen(tmp, "server-close", 9100, 200, 3.0)
        time.sleep(0.6)
        j, _, _ = sample(binary, "sockets")
        g = finish_gen(p)
        print("  generator:", g)
        d = dest(j, 5432)
        if d is None:
            return fail("pool-and-churn: no destination :5432")
        if d["connects_per_s"] > 5 or d["closes_per_s"] > 5:
            fail("pool-and-churn: the still pool to :5432 is given %s connects/s and %s closes/s"
                 % (d["connects_per_s"], d["closes_per_s"]))
        if j.get("rates", {}).get("ActiveOpens", 0) < 50:
            fail("pool-and-churn: the churn did not happen (ActiveOpens %s/s)"
                 % j.get("rates", {}).get("ActiveOpens"))
        if d["rate_source"] != "lower_bound":
            fail("pool-and-churn: the client side saw few of the openings, yet its rates are %r"
                 % d["rate_source"])
    finally:
        for s in pool:
            s.close()
        lsock.close()


def scenario_own_addresses(binary, tmp):
    """Connections between two of the namespace's own addresses (not loopback) never leave the
    host: neither inbound from remote peers nor outbound to remote destinations."""
    for a in ("10.1.1.1/24", "10.1.1.2/24"):
        subprocess.run(["ip", "addr", "add", a, "dev", "lo"], check=True)
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("10.1.1.1", 5000))
    lsock.listen(64)
    held = []
    try:
        for _ in range(30):
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.bind(("10.1.1.2", 0))
            c.connect(("10.1.1.1", 5000))
            a, _ = lsock.accept()
            held += [c, a]
        chk, _, _ = sample(binary, "check", "0")
        m = chk.get("sockets", {}).get("metrics", {})
        print("  inbound %s (remote %s), outbound %s (remote %s)" % (
            m.get("inbound"), m.get("inbound_remote"), m.get("outbound"), m.get("outbound_remote")))
        if m.get("inbound") != 30 or m.get("outbound") != 30:
            fail("own-addresses: the 30 connections were not counted: %s" % m)
        elif m.get("inbound_remote") != 0 or m.get("outbound_remote") != 0:
            fail("own-addresses: connections between this host's own addresses counted as "
                 "remote: %s" % m)
    finally:
        for x in held:
            x.close()
        lsock.close()


def scenario_load_tester(binary, tmp, reuse):
    sysctl("net.ipv4.ip_local_port_range", "40000 40999")
    sysctl("net.ipv4.tcp_tw_reuse", str(reuse))
    p, prog = start_gen(tmp, "client-close", 8080, 500, 3.5)
    time.sleep(0.3 if reuse == 0 else 1.5)
    j, before, after = sample(binary, "sockets")
    if reuse == 0:
        # Still draining (the first 2 s): a warning before the ports run out.
        chk, _, _ = sample(binary, "check", "0.5")
        codes = [f["code"] for f in chk.get("findings", [])]
        if "TT6030" not in codes and "TT6013" not in codes:
            fail("load-tester reuse=0: no warning before exhaustion (%s)" % codes)
    g = finish_gen(p)
    print("  generator:", g)
    d = dest(j, 8080)
    if d is None:
        return fail("load-tester reuse=%d: no destination :8080" % reuse)
    check_rate("load-tester reuse=%d connects" % reuse, d["connects_per_s"],
               j["sample"]["seconds"], prog, before, after)
    if reuse == 0:
        tte = d["seconds_to_exhaustion"]
        if tte is None or tte > 5:
            fail("load-tester reuse=0: seconds_to_exhaustion %s (1000 ports at 500/s)" % tte)
        if g["eaddrnotavail"] == 0:
            fail("load-tester reuse=0: the generator never ran out of ports (test setup)")
    else:
        tw = d["states"].get("TIME_WAIT", 0)
        if d["connects_per_s"] < 3 * tw / 60:
            fail("load-tester reuse=%d: measured rate not above TIME_WAIT/60" % reuse)
        # Loopback with timestamps: connect() takes TIME_WAIT ports over, nothing runs out.
        if d["seconds_to_exhaustion"] is not None:
            fail("load-tester reuse=%d: ports said to run out in %s s although tcp_tw_reuse "
                 "hands them back" % (reuse, d["seconds_to_exhaustion"]))


def scenario_steady_below(binary, tmp):
    """20 closes a second hold about 1,200 ports in TIME_WAIT at most (60 s each): with 2,000
    ports and no tcp_tw_reuse the count grows for a minute, then levels off. No shortage."""
    sysctl("net.ipv4.ip_local_port_range", "40000 41999")
    sysctl("net.ipv4.tcp_tw_reuse", "0")
    p, prog = start_gen(tmp, "client-close", 8081, 20, 3.0)
    time.sleep(0.5)
    j, _, _ = sample(binary, "sockets")
    chk, _, _ = sample(binary, "check", "0.5")
    print("  generator:", finish_gen(p))
    d = dest(j, 8081)
    if d is None:
        return fail("steady-below: no destination :8081")
    if d["seconds_to_exhaustion"] is not None:
        fail("steady-below: ports said to run out in %s s; 20/s x 60 s = 1200 < 2000"
             % d["seconds_to_exhaustion"])
    if any(f["code"] == "TT6030" for f in chk.get("findings", [])):
        fail("steady-below: TT6030 although the TIME_WAIT pool levels off below the capacity")


def scenario_close_wait(binary, tmp):
    # Long enough that the check below still sees the CLOSE_WAIT sockets when the sockets sample
    # before it is slow (a sanitizer build takes well over its one second).
    p, prog = start_gen(tmp, "close-wait", 5000, 200, 6.0)
    time.sleep(1.0)
    j, before, after = sample(binary, "sockets")
    time.sleep(1.0)
    chk, _, _ = sample(binary, "check", "0")
    g = finish_gen(p)
    print("  generator:", g)
    sp = server_port(j, 5000)
    if sp is None:
        return fail("close-wait: no server port 5000")
    check_rate("close-wait closes on :5000", sp["closes_per_s"], j["sample"]["seconds"], prog,
               before, after)
    codes = [f["code"] for f in chk.get("findings", [])]
    if "TT6015" not in codes:
        fail("close-wait: TT6015 not reported (%s)" % codes)
    no_folklore(chk, "close-wait")


def scenario_accept_full(binary, tmp):
    p, _ = start_gen(tmp, "accept-full", 7000, 200, 2.5, ["--backlog", "8"])
    time.sleep(1.0)
    j, _, _ = sample(binary, "sockets")
    chk, _, _ = sample(binary, "check", "0")
    finish_gen(p)
    if not j.get("rates", {}).get("ListenOverflows"):
        fail("accept-full: no ListenOverflows rate: %s" % j.get("rates"))
    f = [f for f in chk.get("findings", []) if f["code"] == "TT6017"]
    if not f:
        fail("accept-full: TT6017 not reported")
    elif "backlog" not in f[0].get("hint", ""):
        fail("accept-full: TT6017 hint does not name the application's backlog")
    else:
        # Which listener, and its own backlog (8), not only net.core.somaxconn.
        print("  TT6017:", f[0]["message"])
        ev = f[0]["evidence"]
        if ev.get("fullest") != "127.0.0.1:7000" or ev.get("backlog") != 8:
            fail("accept-full: TT6017 does not name the full listener and its backlog: %s" % ev)
    no_folklore(chk, "accept-full")


def scenario_defer(binary, tmp):
    p, _ = start_gen(tmp, "defer", 7001, 300, 3.0, ["--backlog", "64"])
    time.sleep(0.8)
    chk, _, _ = sample(binary, "check", "0.5")
    j, _, _ = sample(binary, "sockets")
    finish_gen(p)
    if j.get("states", {}).get("SYN_RECV", 0) == 0:
        fail("defer: no SYN_RECV")
    if not j.get("rates", {}).get("TCPReqQFullDoCookies"):
        fail("defer: no TCPReqQFullDoCookies rate: %s" % j.get("rates"))
    f = [f for f in chk.get("findings", []) if f["code"] == "TT6031"]
    if not f:
        fail("defer: TT6031 (SYN queue full, cookies) not reported")
    elif "backlog" not in f[0].get("hint", "") or "rate" not in f[0].get("evidence", {}):
        fail("defer: TT6031 lacks the backlog advice or the measured rate")
    else:
        # TCPReqQFullDoCookies counts SYNs that met a full SYN queue; those that also met a full
        # accept queue were dropped, not answered: the cookies sent are SyncookiesSent's.
        ev = f[0]["evidence"]
        print("  TT6031:", f[0]["message"])
        if "cookies" not in ev or "overflows" not in ev:
            fail("defer: TT6031 does not give SyncookiesSent and ListenOverflows: %s" % ev)
        elif ev["cookies"] > ev["rate"] + 1:
            fail("defer: more cookies sent (%s/s) than SYNs met a full queue (%s/s)"
                 % (ev["cookies"], ev["rate"]))
    for d in [f for f in chk.get("findings", []) if f["code"] == "TT6033"]:
        print("  TT6033:", d["message"])
        if "were dropped" in d["message"]:
            fail("defer: TT6033 calls the ACKs it held back dropped connections")
    no_folklore(chk, "defer")


SCENARIOS = {
    "client-close": scenario_client_close,
    "server-close": scenario_server_close,
    "pool-and-churn": scenario_pool_and_churn,
    "steady-below": scenario_steady_below,
    "own-addresses": scenario_own_addresses,
    "load-tester-0": lambda b, t: scenario_load_tester(b, t, 0),
    "load-tester-1": lambda b, t: scenario_load_tester(b, t, 1),
    "load-tester-2": lambda b, t: scenario_load_tester(b, t, 2),
    "close-wait": scenario_close_wait,
    "accept-full": scenario_accept_full,
    "defer": scenario_defer,
}


def main():
    binary, tests = os.path.abspath(sys.argv[1]), sys.argv[2]
    if len(sys.argv) > 4 and sys.argv[3] == "--inside":
        # In a namespace of our own (checked: not the outer one).
        if os.stat("/proc/self/ns/net").st_ino == int(sys.argv[5]):
            sys.exit("refusing: still in the outer network namespace")
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        with tempfile.TemporaryDirectory() as tmp:
            SCENARIOS[sys.argv[4]](binary, tmp)
        sys.exit(1 if FAILS else 0)
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        print("SKIP: cannot create a network namespace here (unshare -n)")
        sys.exit(77)
    outer = str(os.stat("/proc/self/ns/net").st_ino)
    only = os.environ.get("TCPTUNE_RATES_ONLY", "")
    failed = []
    for name in SCENARIOS:
        if only and name not in only.split(","):
            continue
        print("scenario " + name, flush=True)
        r = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__), binary,
                            tests, "--inside", name, outer], timeout=60)
        if r.returncode != 0:
            failed.append(name)
    if failed:
        print("failed scenarios: " + ", ".join(failed))
        sys.exit(1)
    print("all scenarios passed")


if __name__ == "__main__":
    main()
