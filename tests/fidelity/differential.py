#!/usr/bin/env python3
"""Differential test: tcptune's model of what a boot applies against the real programs.

    differential.py TCPTUNE TESTS_DIR [--report FILE] [--seed N] [--trees N] [--all-keys]
    differential.py --self-test          (the safety checks against trees and places they refuse)

--seed and --trees pick the generated trees (default 16 and 60, what CI runs); other seeds find
other spellings and orders. --all-keys replaces all trees with nine, one per value (0 1 -1 65536
2147483648 abc 1;x "7 8" "3 2 1"), each setting every writable net.* key of a fresh namespace:
a probe of the kernel's handlers, reported only (it never fails on agreement; see the kinds of
keys it still gets wrong in tools/catalog/README.md).

For every tree (hand-written cases in cases.py, then generated ones) and both semantics, the real
program -- /lib/systemd/systemd-sysctl, or `sysctl --system` of procps -- is run, and the values
it leaves under /proc/sys/net are compared with `tcptune --root COPY config --format json`.

Safety first: both programs APPLY what they read. They run only
  * inside a new mount namespace (`unshare -m`, then `mount --make-rprivate /`) where a tmpfs of
    this test covers every sysctl.d directory (/etc/sysctl.d /run/sysctl.d /usr/lib/sysctl.d
    /usr/local/lib/sysctl.d /lib/sysctl.d, each resolved: /lib is /usr/lib on merged-/usr) and
    /etc/sysctl.conf is bound from that tmpfs, and
  * inside a new network namespace (one per run: `unshare -n`), and
  * over trees whose every assignment, however a program splits lines and keys, names a path
    under /proc/sys/net (net.* keys are private to a network namespace; nothing else is).
`check_place()` and `check_tree()` verify all of that immediately before each program runs and
refuse otherwise (exit 3). `--self-test` shows that they refuse. Exit 77 when the machine cannot
create the namespaces. The test fails when agreement is under 99.5 % for either semantics, on
the keys' values or on the programs' exit statuses (per tree).
"""

import concurrent.futures
import fnmatch
import json
import os
import posixpath
import random
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

SYSCTL_DIRS = ["/etc/sysctl.d", "/run/sysctl.d", "/usr/lib/sysctl.d", "/usr/local/lib/sysctl.d",
               "/lib/sysctl.d"]
SYSCTL_CONF = "/etc/sysctl.conf"
TMPFS_SOURCE = "tcptune-fidelity"
SYSTEMD_SYSCTL = "/lib/systemd/systemd-sysctl"
PROCPS_SYSCTL = "/usr/sbin/sysctl" if os.path.exists("/usr/sbin/sysctl") else "/sbin/sysctl"
THRESHOLD = 99.5
# The entries at the top of /proc/sys (all directories), whatever this machine has.
TOP_ENTRIES = sorted(set(os.listdir("/proc/sys")) | {"abi", "crypto", "debug", "dev", "fs", "kernel",
                                                     "net", "user", "vm"})


class Refused(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# The safety checks.

def key_targets(raw):
    """Every /proc/sys path a program could derive from a written key (all separator readings,
    '..' resolved, leading '/' and dashes stripped)."""
    k = raw.strip().lstrip("-").strip()
    if not k:
        return []
    readings = {k, k.replace(".", "/")}
    first = min([i for i in (k.find("."), k.find("/")) if i >= 0], default=-1)
    if first >= 0 and k[first] == ".":
        readings.add(k.translate(str.maketrans("./", "/.")))
    return [posixpath.normpath("/" + r.lstrip("/")) for r in readings]


def check_tree_text(name, data):
    """Refuses unless every possible assignment in `data` (bytes) stays under /proc/sys/net."""
    text = data.decode("latin-1")
    for sep in ("\r", "\0"):
        text = text.replace(sep, "\n")
    for n, line in enumerate(text.split("\n"), 1):
        s = line.strip()
        if not s or s[0] in "#;":
            continue
        if "=" in line[4000:]:
            # A program reading fixed-size chunks could see the text after a cut as a line
            # of its own: no '=' may follow the first 4000 bytes.
            raise Refused(f"{name}: segment {n}: a '=' after byte 4000 of a long line")
        if "=" not in s:
            continue  # not an assignment: neither program writes anything for it
        key = s.split("=", 1)[0]
        for t in key_targets(key):
            # A single component names an entry at the top of /proc/sys: all are directories.
            # (a glob there must match none of them but net, a directory too)
            top_entry = t.count("/") == 1 and not any(
                fnmatch.fnmatchcase(name, t[1:]) for name in TOP_ENTRIES if name != "net")
            if not ((t.startswith("/net/") and len(t) > 5) or top_entry):
                raise Refused(f"{name}: segment {n}: key {key.strip()!r} may name {t!r}, "
                              "outside /proc/sys/net")


def check_tree(tree):
    """A tree: {"etc/sysctl.d/a.conf": bytes|str | ("link", target) | ("dir",)}."""
    allowed = [d.lstrip("/") + "/" for d in SYSCTL_DIRS]
    for path, body in tree.items():
        if path != SYSCTL_CONF.lstrip("/") and not any(
                path.startswith(d) and "/" not in path[len(d):] for d in allowed):
            raise Refused(f"tree file {path!r} is not directly in a sysctl.d directory")
        if isinstance(body, tuple):
            if body[0] == "link":
                tgt = body[1]
                same_dir = "/" not in tgt and tgt not in ("", ".", "..")
                if not (same_dir or tgt in ("/dev/null", "../sysctl.conf")
                        or tgt.startswith("/nonexistent/")):
                    raise Refused(f"tree link {path!r} -> {tgt!r} may leave the tree")
            continue
        data = body.encode() if isinstance(body, str) else body
        check_tree_text(path, data)


def mount_table():
    """st_dev -> (fstype, source) from /proc/self/mountinfo."""
    table = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            major, minor = (int(x) for x in left.split()[2].split(":"))
            fstype, source = right.split()[:2]
            table[os.makedev(major, minor)] = (fstype, source)
    return table


def ns_inode(pid, kind):
    return os.stat(f"/proc/{pid}/ns/{kind}").st_ino


def host_namespaces():
    """The namespaces the test was started in (recorded by the outer process before it creates
    any), and those of PID 1 when this process may look at them."""
    refs = {"mnt": set(), "net": set()}
    env = os.environ.get("TCPTUNE_FIDELITY_HOST_NS", "")
    for item in env.split(","):
        if ":" in item:
            kind, ino = item.split(":")
            refs[kind].add(int(ino))
    for kind in refs:
        try:
            refs[kind].add(ns_inode(1, kind))
        except OSError:
            pass
        if not refs[kind]:
            raise Refused(f"cannot tell which {kind} namespace is the host's "
                          "(TCPTUNE_FIDELITY_HOST_NS unset and /proc/1/ns unreadable)")
    return refs


def check_place(need_netns=True):
    """Refuses unless this process is in a new mount namespace (and a new network namespace),
    every sysctl.d directory and /etc/sysctl.conf are on this test's tmpfs, and every link in
    them stays on it (or is /dev/null, or dangles)."""
    refs = host_namespaces()
    if ns_inode("self", "mnt") in refs["mnt"]:
        raise Refused("not in a new mount namespace")
    if need_netns and ns_inode("self", "net") in refs["net"]:
        raise Refused("not in a new network namespace")
    mounts = mount_table()
    ours = {dev for dev, (fs, src) in mounts.items() if fs == "tmpfs" and src == TMPFS_SOURCE}
    for p in SYSCTL_DIRS + [SYSCTL_CONF]:
        try:
            st = os.stat(p)
        except FileNotFoundError:
            raise Refused(f"{p} does not exist (it must be this test's)")
        if st.st_dev not in ours:
            raise Refused(f"{p} is not on this test's tmpfs")
        if p != SYSCTL_CONF:
            for name in os.listdir(p):
                q = os.path.join(p, name)
                if os.path.islink(q):
                    real = os.path.realpath(q)
                    if real == "/dev/null" or not os.path.lexists(real):
                        continue
                    if os.stat(real).st_dev not in ours:
                        raise Refused(f"{q} links to {real}, outside this test's tmpfs")


# ---------------------------------------------------------------------------------------------
# Inside the mount namespace.

def setup_mounts(scratch):
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    for d in SYSCTL_DIRS:
        real = os.path.realpath(d)
        if os.path.isdir(real):
            subprocess.run(["mount", "-t", "tmpfs", TMPFS_SOURCE, real], check=True)
            continue
        # The directory does not exist: cover its parent (never create anything on the host).
        parent = os.path.dirname(real)
        if not any(os.stat(parent).st_dev == dev for dev in [
                dev for dev, (fs, src) in mount_table().items() if src == TMPFS_SOURCE]):
            subprocess.run(["mount", "-t", "tmpfs", TMPFS_SOURCE, parent], check=True)
        os.makedirs(real, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", TMPFS_SOURCE, scratch], check=True)
    conf = os.path.join(scratch, "sysctl.conf")
    open(conf, "w").close()
    if not os.path.exists(SYSCTL_CONF):
        raise Refused(f"{SYSCTL_CONF} does not exist: nothing to bind over without creating it")
    subprocess.run(["mount", "--bind", conf, SYSCTL_CONF], check=True)


def clear_place():
    for d in SYSCTL_DIRS:
        real = os.path.realpath(d)
        for name in os.listdir(real):
            q = os.path.join(real, name)
            if os.path.isdir(q) and not os.path.islink(q):
                shutil.rmtree(q)
            else:
                os.unlink(q)
    with open(SYSCTL_CONF, "w"):
        pass


def write_tree(tree, base="/"):
    for path, body in tree.items():
        full = os.path.join(base, path)
        if full == os.path.join(base, SYSCTL_CONF.lstrip("/")):
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(body.encode() if isinstance(body, str) else body)
            continue
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if isinstance(body, tuple):
            if body[0] == "link":
                os.symlink(body[1], full)
            else:
                os.makedirs(full, exist_ok=True)
            continue
        with open(full, "wb") as f:
            f.write(body.encode() if isinstance(body, str) else body)


def dump_net(with_modes=True):
    values = {}
    modes = {}
    for dirpath, _, files in os.walk("/proc/sys/net"):
        for name in files:
            p = os.path.join(dirpath, name)
            rel = p[len("/proc/sys/"):]
            # One lookup of the path (the costly part in /proc/sys), the mode from the open file.
            try:
                fd = os.open(p, os.O_RDONLY)
            except OSError:
                if with_modes:  # e.g. write-only: the mode still counts
                    try:
                        modes[rel] = stat.S_IMODE(os.stat(p).st_mode)
                    except OSError:
                        pass
                continue
            try:
                if with_modes:
                    modes[rel] = stat.S_IMODE(os.fstat(fd).st_mode)
                values[rel] = os.read(fd, 65536).decode("latin-1")
            except OSError:
                values.pop(rel, None)
            finally:
                os.close(fd)
    return values, modes


def run_one(semantics, out):
    """In the new network namespace: the checks, then interfaces, then the real program."""
    check_place()
    subprocess.run(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"],
                   check=True, stderr=subprocess.DEVNULL)
    before, modes = dump_net()
    check_place()
    cmd = [SYSTEMD_SYSCTL] if semantics == "systemd" else [PROCPS_SYSCTL, "--system"]
    p = subprocess.run(cmd, capture_output=True, timeout=30)
    after, _ = dump_net(with_modes=False)
    with open(out, "w") as f:
        json.dump({"before": before, "after": after, "modes": modes, "rc": p.returncode,
                   "stderr": p.stderr.decode("latin-1")[-4000:]}, f)


def inner(trees_file, results_dir):
    with open(trees_file) as f:
        trees = json.load(f)
    # In the outer run's work directory, which it removes: not in the host's /tmp, where nothing
    # would remove it (its tmpfs is mounted in this namespace only).
    scratch = tempfile.mkdtemp(prefix="scratch.", dir=os.path.dirname(results_dir))
    setup_mounts(scratch)
    check_place(need_netns=False)
    for i, t in enumerate(trees):
        tree = decode_tree(t["tree"])
        check_tree(tree)
        for sem in ("systemd", "procps"):
            clear_place()
            write_tree(tree)
            check_place(need_netns=False)
            out = os.path.join(results_dir, f"{i}-{sem}.json")
            subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__),
                            "--run-one", sem, out], check=True, timeout=60)


# ---------------------------------------------------------------------------------------------
# Trees travel as JSON: bytes as latin-1 strings.

def encode_tree(tree):
    out = {}
    for k, v in tree.items():
        if isinstance(v, tuple):
            out[k] = list(v)
        else:
            out[k] = {"b": (v.encode() if isinstance(v, str) else v).decode("latin-1")}
    return out


def decode_tree(t):
    return {k: (tuple(v) if isinstance(v, list) else v["b"].encode("latin-1"))
            for k, v in t.items()}


def norm(v):
    return " ".join(v.split())


def compare(tree_name, sem, real, model):
    """Per key: the real value after the program against the model's value at boot (or the
    value before when the model says nothing is written)."""
    before, after = real["before"], real["after"]
    predicted = {k["path"]: k["value"] for k in model.get("keys", []) if k.get("value") is not None}
    keys = {k for k in after if after[k] != before.get(k)} | set(predicted)
    keys = {k for k in keys if k in after}
    diffs = []
    for k in sorted(keys):
        want = predicted.get(k, before.get(k, ""))
        if norm(want) != norm(after[k]):
            diffs.append({"tree": tree_name, "semantics": sem, "path": k,
                          "real": norm(after[k]), "model": norm(want),
                          "before": norm(before.get(k, ""))})
    return len(keys), diffs


def snapshot_root(root, real):
    for rel, val in real["before"].items():
        p = os.path.join(root, "proc/sys", rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="latin-1") as f:
            f.write(val)
        os.chmod(p, real["modes"].get(rel, 0o644))
    os.makedirs(os.path.join(root, "proc/sys/kernel"), exist_ok=True)
    with open(os.path.join(root, "proc/sys/kernel/osrelease"), "w") as f:
        f.write(os.uname().release + "\n")


def main(argv):
    tcptune = os.path.realpath(argv[1])
    report = None
    if "--report" in argv:
        report = argv[argv.index("--report") + 1]
    if os.geteuid() != 0:
        print("SKIP: needs root (mount and network namespaces)")
        return 77
    for tool in (SYSTEMD_SYSCTL, PROCPS_SYSCTL):
        if not os.path.exists(tool):
            print(f"SKIP: {tool} not installed")
            return 77
    if subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True).returncode != 0:
        print("SKIP: cannot create mount and network namespaces (unshare -m -n)")
        return 77
    if subprocess.run(["unshare", "-n", "ip", "link", "add", "eth0", "type", "veth", "peer",
                       "name", "eth1"], capture_output=True).returncode != 0:
        print("SKIP: cannot create a veth pair in a network namespace")
        return 77
    import cases

    def opt(name, default):
        return argv[argv.index(name) + 1] if name in argv else default

    all_keys = "--all-keys" in argv
    if all_keys:
        trees = cases.all_keys()
    else:
        trees = cases.hand_written() + cases.generated(random.Random(int(opt("--seed", "16"))),
                                                       int(opt("--trees", "60")))
    for t in trees:
        check_tree(t["tree"])
    work = tempfile.mkdtemp(prefix="tcptune-fidelity.")
    try:
        tf = os.path.join(work, "trees.json")
        with open(tf, "w") as f:
            json.dump([{"name": t["name"], "tree": encode_tree(t["tree"])} for t in trees], f)
        res = os.path.join(work, "results")
        os.mkdir(res)
        p = subprocess.run(["unshare", "-m", "-n", "--propagation", "private", sys.executable,
                            os.path.abspath(__file__), "--inner", tf, res], timeout=600)
        if p.returncode != 0:
            print(f"FAIL: the namespace part exited {p.returncode}")
            return 1
        totals = {"systemd": [0, 0], "procps": [0, 0]}
        rc_total = {"systemd": [0, 0], "procps": [0, 0]}
        rc_diffs = []
        all_diffs = []
        lint_total = {"systemd": [0, 0], "procps": [0, 0]}
        lint_diffs = []
        # Each tree's snapshot is written first, then tcptune runs over all of them, a few at a
        # time (the runs are independent: each reads its own --root), then the comparison goes
        # in order.
        jobs = []
        for i, t in enumerate(trees):
            for sem in ("systemd", "procps"):
                with open(os.path.join(res, f"{i}-{sem}.json")) as f:
                    real = json.load(f)
                root = os.path.join(work, f"root-{i}-{sem}")
                write_tree(t["tree"], root)
                snapshot_root(root, real)
                jobs.append((t, sem, real, root))

        def run_tcptune(job):
            _, sem, _, root = job
            return [subprocess.run([tcptune, "--root", root, command, "--semantics", sem,
                                    "--format", "json"], capture_output=True, text=True)
                    for command in ("config", "lint")]

        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            outputs = list(pool.map(run_tcptune, jobs))
        for (t, sem, real, root), (q, q_lint) in zip(jobs, outputs):
            try:
                model = json.loads(q.stdout)
            except json.JSONDecodeError:
                print(f"FAIL: {t['name']} {sem}: tcptune config exit {q.returncode}: "
                      f"{q.stderr.strip()[:300]}")
                model = {"keys": []}
            n, diffs = compare(t["name"], sem, real, model)
            # lint's effective values at boot (live mode over the same snapshot) must agree
            # with the program too.
            q = q_lint
            try:
                eff = json.loads(q.stdout).get("effective", [])
            except json.JSONDecodeError:
                print(f"FAIL: {t['name']} {sem}: tcptune lint exit {q.returncode}: "
                      f"{q.stderr.strip()[:300]}")
                eff = [{"key": "?", "value_at_boot": "?"}]
            for e in eff:
                path = e["key"].replace(".", "/")
                if e.get("value_at_boot") is None and path not in real["after"]:
                    continue  # no such key: neither has a value
                lint_total[sem][0] += 1
                got = norm(e.get("value_at_boot") or "")
                if path in real["after"] and got == norm(real["after"][path]):
                    lint_total[sem][1] += 1
                else:
                    lint_diffs.append(f"{t['name']} [{sem}] {e['key']}: real "
                                      f"{norm(real['after'].get(path, '(none)'))!r}, lint "
                                      f"value_at_boot {got!r}")
            rc_total[sem][0] += 1
            if model.get("exit_status") == real["rc"]:
                rc_total[sem][1] += 1
            else:
                rc_diffs.append(f"{t['name']} [{sem}]: real exit {real['rc']}, tcptune says "
                                f"{model.get('exit_status')}; stderr: "
                                f"{real['stderr'].strip()[-300:]!r}")
            totals[sem][0] += n
            totals[sem][1] += n - len(diffs)
            all_diffs += diffs
            shutil.rmtree(root)
        ok = True
        for sem, (n, agree) in totals.items():
            pct = 100.0 * agree / n if n else 100.0
            print(f"{sem}: {agree}/{n} keys agree ({pct:.2f} %)")
            ok = ok and pct >= THRESHOLD
        for sem, (n, agree) in rc_total.items():
            pct = 100.0 * agree / n if n else 100.0
            print(f"{sem}: exit status agrees on {agree}/{n} trees ({pct:.2f} %)")
            ok = ok and pct >= THRESHOLD
        for sem, (n, agree) in lint_total.items():
            pct = 100.0 * agree / n if n else 100.0
            print(f"{sem}: lint's value_at_boot agrees on {agree}/{n} keys ({pct:.2f} %)")
            ok = ok and pct >= THRESHOLD and n > 0
        for d in rc_diffs:
            print(f"  exit status differs: {d}")
        for d in lint_diffs:
            print(f"  lint differs: {d}")
        for d in all_diffs:
            print(f"  differs: {d['tree']} [{d['semantics']}] {d['path']}: real {d['real']!r}, "
                  f"tcptune {d['model']!r} (before {d['before']!r})")
        if report:
            with open(report, "w") as f:
                json.dump({"totals": totals, "differences": all_diffs}, f, indent=1)
        return 0 if ok or all_keys else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def self_test():
    """The safety checks refuse what they must (run outside any namespace)."""
    bad = [
        {"etc/sysctl.d/a.conf": "kernel.pid_max = 1\n"},
        {"etc/sysctl.d/a.conf": "net.ipv4.tcp_fin_timeout = 1\rkernel.x = 1\n"},
        {"etc/sysctl.d/a.conf": b"net.core.somaxconn = 1\0vm.swappiness = 1\n"},
        {"etc/sysctl.d/a.conf": "net/../kernel/pid_max = 1\n"},
        {"etc/sysctl.d/a.conf": "*.x = 1\n"},
        {"etc/sysctl.d/a.conf": "- fs.file-max = 1\n"},
        {"etc/sysctl.d/a.conf": "/kernel/x = 1\n"},
        {"etc/sysctl.d/a.conf": "n*t.x = 1\n"},
        {"etc/sysctl.d/a.conf": "* = 1\n"},
        {"etc/sysctl.d/a.conf": ("link", "/etc/hosts")},
        {"etc/sysctl.d/a.conf": "net.core.somaxconn = " + " " * 5000 + "kernel.pid_max=1\n"},
        {"etc/other/a.conf": "net.core.somaxconn = 1\n"},
        {"etc/sysctl.d/../x.conf": "net.core.somaxconn = 1\n"},
    ]
    good = [
        {"etc/sysctl.d/a.conf": "net.ipv4.tcp_fin_timeout = 1\n# kernel.x = 1\n"},
        {"etc/sysctl.d/a.conf": "/net/ipv4/tcp_fin_timeout = 1\nnet/ipv4/../core/somaxconn=5\n"},
        {"etc/sysctl.d/a.conf": ("link", "/dev/null"), "etc/sysctl.conf": "net.core.x=1\n"},
    ]
    failures = 0
    for t in bad:
        try:
            check_tree(t)
            print(f"FAIL: check_tree accepted {t!r}")
            failures += 1
        except Refused as e:
            print(f"ok: refused: {e}")
    for t in good:
        try:
            check_tree(t)
        except Refused as e:
            print(f"FAIL: check_tree refused a safe tree: {e}")
            failures += 1
    # This process is in the host's namespaces: the place check must refuse.
    try:
        check_place()
        print("FAIL: check_place accepted the host's own namespaces")
        failures += 1
    except Refused as e:
        print(f"ok: refused: {e}")
    # A new mount and network namespace without the tmpfs mounts: refused too.
    p = subprocess.run(["unshare", "-m", "-n", sys.executable, "-c",
                        "import sys; sys.path.insert(0, %r); import differential as d\n"
                        "try:\n d.check_place(); print('accepted')\n"
                        "except d.Refused as e: print('refused:', e)" % HERE],
                       capture_output=True, text=True)
    if not p.stdout.startswith("refused"):
        print(f"FAIL: check_place in bare namespaces: {p.stdout}{p.stderr}")
        failures += 1
    else:
        print(f"ok: {p.stdout.strip()}")
    return 1 if failures else 0


if __name__ == "__main__":
    if "TCPTUNE_FIDELITY_HOST_NS" not in os.environ and sys.argv[1] not in ("--inner",
                                                                              "--run-one"):
        os.environ["TCPTUNE_FIDELITY_HOST_NS"] = (f"mnt:{ns_inode('self', 'mnt')},"
                                                  f"net:{ns_inode('self', 'net')}")
    try:
        if sys.argv[1] == "--self-test":
            sys.exit(self_test())
        if sys.argv[1] == "--inner":
            inner(sys.argv[2], sys.argv[3])
            sys.exit(0)
        if sys.argv[1] == "--run-one":
            run_one(sys.argv[2], sys.argv[3])
            sys.exit(0)
        sys.exit(main(sys.argv))
    except Refused as e:
        print(f"REFUSED: {e}", file=sys.stderr)
        sys.exit(3)
