#!/usr/bin/env python3
"""`ip netns exec X tcptune apply`: apply run inside a network namespace other than the initial
one changes that namespace's live values only, says so, shows the container/pod snippet, and
writes the host-wide sysctl.d fragment only with --persist; its rollback runs in the same
namespace and is refused from another.

  live_netns_apply_test.py TCPTUNE

Runs in new mount and network namespaces (unshare -m -n, / made rprivate) with tmpfs over every
sysctl.d directory that exists, /run and /var/lib, and an empty file over /etc/sysctl.conf; it
checks that before it starts and refuses otherwise, and checks afterwards that the host's
sysctl.d directories, journal and the profile's keys are as they were. Exit 77 when the
namespaces cannot be created.
"""
import json
import os
import subprocess
import sys

FAILS = []
SYSCTL_DIRS = ["/etc/sysctl.d", "/run/sysctl.d", "/usr/lib/sysctl.d", "/usr/local/lib/sysctl.d",
               "/lib/sysctl.d"]
PROFILE = "web"


def fail(msg):
    FAILS.append(msg)
    print("FAIL: " + msg, flush=True)


def ok(msg):
    print("ok: " + msg, flush=True)


def run(binary, *args, netns_new=False):
    argv = ([ "unshare", "-n"] if netns_new else []) + [binary] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, NO_COLOR="1"))


def read_key(key):
    with open("/proc/sys/" + key.replace(".", "/")) as f:
        return " ".join(f.read().split())


def host_state(keys):
    state = {}
    for k in keys:
        try:
            state[k] = read_key(k)
        except OSError as e:
            state[k] = "unreadable: %s" % e.strerror
    for d in SYSCTL_DIRS + ["/var/lib/tcptune"]:
        state[d] = sorted(os.listdir(d)) if os.path.isdir(d) else None
    return state


def mount_types():
    out = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            out[left.split()[4]] = right.split()[0]
    return out


def sandbox(caller_net, caller_mnt):
    if os.stat("/proc/self/ns/net").st_ino == caller_net or \
            os.stat("/proc/self/ns/mnt").st_ino == caller_mnt:
        return "not in new mount and network namespaces"
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    covered = [d for d in SYSCTL_DIRS + ["/run", "/var/lib"] if os.path.isdir(d)]
    for d in covered:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tcptune-netns-apply", d],
                       check=True)
    if os.path.exists("/etc/sysctl.conf"):
        with open("/run/empty-sysctl.conf", "w"):
            pass
        subprocess.run(["mount", "--bind", "/run/empty-sysctl.conf", "/etc/sysctl.conf"],
                       check=True)
    types = mount_types()
    for d in covered:
        if types.get(os.path.realpath(d)) != "tmpfs":
            return "%s is not covered by a tmpfs" % d
    if os.path.exists("/etc/sysctl.conf") and os.path.getsize("/etc/sysctl.conf") != 0:
        return "/etc/sysctl.conf is not covered"
    for d in SYSCTL_DIRS:
        if os.path.isdir(d) and os.listdir(d):
            return "%s is not empty" % d
    return None


def fragments():
    return {d: os.listdir(d) for d in SYSCTL_DIRS if os.path.isdir(d) and os.listdir(d)}


def inside(binary):
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    here = os.stat("/proc/self/ns/net")
    here_id = "%d:%d" % (here.st_dev, here.st_ino)
    dry = run(binary, "apply", "--profile", PROFILE, "--dry-run", "--format", "json")
    try:
        plan = json.loads(dry.stdout)
    except ValueError:
        return fail("apply --dry-run: no JSON (exit %d): %s" % (dry.returncode, dry.stderr))
    changes = [c for c in plan.get("changes", []) if c.get("target") is not None]
    if dry.returncode != 1 or not changes:
        return fail("apply --dry-run: exit %d, %d changes (want 1 and some)" %
                    (dry.returncode, len(changes)))
    if plan.get("mode") != "live-only" or plan.get("netns") != here_id:
        fail("apply --dry-run: mode %s netns %s (want live-only, %s)" %
             (plan.get("mode"), plan.get("netns"), here_id))
    text = run(binary, "apply", "--profile", PROFILE, "--dry-run").stdout
    for want in ("live values only: tcptune runs in network namespace " + here_id,
                 "not the initial one", "--persist writes it anyway", "securityContext",
                 "docker run --sysctl "):
        if want not in text:
            fail("apply --dry-run text lacks %r:\n%s" % (want, text))
    if "fragment that would be written" in text:
        fail("apply --dry-run would write a fragment:\n%s" % text)
    else:
        ok("apply --dry-run in a non-initial namespace: live-only, said, with the snippets")

    before = {c["key"]: read_key(c["key"]) for c in changes}
    a = run(binary, "apply", "--profile", PROFILE, "--format", "json")
    try:
        aj = json.loads(a.stdout)
    except ValueError:
        return fail("apply: no JSON (exit %d): %s" % (a.returncode, a.stderr))
    if a.returncode != 0 or aj.get("result") != "committed":
        return fail("apply: exit %d result %s: %s" % (a.returncode, aj.get("result"), a.stderr))
    if fragments():
        fail("apply wrote sysctl.d files: %s" % fragments())
    missed = [c["key"] for c in changes if c.get("op") == "=" and
              read_key(c["key"]) != " ".join(c["target"].split())]
    if missed:
        fail("apply: live values not at target: %s" % missed)
    else:
        ok("apply: %d live values changed in the namespace, no fragment" % len(changes))

    for args, want in ((["--persist-only"], "--persist"), (["--fragment",
                                                            "/etc/sysctl.d/50-x.conf"],
                                                           "--persist"),
                       (["--persist", "--live-only"], "exclude")):
        r = run(binary, "apply", "--profile", PROFILE, *args)
        if r.returncode != 2 or want not in r.stderr:
            fail("apply %s: exit %d %s (want 2 naming %s)" % (args, r.returncode, r.stderr, want))
    if fragments():
        fail("a refused apply wrote sysctl.d files: %s" % fragments())

    other = run(binary, "rollback", netns_new=True)
    if other.returncode != 3 or "run the rollback there" not in other.stderr:
        fail("rollback from another namespace: exit %d %s (want 3)" % (other.returncode,
                                                                       other.stderr))
    else:
        ok("rollback from another namespace: refused, exit 3")
    rb = run(binary, "rollback")
    after = {k: read_key(k) for k in before}
    if rb.returncode != 0 or after != before:
        fail("rollback: exit %d, values %s (want %s): %s" % (rb.returncode, after, before,
                                                              rb.stderr))
    else:
        ok("rollback in the namespace restored %d values" % len(before))

    p = run(binary, "apply", "--profile", PROFILE, "--persist", "--dry-run")
    if "fragment that would be written to /etc/sysctl.d/99-tcptune.conf" not in p.stdout:
        fail("apply --persist --dry-run does not plan the fragment:\n%s" % p.stdout)
    else:
        ok("apply --persist --dry-run plans the fragment")


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
    keys = ["net.core.somaxconn", "net.ipv4.tcp_max_syn_backlog", "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_tw_reuse", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_time"]
    state = host_state(keys)
    r = subprocess.run(["unshare", "-m", "-n", sys.executable, os.path.abspath(__file__), binary,
                        "--inside", str(os.stat("/proc/self/ns/net").st_ino),
                        str(os.stat("/proc/self/ns/mnt").st_ino)], timeout=600)
    if host_state(keys) != state:
        print("FAIL: HOST STATE CHANGED: %s -> %s" % (state, host_state(keys)))
        sys.exit(1)
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
