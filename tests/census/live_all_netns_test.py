#!/usr/bin/env python3
"""Live --all-netns test: `check --all-netns` and `sockets --all-netns` over network namespaces
this test creates, with different traffic and different per-namespace values.

  live_all_netns_test.py TCPTUNE

The whole test runs in new mount and network namespaces (unshare -m -n, / made rprivate), with
a tmpfs of its own over /run (so /run/sysctl.d and /run/netns are the test's, and the /run/netns
directory it makes never reaches the host, which may have none), tmpfs over every other sysctl.d
directory that exists, and an empty file bound over /etc/sysctl.conf; it checks that before it
starts and refuses otherwise. Its sysctl.d tree holds only net.* keys and nothing applies it: it
is the "host tuning" the report compares with.

  tt-a   a named namespace (ip netns add, inside the private /run/netns): a server on port 7001
         with 30 established loopback connections; net.ipv4.tcp_tw_reuse = 0 set in it.
  B      a namespace held by a process (unshare -n): a server on port 7002 that never closes the
         120 connections its clients closed (CLOSE_WAIT); net.ipv4.tcp_fin_timeout = 30 in it.
  the test's own namespace, empty; and whatever else the host has (read, never changed).

The sysctl.d tree sets net.ipv4.tcp_tw_reuse = 1 and net.ipv4.tcp_fin_timeout = 30: tt-a misses
both (0 and 60, the kernel default), B misses only tcp_tw_reuse (2, the default). Exit 77 when
the namespaces cannot be created. Every helper process is bounded in time; nothing leaves
loopback.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

FAILS = []
SYSCTL_DIRS = ["/etc/sysctl.d", "/run/sysctl.d", "/usr/lib/sysctl.d", "/usr/local/lib/sysctl.d",
               "/lib/sysctl.d"]
SANDBOX_ENV = "TCPTUNE_ALL_NETNS_SANDBOX"

SERVER_A = r"""
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7001)); s.listen(64)
clients = [socket.create_connection(("127.0.0.1", 7001), timeout=2) for _ in range(30)]
held = [s.accept()[0] for _ in range(30)]
print("ready", flush=True)
time.sleep(60)
"""

SERVER_B = r"""
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 7002)); s.listen(256)
for _ in range(120):
    c = socket.create_connection(("127.0.0.1", 7002), timeout=2); c.close()
held = [s.accept()[0] for _ in range(120)]   # never closed: CLOSE_WAIT
print("ready", flush=True)
time.sleep(60)
"""


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


def sh(*args):
    subprocess.run(list(args), check=True, timeout=30)


def mount_points(field=0):
    """mount point -> filesystem type (field 1: its source), from /proc/self/mountinfo, in mount
    order: a later mount on a path hides what was mounted on it or below it before (a host that
    ever ran `ip netns add` has /run/netns bound on itself, hidden by the test's tmpfs on /run)."""
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            point = left.split()[4]
            below = point.rstrip("/") + "/"
            for p in [p for p in out if p == point or p.startswith(below)]:
                del out[p]
            out[point] = right.split()[field]
    return out


def fs_type(path, mounts):
    """The type of the filesystem `path` lies on: that of its longest mount point prefix."""
    path = os.path.realpath(path)
    while path not in mounts and path != "/":
        path = os.path.dirname(path)
    return mounts.get(path)


def sandbox(caller_net, caller_mnt):
    """Makes the private mount namespace safe, then checks it; returns a reason to refuse."""
    if os.stat("/proc/self/ns/net").st_ino == caller_net or \
            os.stat("/proc/self/ns/mnt").st_ino == caller_mnt:
        return "not in new mount and network namespaces"
    sh("mount", "--make-rprivate", "/")
    # A fresh host may have no /run/netns: making it on the host's /run would leave it there.
    sh("mount", "-t", "tmpfs", "-o", "mode=0755", "tcptune-all-netns-run", "/run")
    os.mkdir("/run/netns")
    for d in SYSCTL_DIRS:
        if os.path.isdir(d) and not d.startswith("/run/"):
            sh("mount", "-t", "tmpfs", "-o", "mode=0755", "tcptune-all-netns", d)
    if os.path.exists("/etc/sysctl.conf"):
        with open("/run/netns/.empty-sysctl.conf", "w"):
            pass
        sh("mount", "--bind", "/run/netns/.empty-sysctl.conf", "/etc/sysctl.conf")
    mounts = mount_points()
    if mounts.get("/run") != "tmpfs" or mount_points(1).get("/run") != "tcptune-all-netns-run":
        return "/run is not covered by the test's tmpfs"
    for d in SYSCTL_DIRS + ["/run/netns"]:
        if not os.path.isdir(d):
            continue
        covered = fs_type(d, mounts) if d.startswith("/run/") else mounts.get(os.path.realpath(d))
        if covered != "tmpfs":
            return "%s is not covered by a tmpfs" % d
    if os.path.exists("/etc/sysctl.conf") and os.path.getsize("/etc/sysctl.conf") != 0:
        return "/etc/sysctl.conf is not covered"
    return None


def run(binary, args):
    env = dict(os.environ, NO_COLOR="1")
    return subprocess.run([binary] + args, capture_output=True, text=True, env=env, timeout=240)


def start(argv):
    # A session of its own: its whole group (timeout and its python child) is killed at the end.
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, start_new_session=True)
    if p.stdout.readline().strip() != "ready":
        os.killpg(p.pid, signal.SIGKILL)
        raise RuntimeError("helper did not start: %s" % argv)
    return p


def section(namespaces, pred, what):
    found = [n for n in namespaces if pred(n)]
    if len(found) != 1:
        fail("%s: %d sections (want 1): %s" % (what, len(found), [n["name"] for n in namespaces]))
        return None
    return found[0]


def gaps_of(n):
    return {g["key"]: g for g in n.get("gaps", [])}


def inside(binary):
    helpers = []
    try:
        with open("/etc/sysctl.d/60-tuning.conf", "w") as f:
            f.write("net.ipv4.tcp_tw_reuse = 1\nnet.ipv4.tcp_fin_timeout = 30\n")
        sh("ip", "link", "set", "lo", "up")
        sh("ip", "netns", "add", "tt-a")
        sh("ip", "-n", "tt-a", "link", "set", "lo", "up")
        sh("ip", "netns", "exec", "tt-a", "sysctl", "-q", "-w", "net.ipv4.tcp_tw_reuse=0")
        helpers.append(start(["ip", "netns", "exec", "tt-a", "timeout", "90", sys.executable,
                              "-c", SERVER_A]))
        b_setup = ("ip link set lo up && sysctl -q -w net.ipv4.tcp_fin_timeout=30 && "
                   "exec timeout 90 \"$0\" -c \"$1\"")
        b = start(["unshare", "-n", "sh", "-c", b_setup, sys.executable, SERVER_B])
        helpers.append(b)
        # The process in B: timeout's child, python.
        b_pids = {b.pid}
        for _ in range(3):
            for pid in list(b_pids):
                try:
                    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                        b_pids |= {int(x) for x in f.read().split()}
                except OSError:
                    pass
        b_ino = os.stat("/proc/%d/ns/net" % b.pid).st_ino
        a_ino = os.stat("/run/netns/tt-a").st_ino
        own_ino = os.stat("/proc/self/ns/net").st_ino

        r = run(binary, ["check", "--all-netns", "--sample", "0", "--format", "json",
                         "--fail-on", "error"])
        try:
            j = json.loads(r.stdout)
        except ValueError:
            return fail("check --all-netns: no JSON (exit %d): %s" % (r.returncode, r.stderr))
        if j.get("schema") != "tcptune.netns/1" or j.get("command") != "check":
            fail("check --all-netns: schema %s command %s" % (j.get("schema"), j.get("command")))
        ns = j.get("namespaces", [])
        ids = [n["id"] for n in ns]
        if len(ids) != len(set(ids)):
            fail("a namespace is listed twice: %s" % ids)
        if sum(1 for n in ns if n["initial"]) != 1 or not ns[0]["initial"]:
            fail("the initial namespace is not first and alone: %s" % [(n["name"], n["initial"])
                                                                      for n in ns])
        a = section(ns, lambda n: n["id"].endswith(":%d" % a_ino), "tt-a")
        bsec = section(ns, lambda n: n["id"].endswith(":%d" % b_ino), "B")
        own = section(ns, lambda n: n["id"].endswith(":%d" % own_ino), "the test's namespace")
        if a:
            if a["name"] != "tt-a" or a["path"] != "/run/netns/tt-a" or a["status"] != "checked":
                fail("tt-a: %s" % {k: a[k] for k in ("name", "path", "status", "error")})
            rep = a.get("report") or {}
            if rep.get("schema") != "tcptune.check/1" or rep.get("netns", {}).get("initial"):
                fail("tt-a: its report: %s %s" % (rep.get("schema"), rep.get("netns")))
            s = a["summary"]
            if s.get("ESTABLISHED", 0) < 60 or s.get("LISTEN") != 1 or s.get("CLOSE_WAIT"):
                fail("tt-a: summary %s (want 60 ESTABLISHED, 1 LISTEN, no CLOSE_WAIT)" % s)
            g = gaps_of(a)
            tw = g.get("net.ipv4.tcp_tw_reuse")
            if not tw or tw["value"] != "0" or tw["host_value"] != "1" or \
                    "ip netns exec tt-a sysctl -w net.ipv4.tcp_tw_reuse=1" not in tw["fix"]:
                fail("tt-a: tcp_tw_reuse gap %s" % tw)
            ft = g.get("net.ipv4.tcp_fin_timeout")
            if not ft or ft["value"] != "60" or ft["host_value"] != "30":
                fail("tt-a: tcp_fin_timeout gap %s" % ft)
            print("  tt-a:", s, sorted(g))
        if bsec:
            if bsec["pid"] not in b_pids or bsec["status"] != "checked":
                fail("B: pid %s (want one of %s), status %s" % (bsec["pid"], b_pids,
                                                                bsec["status"]))
            s = bsec["summary"]
            if s.get("CLOSE_WAIT", 0) < 120 or s.get("ESTABLISHED", 0) != 0:
                fail("B: summary %s (want 120 CLOSE_WAIT)" % s)
            g = gaps_of(bsec)
            if "net.ipv4.tcp_fin_timeout" in g or g.get("net.ipv4.tcp_tw_reuse", {}).get(
                    "value") != "2":
                fail("B: gaps %s (want tcp_tw_reuse 2 only)" % g)
            cw = [f for f in (bsec.get("report") or {}).get("findings", [])
                  if f["code"] == "TT6015"]
            if not cw or not any(o["pid"] in b_pids for o in cw[0].get("owners", [])):
                fail("B: no TT6015 naming the server (pids %s): %s" % (b_pids, cw))
            print("  B:", s, sorted(g))
        if own and own["summary"].get("total", -1) != 0:
            fail("the test's namespace: %s" % own["summary"])
        if any(gaps_of(n) for n in ns if n["initial"]):
            fail("the initial namespace has gaps")
        if j["summary"]["gaps"] < 3:
            fail("summary: %s" % j["summary"])
        mine_failed = [n for n in (a, bsec, own) if n and n["status"] != "checked"]
        if mine_failed or r.returncode not in (0, 1, 3) or \
                (r.returncode == 3 and j["summary"]["failed"] == 0):
            fail("check --all-netns exit %d, %s" % (r.returncode, j["summary"]))

        t = run(binary, ["check", "--all-netns", "--sample", "0"])
        for want in ("=== network namespace", ": tt-a (/run/netns/tt-a", "\nsummary\n",
                     "host tuning that does not reach these namespaces",
                     "tt-a: net.ipv4.tcp_tw_reuse = 0 here; the host's sysctl.d sets 1",
                     "fix: ip netns exec tt-a sysctl -w net.ipv4.tcp_tw_reuse=1"):
            if want not in t.stdout:
                fail("check --all-netns text lacks %r" % want)
        ours = [l for l in t.stdout.splitlines() if l.startswith("=== network namespace") and
                ("tt-a" in l or ":%d," % b_ino in l or ":%d," % own_ino in l or "initial" in l)]
        print("\n".join(ours))
        print(t.stdout[t.stdout.find("\nsummary\n"):])
        if t.returncode not in (1, 3):
            fail("check --all-netns with gaps exits %d (want 1)" % t.returncode)

        s = run(binary, ["sockets", "--all-netns", "--sample", "0", "--format", "json"])
        try:
            sj = json.loads(s.stdout)
        except ValueError:
            return fail("sockets --all-netns: no JSON (exit %d): %s" % (s.returncode, s.stderr))
        sa = section(sj.get("namespaces", []), lambda n: n["id"].endswith(":%d" % a_ino),
                     "sockets tt-a")
        if sa:
            ports = [p for p in (sa.get("report") or {}).get("server_ports", [])
                     if p["port"] == 7001]
            if (sa.get("report") or {}).get("schema") != "tcptune.sockets/1" or not ports or \
                    ports[0]["states"].get("ESTABLISHED") != 30:
                fail("sockets tt-a: port 7001 %s" % ports)
            if not gaps_of(sa):
                fail("sockets tt-a: no gaps")

        for cmd in ("check", "sockets"):
            pr = run(binary, [cmd, "--all-netns", "--sample", "0", "--format", "prometheus"])
            if pr.returncode not in (0, 1, 3) or 'netns="tt-a"' not in pr.stdout:
                fail("%s --all-netns prometheus: exit %d, no tt-a series" % (cmd, pr.returncode))
            if 'tcptune_netns_sysctl_gap{netns="tt-a",key="net.ipv4.tcp_tw_reuse",value="0",' \
                    'host_value="1"} 1' not in pr.stdout:
                fail("%s --all-netns prometheus: no tcp_tw_reuse gap series for tt-a" % cmd)
            if shutil.which("promtool"):
                pc = subprocess.run(["promtool", "check", "metrics"], input=pr.stdout, text=True,
                                    capture_output=True, timeout=60)
                if pc.returncode != 0 or pc.stdout.strip() or pc.stderr.strip():
                    fail("%s --all-netns: promtool: %s%s" % (cmd, pc.stdout, pc.stderr))
            else:
                print("  (promtool not installed: the Prometheus output is not linted)")

        for bad, why in ((["check", "--all-netns", "--netns", "tt-a"], "with --netns"),
                         (["sockets", "--all-netns", "--watch"], "with --watch"),
                         (["check", "--all-netns", "--format", "gcc"], "gcc"),
                         (["--root", "/tmp", "check", "--all-netns"], "with --root")):
            u = run(binary, bad)
            if u.returncode != 2 or "error" not in u.stderr:
                fail("%s: exit %d %s (want a usage error)" % (why, u.returncode, u.stderr))
        u = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary,
                            "sockets", "--all-netns"], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, NO_COLOR="1"))
        if u.returncode != 3 or "needs root" not in u.stderr:
            fail("--all-netns as uid 65534: exit %d %s (want 3, needs root)" % (u.returncode,
                                                                               u.stderr))
    finally:
        for p in helpers:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(timeout=10)
        subprocess.run(["ip", "netns", "del", "tt-a"], capture_output=True, timeout=30)


def main():
    binary = os.path.abspath(sys.argv[1])
    if len(sys.argv) > 4 and sys.argv[2] == "--inside":
        why = sandbox(int(sys.argv[3]), int(sys.argv[4]))
        if why:
            print("refusing: " + why)
            sys.exit(2)
        inside(binary)
        sys.exit(1 if FAILS else 0)
    if os.geteuid() != 0 or \
            subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True).returncode != 0:
        print("SKIP: cannot create mount and network namespaces here (unshare -m -n)")
        sys.exit(77)
    if subprocess.run(["ip", "-V"], capture_output=True).returncode != 0:
        print("SKIP: no ip(8) (iproute2) to name a namespace")
        sys.exit(77)
    r = subprocess.run(["unshare", "-m", "-n", sys.executable, os.path.abspath(__file__), binary,
                        "--inside", str(os.stat("/proc/self/ns/net").st_ino),
                        str(os.stat("/proc/self/ns/mnt").st_ino)], timeout=600)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
