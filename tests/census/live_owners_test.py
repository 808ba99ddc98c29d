#!/usr/bin/env python3
"""Live owner test: real loopback traffic in network namespaces created here (unshare -n), and
the owners tcptune names checked against the processes the test started.

  live_owners_test.py TCPTUNE

Scenarios (each in a namespace of its own):
  close-wait  a server that never close()s the connections its clients closed (CLOSE_WAIT), run
              in a cgroup the test creates (cgroup v2, named like a systemd service) and removes:
              check's CLOSE_WAIT finding and the sockets report name its pid, command and unit.
  short       a client opening ~200 short connections a second (a sliding window of 20 open):
              the destination's TIME_WAIT is attributed to it, marked inferred.

The cgroup v2 hierarchy is found in /proc/self/mountinfo (wherever it is mounted: /sys/fs/cgroup
on a unified host, /sys/fs/cgroup/unified on a hybrid one). Exit 77 when no namespace can be
created or no cgroup v2 hierarchy is mounted writable. Every loop is bounded in count and time;
nothing leaves loopback.
"""
import ctypes
import json
import os
import shutil
import subprocess
import sys
import time

FAILS = []
CONTAINER_ID = "4f1c2e9a0b3d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f"

LEAKER = r"""
import ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen(512)
print("ready", flush=True)
held = []
s.settimeout(0.2)
end = time.monotonic() + 60
while time.monotonic() < end and len(held) < 1000:
    try:
        c, _ = s.accept()
        held.append(c)          # the leak: never closed
    except socket.timeout:
        pass
"""

SHORT_SERVER = r"""
import socket, threading, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 3306)); s.listen(1024); s.settimeout(0.2)
print("ready", flush=True)
end = time.monotonic() + 30
conns = []
while time.monotonic() < end:
    try:
        c, _ = s.accept(); c.setblocking(False); conns.append(c)
    except socket.timeout:
        pass
    keep = []
    for c in conns:            # close after the client did: the client side keeps TIME_WAIT
        try:
            if c.recv(16) == b"":
                c.close(); continue
        except BlockingIOError:
            pass
        keep.append(c)
    conns = keep
"""

SHORT_CLIENT = r"""
import collections, ctypes, socket, sys, time
ctypes.CDLL(None).prctl(15, b"shortclient", 0, 0, 0)
seconds = float(sys.argv[1])
window = collections.deque()
end = time.monotonic() + seconds
n = 0
print("ready", flush=True)
while time.monotonic() < end and n < 5000:
    c = socket.create_connection(("127.0.0.1", 3306), timeout=2)
    window.append(c); n += 1
    if len(window) > 20:
        window.popleft().close()
    time.sleep(0.005)
for c in window:
    c.close()
print(n, flush=True)
"""


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


def run(binary, args):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([binary] + args, capture_output=True, text=True, env=env, timeout=60)


def as_json(r, what):
    try:
        return json.loads(r.stdout)
    except ValueError:
        fail("%s: no JSON (exit %d): %s" % (what, r.returncode, r.stderr.strip()))
        return {}


def start(code, *args):
    p = subprocess.Popen([sys.executable, "-c", code] + list(args), stdout=subprocess.PIPE,
                         text=True)
    if p.stdout.readline().strip() != "ready":
        raise RuntimeError("helper did not start")
    return p


def cgroup2_mounts():
    """(mount point, mount options) of every cgroup2 mount, from /proc/self/mountinfo
    (proc(5)): the fields after " - " are the filesystem type, the source and super options."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields = left.split()
            if right.split()[:1] == ["cgroup2"] and len(fields) >= 6:
                out.append((fields[4].replace("\\040", " "), fields[5].split(",")))
    return out


def writable_cgroup_root():
    for mnt, options in cgroup2_mounts():
        if "rw" in options and os.path.exists(os.path.join(mnt, "cgroup.procs")) and \
                os.access(mnt, os.W_OK):
            return mnt
    return None


def make_cgroup(rel, dirs):
    """Creates the cgroup MOUNT/rel (its parent must exist) and notes it in `dirs`, which the
    caller removes innermost first whatever happens."""
    path = os.path.join(writable_cgroup_root(), rel)
    os.mkdir(path)
    dirs.append(path)
    return path


def remove_cgroups(dirs):
    for d in reversed(dirs):
        for _ in range(50):                  # a cgroup empties when its process is reaped
            try:
                os.rmdir(d)
                break
            except OSError:
                time.sleep(0.1)
        if os.path.exists(d):
            fail("could not remove cgroup %s" % d)


def leak(port, n):
    import socket
    for _ in range(n):                       # the clients close; the server never does
        c = socket.create_connection(("127.0.0.1", port), timeout=2)
        c.close()


def as_nobody_cgroup_owner(binary, unit):
    """As nobody, root's /proc/PID/fd is out of reach: the owner of port 8082's sockets comes
    from their own cgroup (INET_DIAG_CGROUP_ID), a fact, without a pid."""
    if shutil.which("setpriv") is None:
        return fail("close-wait: setpriv is needed to run tcptune as nobody")
    import tempfile
    tmp = tempfile.mkdtemp(prefix="tcptune-owners-nobody.")
    try:
        os.makedirs(os.path.join(tmp, "rules"))
        shutil.copy(binary, os.path.join(tmp, "tcptune"))
        data = os.environ.get("TCPTUNE_DATA_DIR", ".")
        for name in os.listdir(os.path.join(data, "rules")):
            if name.endswith((".toml", ".tsv")):
                shutil.copy(os.path.join(data, "rules", name), os.path.join(tmp, "rules"))
        shutil.copytree(os.path.join(data, "profiles"), os.path.join(tmp, "profiles"))
        for d, _, files in os.walk(tmp):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o755)
        env = dict(os.environ, NO_COLOR="1", TCPTUNE_DATA_DIR=tmp)
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "--inh-caps=-all", os.path.join(tmp, "tcptune"), "sockets", "--format",
                            "json", "--sample", "0"], capture_output=True, text=True, env=env,
                           timeout=60)
        j = as_json(r, "sockets as nobody")
        port = [p for p in j.get("server_ports", []) if p["port"] == 8082]
        owners = port[0].get("owners", []) if port else []
        cg = [o for o in owners if o["basis"] == "cgroup"]
        if not cg or cg[0]["unit"] != unit or cg[0]["pid"] != 0 or cg[0]["inferred"]:
            return fail("close-wait as nobody: port 8082 owners %s: want unit %s from the "
                        "sockets' cgroup (basis cgroup, pid 0)" % (owners, unit))
        if any(o["basis"] == "holds" and o["pid"] != 0 for o in owners):
            fail("close-wait as nobody: a holder was seen through root's /proc: %s" % owners)
        print("  port 8082 owner as nobody:", cg[0])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scenario_close_wait(binary):
    slice_ = "tcptune-test-%d.slice" % os.getpid()
    unit = "tcptune-owner-test-%d.service" % os.getpid()
    scope = "docker-%s.scope" % CONTAINER_ID
    dirs = []
    leakers = []
    try:
        make_cgroup(slice_, dirs)
        unit_dir = make_cgroup(os.path.join(slice_, unit), dirs)
        scope_dir = make_cgroup(os.path.join(slice_, scope), dirs)
        leaker = start(LEAKER, "leaky-app", "8080")
        leakers.append(leaker)
        with open(os.path.join(unit_dir, "cgroup.procs"), "w") as f:
            f.write(str(leaker.pid))
        boxed = start(LEAKER, "boxed-app", "8081")
        leakers.append(boxed)
        with open(os.path.join(scope_dir, "cgroup.procs"), "w") as f:
            f.write(str(boxed.pid))
        leak(8080, 150)
        leak(8081, 40)
        time.sleep(0.5)
        j = as_json(run(binary, ["sockets", "--format", "json", "--sample", "0"]), "sockets")
        port = [p for p in j.get("server_ports", []) if p["port"] == 8080]
        if not port or port[0]["states"].get("CLOSE_WAIT", 0) < 100:
            return fail("close-wait: no CLOSE_WAIT on port 8080: %s" % port)
        owners = port[0].get("owners", [])
        mine = [o for o in owners if o["pid"] == leaker.pid]
        if not mine:
            return fail("close-wait: port 8080 owners %s lack pid %d" % (owners, leaker.pid))
        o = mine[0]
        if o["comm"] != "leaky-app" or o["unit"] != unit or o["inferred"] or o["container"]:
            fail("close-wait: owner %s, want comm leaky-app, unit %s, not inferred" % (o, unit))
        print("  port 8080 owner:", o)
        port = [p for p in j.get("server_ports", []) if p["port"] == 8081]
        boxed_owner = [o for o in (port[0].get("owners", []) if port else [])
                       if o["pid"] == boxed.pid]
        if not boxed_owner or boxed_owner[0]["runtime"] != "docker" or \
                boxed_owner[0]["container"] != CONTAINER_ID or boxed_owner[0]["unit"] is not None:
            fail("close-wait: port 8081 owners %s: want docker container %s" % (port, CONTAINER_ID))
        else:
            print("  port 8081 owner:", boxed_owner[0])
        chk = as_json(run(binary, ["check", "--format", "json", "--sample", "0",
                                   "--fail-on", "error"]), "check")
        cw = [f for f in chk.get("findings", []) if f["code"] == "TT6015"]
        if not cw:
            return fail("close-wait: no TT6015 finding")
        fo = cw[0].get("owners", [])
        if not fo or fo[0]["pid"] != leaker.pid or fo[0]["unit"] != unit or fo[0]["inferred"]:
            fail("close-wait: TT6015 owners %s" % fo)
        want = "owned by leaky-app (pid %d, %s)" % (leaker.pid, unit)
        if want not in cw[0]["message"]:
            fail("close-wait: message lacks '%s': %s" % (want, cw[0]["message"]))
        text = run(binary, ["check", "--sample", "0", "--fail-on", "error"]).stdout
        if want not in text:
            fail("close-wait: text report lacks '%s'" % want)
        print("  TT6015:", cw[0]["message"])
        prom = run(binary, ["sockets", "--format", "prometheus", "--sample", "0"]).stdout
        lines = [l for l in prom.splitlines() if l.startswith("tcptune_socket_owner_info")]
        line = [l for l in lines if 'port="8080"' in l]
        if not line or ('unit="%s"' % unit) not in line[0] or "pid" in line[0]:
            fail("close-wait: prometheus owner series %s" % line)
        line = [l for l in lines if 'port="8081"' in l]
        if not line or ('container="%s"' % CONTAINER_ID[:12]) not in line[0]:
            fail("close-wait: prometheus owner series of the container %s" % line)
        promtool_check(prom, "close-wait")
        # A socket belongs to the cgroup its creator was in when it was made: a leaker that
        # joins the unit's cgroup before it listens (the accepted sockets are the listener's).
        early = start("import os, sys\nopen(sys.argv[3], 'w').write(str(os.getpid()))\n" + LEAKER,
                      "early-app", "8082", os.path.join(unit_dir, "cgroup.procs"))
        leakers.append(early)
        leak(8082, 20)
        time.sleep(0.3)
        as_nobody_cgroup_owner(binary, unit)
        nop = as_json(run(binary, ["sockets", "--format", "json", "--sample", "0",
                                   "--no-owners"]), "sockets --no-owners")
        if any("owners" in p for p in nop.get("server_ports", [])) or "owner_lookup" in nop:
            fail("close-wait: --no-owners still names owners")
    finally:
        for p in leakers:
            p.kill()
            p.wait(timeout=10)
        remove_cgroups(dirs)


def promtool_check(text, what):
    """promtool check metrics on a live output, when promtool is installed."""
    if not shutil.which("promtool"):
        print("  (promtool not installed: the Prometheus output is not linted)")
        return
    r = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
        fail("%s: promtool check metrics: %s%s" % (what, r.stdout, r.stderr))


def scenario_short(binary):
    # In this test's own network namespace (main() checks): 2,000 ports and no tcp_tw_reuse, so
    # 200 closes a second (12,000 ports held at 60 s each) do run the range out and the finding
    # that says so (TT6030) names the client. With the namespace's defaults (28,232 ports,
    # tcp_tw_reuse = 2 on loopback) nothing would run out, and no finding should name it.
    for key, value in (("ip_local_port_range", "40000 41999"), ("tcp_tw_reuse", "0")):
        with open("/proc/sys/net/ipv4/" + key, "w") as f:
            f.write(value)
    server = start(SHORT_SERVER)
    client = None
    try:
        client = start(SHORT_CLIENT, "8")
        time.sleep(1.0)
        r = run(binary, ["sockets", "--format", "json", "--sample", "1"])
        j = as_json(r, "sockets")
        text = run(binary, ["sockets", "--sample", "1"]).stdout
        d = [x for x in j.get("destinations", []) if x["remote_port"] == 3306]
        if not d:
            return fail("short: no destination :3306")
        owners = d[0].get("owners", [])
        print("  :3306 owners:", owners)
        held = [o for o in owners if o["pid"] == client.pid and not o["inferred"]]
        window = [o for o in owners if o["pid"] == client.pid and o["inferred"]]
        if not held:
            fail("short: the client (pid %d) is not named holding :3306 sockets" % client.pid)
        if d[0]["states"].get("TIME_WAIT", 0) > 0 and not window:
            fail("short: %d TIME_WAIT but no inferred owner for the client: %s"
                 % (d[0]["states"]["TIME_WAIT"], owners))
        if window and window[0]["basis"] not in ("window", "established"):
            fail("short: inferred owner with basis %s" % window[0]["basis"])
        if any(o["inferred"] and o["basis"] == "holds" for o in owners) or \
                any(not o["inferred"] and o["basis"] != "holds" for o in owners):
            fail("short: inferred does not match basis: %s" % owners)
        if d[0]["states"].get("TIME_WAIT", 0) > 0:
            want = "likely opened by shortclient (pid %d" % client.pid
            if want not in text:
                fail("short: text lacks '%s':\n%s" % (want, text))
            elif "inferred" not in text:
                fail("short: the attribution is not worded as inference")
        if any(o["comm"] == "python3" and o["pid"] == server.pid for o in owners):
            fail("short: the server named as a client-side owner")
        # A finding about the destination's TIME_WAIT names the client, as an inference.
        chk = as_json(run(binary, ["check", "--format", "json", "--sample", "1",
                                   "--fail-on", "error"]), "check")
        named = [f for f in chk.get("findings", []) if
                 any(o["pid"] == client.pid for o in f.get("owners", []))]
        print("  findings naming the client:", [(f["code"], f["message"]) for f in named])
        tw_named = [f for f in named if f.get("owners", [])[0]["inferred"]]
        if not named:
            fail("short: no finding names the client (pid %d): %s" %
                 (client.pid, [(f["code"], f["message"]) for f in chk.get("findings", [])]))
        elif tw_named and ("likely opened by shortclient (pid %d" % client.pid) not in \
                tw_named[0]["message"]:
            fail("short: inferred owner not worded as such: %s" % tw_named[0]["message"])
    finally:
        for p in (client, server):
            if p is not None:
                p.kill()
                p.wait(timeout=10)


SCENARIOS = {"close-wait": scenario_close_wait, "short": scenario_short}


def main():
    binary = os.path.abspath(sys.argv[1])
    if len(sys.argv) > 3 and sys.argv[2] == "--inside":
        if os.stat("/proc/self/ns/net").st_ino == int(sys.argv[4]):
            print("refusing: still in the caller's network namespace")
            sys.exit(2)
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        SCENARIOS[sys.argv[3]](binary)
        sys.exit(1 if FAILS else 0)
    if os.geteuid() != 0 or \
            subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        print("SKIP: cannot create a network namespace here (unshare -n)")
        sys.exit(77)
    if writable_cgroup_root() is None:
        print("SKIP: no writable cgroup v2 hierarchy for the owner's cgroup")
        sys.exit(77)
    ino = os.stat("/proc/self/ns/net").st_ino
    bad = 0
    for name in SCENARIOS:
        print("scenario %s" % name, flush=True)
        r = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__), binary,
                            "--inside", name, str(ino)], timeout=120)
        bad += r.returncode != 0
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
