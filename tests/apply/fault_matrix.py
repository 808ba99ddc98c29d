#!/usr/bin/env python3
"""Fault-injection matrix for the `tcptune apply` transaction, `tcptune rollback` and history.

    fault_matrix.py TCPTUNE_BIN TESTS_DIR

Every case runs the real binary on a fresh copy of a generated fixture root
(tests/fixtures/check/make_fixtures.py: idle-default, blog-sysctl-conf), always with
`--root COPY`, where proc/sys is made of plain files. Before each faulted run the test takes a
snapshot of the root (every file under proc/sys, the sysctl.d directories, etc/sysctl.conf, the
bytes of the journal files already in var/lib/tcptune); after the fault (and the
`tcptune rollback` that a crash or an incomplete rollback calls for) the snapshot must be equal
byte for byte, and the new journal entry must be in state "rolled-back".

Fault points (the implementation reads them from the environment):

    TCPTUNE_FAULT=<point>[:<n>][,<point>[:<n>]...]
    TCPTUNE_FAULT_ACTION=fail|crash|stall       (default fail; one action for every point)
    TCPTUNE_FAULT_STALL_SECONDS=S               (stall only; default 5)

    journal      after the pending journal entry has been written (var/lib/tcptune/<ID>.json)
    edit:N       after the N-th file edited (or mask created) by `apply --fix-files` is renamed
                 into place (the edits come before the fragment)
    fragment     after the new fragment has been renamed into place
    live:N       after the N-th live write (N defaults to 1; "live:last" in this file means
                 N = the number of live writes in the plan, computed from `apply --dry-run`)
    readback:N   the N-th read-back of a live value; fail = reported as a mismatch
    commit       just before the journal entry is marked committed
    rollback:N   the N-th restore step of a rollback: the live restores in reverse order, then
                 the fragment restore (so with L live writes done, step L+1 is the fragment),
                 then the --fix-files files in reverse order (a mask removed, a file restored).
                 Counts both inside a failed apply and in the `tcptune rollback` command.

    fail   the step reports an error: a forward point makes apply roll back and exit 4 (journal
           "rolled-back"); a rollback point makes the rollback incomplete: exit 5, journal
           "rollback-failed", and a later `tcptune rollback` (no ID) finishes it with exit 0.
    crash  _exit(99) at once, as kill -9 would: the journal entry stays "pending", every later
           command warns about it on stderr, apply refuses (exit 3), `tcptune rollback`
           restores it (exit 0).
    stall  sleep S seconds at that point, then go on normally (used for the lock cases).

Besides the matrix: --dry-run writes nothing; a committed apply and its rollback; nothing to
do; rollback refusals (live value changed since, fragment changed since) and --force; corrupt
and truncated journal files; a symlinked fragment; a fragment tcptune did not write;
--fragment validation; precedence refusals (blog-sysctl-conf, a later sysctl.d file) and
--allow-shadowed; --live-only / --persist-only; users' profiles; the lock; history.

Safety: run as root, the script re-runs itself inside `unshare -m -n` with tmpfs over /run,
/etc/sysctl.d and /var/lib, so that even an implementation that ignored --root could not touch
the host; afterwards it checks that the host's values of every key the shipped profiles set
did not change. Prints "N cases passed" and the failures; exits 1 on any failure.
"""

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib

if len(sys.argv) != 3:
    sys.exit("usage: fault_matrix.py TCPTUNE_BIN TESTS_DIR")
SOURCE_BIN = BIN = os.path.realpath(sys.argv[1])
TESTS = os.path.realpath(sys.argv[2])
SRC = os.path.dirname(TESTS)
DATA_DIR = os.environ.get("TCPTUNE_DATA_DIR") or SRC
PROFILE_DIR = os.path.join(DATA_DIR, "profiles")
CMD_TIMEOUT = 30
SANDBOX_ENV = "TCPTUNE_FAULT_MATRIX_SANDBOXED"


# ------------------------------------------------------------------------------------------
# The sandbox: run ourselves in a private mount and network namespace when we are root.

def profile_keys():
    keys = set()
    for name in sorted(os.listdir(PROFILE_DIR)):
        if name.endswith(".toml"):
            with open(os.path.join(PROFILE_DIR, name), "rb") as f:
                for s in tomllib.load(f).get("setting", []):
                    keys.add(s["key"])
    return sorted(keys)


def host_state():
    state = {}
    for key in profile_keys():
        path = "/proc/sys/" + key.replace(".", "/")
        try:
            with open(path, "rb") as f:
                state[path] = f.read()
        except OSError as e:
            state[path] = "unreadable: %s" % e.strerror
    for d in ("/etc/sysctl.d", "/run/sysctl.d", "/var/lib/tcptune"):
        state[d] = sorted(os.listdir(d)) if os.path.isdir(d) else None
    state["/run/tcptune.lock"] = os.path.lexists("/run/tcptune.lock")
    return state


def sandboxed_rerun():
    """Return the exit status of this script re-run in the sandbox, or None to run here."""
    if os.environ.get(SANDBOX_ENV) or os.geteuid() != 0 or not shutil.which("unshare"):
        return None
    if subprocess.run(["unshare", "-m", "-n", "true"], capture_output=True).returncode != 0:
        print("note: cannot create mount+network namespaces; running with --root only")
        return None
    setup = ("set -e; mount --make-rprivate /; "
             "for d in /run /etc/sysctl.d /var/lib; do "
             "  if [ -d \"$d\" ]; then mount -t tmpfs -o mode=0755 tcptune-fault-matrix \"$d\"; fi; "
             "done; exec \"$@\"")
    before = host_state()
    print("running in a private mount and network namespace (tmpfs over /run, /etc/sysctl.d, /var/lib)")
    sys.stdout.flush()
    env = dict(os.environ)
    env[SANDBOX_ENV] = "1"
    rc = subprocess.run(["unshare", "-m", "-n", "sh", "-c", setup, "sh", sys.executable,
                         os.path.abspath(__file__), BIN, TESTS], env=env).returncode
    after = host_state()
    if after != before:
        for k in sorted(set(before) | set(after)):
            if before.get(k) != after.get(k):
                print("FAIL: HOST STATE CHANGED: %s: %r -> %r" % (k, before.get(k), after.get(k)))
        return 1
    return rc


# ------------------------------------------------------------------------------------------
# Running tcptune

class Failure(Exception):
    pass


BASE_ENV = {k: v for k, v in os.environ.items() if not k.startswith("TCPTUNE_FAULT")}
BASE_ENV.pop(SANDBOX_ENV, None)
BASE_ENV["NO_COLOR"] = "1"
BASE_ENV["TCPTUNE_DATA_DIR"] = DATA_DIR
SANITIZER_MARKS = ("runtime error:", "AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer")


class Result:
    def __init__(self, cmd, envdesc, rc, out, err):
        self.cmd, self.envdesc, self.rc, self.out, self.err = cmd, envdesc, rc, out, err

    @property
    def text(self):
        return self.out + self.err

    def show(self):
        def clip(s):
            s = s.rstrip("\n")
            return s if len(s) < 1500 else s[:1500] + "\n[...%d more chars]" % (len(s) - 1500)
        cmd = " ".join(self.cmd).replace(BIN, "tcptune")
        return ("    $ %s%s\n    exit %s\n    stdout: %s\n    stderr: %s"
                % (self.envdesc, cmd, self.rc, clip(self.out).replace("\n", "\n            "),
                   clip(self.err).replace("\n", "\n            ")))


def env_for(fault=None, action="fail", stall=None):
    env = dict(BASE_ENV)
    desc = ""
    if fault:
        env["TCPTUNE_FAULT"] = fault
        env["TCPTUNE_FAULT_ACTION"] = action
        desc = "TCPTUNE_FAULT=%s TCPTUNE_FAULT_ACTION=%s " % (fault, action)
        if stall is not None:
            env["TCPTUNE_FAULT_STALL_SECONDS"] = str(stall)
            desc += "TCPTUNE_FAULT_STALL_SECONDS=%s " % stall
    return env, desc


def tt(root, *args, fault=None, action="fail", data_dir=None):
    env, desc = env_for(fault, action)
    cmd = [BIN, "--root", root]
    if data_dir:
        cmd += ["--data-dir", data_dir]
    cmd += list(args)
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, timeout=CMD_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure("timed out after %d s: %s%s" % (CMD_TIMEOUT, desc, " ".join(cmd)))
    r = Result(cmd, desc, p.returncode, p.stdout.decode(errors="replace"),
               p.stderr.decode(errors="replace"))
    if r.rc < 0:
        raise Failure("killed by signal %d (%s)\n%s" % (-r.rc, signal.Signals(-r.rc).name, r.show()))
    for mark in SANITIZER_MARKS:
        if mark in r.err:
            raise Failure("sanitizer report\n" + r.show())
    return r


def expect(cond, what, result=None):
    if not cond:
        raise Failure(what + ("\n" + result.show() if result is not None else ""))


def expect_rc(result, want, what=""):
    wants = want if isinstance(want, (tuple, list, set)) else (want,)
    expect(result.rc in wants, "%sexpected exit %s, got %s" % (what + ": " if what else "",
                                                              "/".join(map(str, wants)), result.rc),
           result)


def parse_json(result, what):
    try:
        return json.loads(result.out)
    except ValueError as e:
        raise Failure("%s: stdout is not one JSON object (%s)\n%s" % (what, e, result.show()))


# ------------------------------------------------------------------------------------------
# Fixture roots and snapshots

WORK = None
TEMPLATES = None
CASE_DIRS = []


def fresh_root(scenario="idle-default"):
    d = tempfile.mkdtemp(prefix="case.", dir=WORK)
    CASE_DIRS.append(d)
    root = os.path.join(d, "root")
    shutil.copytree(os.path.join(TEMPLATES, scenario), root, symlinks=True)
    return root


TRACKED = ("proc/sys", "etc/sysctl.d", "run/sysctl.d", "usr/lib/sysctl.d", "usr/local/lib/sysctl.d",
           "lib/sysctl.d", "etc/sysctl.conf", "etc/tcptune")
JOURNAL_DIR = "var/lib/tcptune"
FRAGMENT = "etc/sysctl.d/99-tcptune.conf"


def entry(path):
    st = os.lstat(path)
    if os.path.islink(path):
        return ("symlink", os.readlink(path))
    if os.path.isdir(path):
        return ("dir", oct(st.st_mode & 0o7777))
    with open(path, "rb") as f:
        return ("file", oct(st.st_mode & 0o7777), f.read())


def snapshot(root):
    """{relative path: entry} of everything tcptune may touch, journal files apart."""
    snap = {}
    for top in TRACKED:
        base = os.path.join(root, top)
        if not os.path.lexists(base):
            continue
        snap[top] = entry(base)
        if os.path.isdir(base) and not os.path.islink(base):
            for dirpath, dirnames, filenames in os.walk(base):
                for n in dirnames + filenames:
                    p = os.path.join(dirpath, n)
                    snap[os.path.relpath(p, root)] = entry(p)
    return snap


def journals(root):
    d = os.path.join(root, JOURNAL_DIR)
    out = {}
    if os.path.isdir(d):
        for n in sorted(os.listdir(d)):
            with open(os.path.join(d, n), "rb") as f:
                out[n] = f.read()
    return out


def describe(e):
    if e is None:
        return "absent"
    if e[0] == "file":
        b = e[2]
        return "file %s %r" % (e[1], b if len(b) <= 80 else b[:80] + b"...")
    return "%s %s" % e


def norm(b):
    if isinstance(b, bytes):
        b = b.decode(errors="replace")
    return " ".join(str(b).split())


def diff(before, after, whitespace_only=None):
    """Lines describing every difference. With a list for whitespace_only, a proc/sys file that
    differs in whitespace only goes there instead (see expect_same)."""
    lines = []
    for k in sorted(set(before) | set(after)):
        a, b = before.get(k), after.get(k)
        if a != b:
            line = "      %s: before %s, after %s" % (k, describe(a), describe(b))
            if a and b and a[0] == b[0] == "file" and norm(a[2]) == norm(b[2]):
                if whitespace_only is not None and k.startswith("proc/sys/") and a[1] == b[1]:
                    whitespace_only.append(line.strip())
                    continue
                line += "  (equal after whitespace normalisation only)"
            lines.append(line)
    return lines


# A live value restored as the same value in another whitespace form (a tab-separated vector
# written back with spaces) makes no difference to the kernel, which reprints it its own way,
# but the fixture files keep what was written. The matrix asks for byte-exact restores; such
# differences are collected here and reported once, as their own failure, at the end, so that
# they do not hide the real differences in every case.
WHITESPACE_ONLY = {}


def expect_same(before, root, what):
    ws = []
    d = diff(before, snapshot(root), ws)
    for line in ws:
        WHITESPACE_ONLY.setdefault(line.split(":")[0], (line, what))
    expect(not d, "%s: the root differs from the snapshot taken before:\n%s" % (what, "\n".join(d)))


class Baseline:
    """The state of a root before an operation: snapshot and journal files."""

    def __init__(self, root):
        self.root = root
        self.snap = snapshot(root)
        self.journals = journals(root)

    def new_journals(self, what):
        now = journals(self.root)
        for n, b in self.journals.items():
            expect(now.get(n) == b, "%s: pre-existing journal file %s changed or vanished" % (what, n))
        return {n: b for n, b in now.items() if n not in self.journals}

    def one_new_journal(self, what):
        new = self.new_journals(what)
        stray = [n for n in new if not n.endswith(".json")]
        expect(not stray, "%s: stray files in %s: %s" % (what, JOURNAL_DIR, stray))
        expect(len(new) == 1, "%s: expected exactly one new journal entry, found %d: %s"
               % (what, len(new), sorted(new)))
        name = next(iter(new))
        return load_journal(self.root, name, what)

    def no_new_journal(self, what):
        new = self.new_journals(what)
        expect(not new, "%s: expected no new journal entry, found %s" % (what, sorted(new)))

    def same(self, what):
        expect_same(self.snap, self.root, what)


def load_journal(root, name, what):
    path = os.path.join(root, JOURNAL_DIR, name)
    try:
        with open(path, "rb") as f:
            j = json.loads(f.read())
    except ValueError as e:
        raise Failure("%s: journal %s is not JSON: %s" % (what, name, e))
    expect(isinstance(j, dict), "%s: journal %s is not an object" % (what, name))
    expect(j.get("schema") == "tcptune.journal/1", "%s: journal %s schema %r"
           % (what, name, j.get("schema")))
    expect(name == "%s.json" % j.get("id"), "%s: journal file %s holds id %r" % (what, name, j.get("id")))
    return j


def journal_state(root, jid):
    return load_journal(root, "%s.json" % jid, "journal %s" % jid).get("state")


def expect_state(root, jid, want, what):
    got = journal_state(root, jid)
    expect(got == want, "%s: journal %s state %r, expected %r" % (what, jid, got, want))


def live(root, key):
    with open(os.path.join(root, "proc/sys", key.replace(".", "/")), "rb") as f:
        return f.read()


def set_live(root, key, text):
    with open(os.path.join(root, "proc/sys", key.replace(".", "/")), "w") as f:
        f.write(text)


# ------------------------------------------------------------------------------------------
# Plans

def plan(root, profile, *extra, data_dir=None):
    """apply --dry-run --format json: (json, [live change dicts]); checks dry-run basics."""
    r = tt(root, "apply", "--profile", profile, "--dry-run", "--format", "json", *extra,
           data_dir=data_dir)
    expect_rc(r, (0, 1), "apply --dry-run")
    j = parse_json(r, "apply --dry-run --format json")
    changes = j.get("changes") or []
    lives = []
    for c in changes:
        is_live = c.get("live_change")
        if is_live is None:
            is_live = c.get("target") is not None and norm(c.get("current") or "") != norm(c["target"])
        if is_live:
            lives.append(c)
    return j, lives


def live_plan(root, profile, minimum=1):
    j, lives = plan(root, profile)
    expect(len(lives) >= minimum, "profile %s: the plan has %d live changes, the case needs %d: %s"
           % (profile, len(lives), minimum, [c.get("key") for c in lives]))
    return lives


def check_journal_keys(j, lives, what):
    keys = {k.get("key"): k for k in j.get("keys") or []}
    for c in lives:
        k = keys.get(c["key"])
        expect(k is not None, "%s: journal keys lack %s (has %s)" % (what, c["key"], sorted(keys)))
        expect(norm(k.get("before") or "") == norm(c.get("current") or ""),
               "%s: journal before of %s is %r, live was %r" % (what, c["key"], k.get("before"),
                                                                c.get("current")))
        expect(norm(k.get("target") or "") == norm(c["target"]),
               "%s: journal target of %s is %r, plan says %r" % (what, c["key"], k.get("target"),
                                                                 c["target"]))


def check_journal_fragment(j, previous, what):
    frag = j.get("fragment")
    expect(isinstance(frag, dict), "%s: journal has no fragment object" % what)
    expect(str(frag.get("path", "")).endswith("99-tcptune.conf"),
           "%s: journal fragment path %r" % (what, frag.get("path")))
    prev = frag.get("previous_base64", "missing")
    if previous is None:
        expect(prev is None, "%s: fragment was absent before, journal previous_base64 = %r" % (what, prev))
    else:
        expect(isinstance(prev, str) and base64.b64decode(prev) == previous,
               "%s: journal previous_base64 does not decode to the previous fragment bytes" % what)


# ------------------------------------------------------------------------------------------
# Cases

CASES = []


def case(name):
    def register(fn):
        CASES.append((name, fn))
        return fn
    return register


def prepare(scenario):
    """A fresh idle-default root; 'prev' = with a committed `apply --profile web` already."""
    root = fresh_root()
    previous = None
    if scenario == "prev":
        r = tt(root, "apply", "--profile", "web")
        expect_rc(r, 0, "setup: apply --profile web")
        with open(os.path.join(root, FRAGMENT), "rb") as f:
            previous = f.read()
    return root, previous


MATRIX_PROFILE = "load-tester"   # three live changes on idle-default: live:1, live:2, live:3


def forward_points(n):
    pts = ["journal", "fragment", "live:1", "live:2", "live:%d" % n, "readback:1", "readback:2", "commit"]
    return list(dict.fromkeys(pts))


def crash_recovery(root, base, jid, what):
    """After a crash: warnings, apply refused, `tcptune rollback` restores."""
    expect_state(root, jid, "pending", what)
    c = tt(root, "check", "--profile", "web", "--no-sockets")
    expect(jid in c.err, "%s: `tcptune check` does not warn on stderr about pending %s" % (what, jid), c)
    mid = snapshot(root)
    mid_j = journals(root)
    a = tt(root, "apply", "--profile", "db-client")
    expect_rc(a, 3, "%s: apply while %s is pending" % (what, jid))
    expect(not diff(mid, snapshot(root)) and journals(root) == mid_j,
           "%s: the refused apply changed something:\n%s" % (what, "\n".join(diff(mid, snapshot(root)))))
    rb = tt(root, "rollback")
    expect_rc(rb, 0, "%s: tcptune rollback of the pending entry" % what)
    expect_state(root, jid, "rolled-back", what + " (after rollback)")
    base.same(what + " (after rollback)")
    c2 = tt(root, "check", "--profile", "web", "--no-sockets")
    expect(jid not in c2.err, "%s: check still warns about %s after the rollback" % (what, jid), c2)


def make_forward_case(scenario, action, point_kind):
    def run():
        root, previous = prepare(scenario)
        lives = live_plan(root, MATRIX_PROFILE, 3)
        n = len(lives)
        point = {"live:last": "live:%d" % n}.get(point_kind, point_kind)
        base = Baseline(root)
        what = "%s apply --profile %s" % (point, MATRIX_PROFILE)
        r = tt(root, "apply", "--profile", MATRIX_PROFILE, fault=point, action=action)
        if action == "fail":
            expect_rc(r, 4, what)
            j = base.one_new_journal(what)
            expect(j.get("state") == "rolled-back", "%s: journal state %r, expected rolled-back"
                   % (what, j.get("state")))
            base.same(what)
        else:
            expect_rc(r, 99, what)
            j = base.one_new_journal(what)
            crash_recovery(root, base, j["id"], what)
        expect(j.get("profile") == MATRIX_PROFILE, "%s: journal profile %r" % (what, j.get("profile")))
        expect(j.get("netns", "missing") is None, "%s: journal netns %r, expected null" % (what, j.get("netns")))
        check_journal_keys(j, lives, what)
        check_journal_fragment(j, previous, what)
    return run


for _scenario in ("fresh", "prev"):
    for _action in ("fail", "crash"):
        for _point in ("journal", "fragment", "live:1", "live:2", "live:last", "readback:1",
                       "readback:2", "commit"):
            case("%s-fragment %s %s" % ("no" if _scenario == "fresh" else "previous", _action, _point))(
                make_forward_case(_scenario, _action, _point))


def finish_incomplete(root, base, jid, what, r, left_hint):
    """After exit 5: the journal says rollback-failed, the output names what is left, apply is
    refused, and `tcptune rollback` (no ID) finishes the restore."""
    expect_state(root, jid, "rollback-failed", what)
    expect(diff(base.snap, snapshot(root)), "%s: exit 5 but nothing was left unrestored "
           "(the rollback fault did not take effect?)" % what, r)
    expect(any(h in r.text for h in left_hint), "%s: the output names none of %s (what is left)"
           % (what, left_hint), r)
    a = tt(root, "apply", "--profile", "db-client")
    expect_rc(a, 3, "%s: apply while %s is rollback-failed" % (what, jid))
    rb = tt(root, "rollback")
    expect_rc(rb, 0, "%s: tcptune rollback finishing %s" % (what, jid))
    expect_state(root, jid, "rolled-back", what + " (after tcptune rollback)")
    base.same(what + " (after tcptune rollback)")


def make_apply_rollback_case(scenario, combo):
    def run():
        root, previous = prepare(scenario)
        lives = live_plan(root, MATRIX_PROFILE, 3)
        n = len(lives)
        fault = combo.replace("FRAG", str(n + 1))
        base = Baseline(root)
        what = "%s apply --profile %s" % (fault, MATRIX_PROFILE)
        r = tt(root, "apply", "--profile", MATRIX_PROFILE, fault=fault)
        expect_rc(r, 5, what)
        j = base.one_new_journal(what)
        hint = ["99-tcptune.conf"] if "FRAG" in combo else [c["key"] for c in lives]
        finish_incomplete(root, base, j["id"], what, r, hint)
    return run


for _scenario in ("fresh", "prev"):
    for _combo in ("readback:2,rollback:1", "readback:2,rollback:2", "commit,rollback:FRAG"):
        case("%s-fragment fail %s (apply)" % ("no" if _scenario == "fresh" else "previous",
                                              _combo.replace("FRAG", "<fragment step>")))(
            make_apply_rollback_case(_scenario, _combo))


def make_rollback_cmd_case(scenario, action, step):
    def run():
        root, previous = prepare(scenario)
        lives = live_plan(root, MATRIX_PROFILE, 3)
        n = len(lives)
        base = Baseline(root)
        r = tt(root, "apply", "--profile", MATRIX_PROFILE)
        expect_rc(r, 0, "apply --profile %s" % MATRIX_PROFILE)
        j = base.one_new_journal("apply")
        jid = j["id"]
        num = {"first": 1, "last-live": n, "fragment": n + 1}[step]
        fault = "rollback:%d" % num
        what = "%s (%s) tcptune rollback" % (fault, action)
        rb = tt(root, "rollback", fault=fault, action=action)
        if action == "fail":
            expect_rc(rb, 5, what)
            hint = ["99-tcptune.conf"] if step == "fragment" else [c["key"] for c in lives]
            finish_incomplete(root, base, jid, what, rb, hint)
        else:
            expect_rc(rb, 99, what)
            rb2 = tt(root, "rollback")
            expect_rc(rb2, 0, "%s: tcptune rollback after the crash (an interrupted rollback must be "
                      "resumable without --force)" % what)
            expect_state(root, jid, "rolled-back", what)
            base.same(what + " then tcptune rollback")
    return run


for _scenario in ("fresh", "prev"):
    for _action, _step in (("fail", "first"), ("fail", "last-live"), ("fail", "fragment"),
                           ("crash", "first"), ("crash", "fragment")):
        case("%s-fragment %s rollback:<%s step> (rollback command)"
             % ("no" if _scenario == "fresh" else "previous", _action, _step))(
            make_rollback_cmd_case(_scenario, _action, _step))


# apply --fix-files: the blog block in etc/sysctl.conf is edited (edit:1) and a vendor file that
# sorts after the fragment is masked from etc/sysctl.d (edit:2); every failure and crash at
# those writes, and at the restores of a rollback, must end byte for byte as before.
VENDOR = "usr/lib/sysctl.d/99-zzz-vendor.conf"


def prepare_fix_files():
    root = fresh_root("blog-sysctl-conf")
    os.makedirs(os.path.join(root, "usr/lib/sysctl.d"), exist_ok=True)
    with open(os.path.join(root, VENDOR), "w") as f:
        f.write("# vendor default (fault matrix)\nnet.core.somaxconn = 1024\nnet.ipv4.tcp_keepalive_probes = 9\n")
    os.chmod(os.path.join(root, "etc/sysctl.conf"), 0o640)
    j, lives = plan(root, "web", "--fix-files")
    edits = j.get("file_edits") or []
    expect([e.get("kind") for e in edits] == ["edit", "mask"],
           "setup: apply --fix-files --dry-run plans %r, expected an edit and a mask"
           % [(e.get("path"), e.get("kind")) for e in edits])
    expect(j.get("refusals") == [], "setup: --fix-files refused: %r" % j.get("refusals"))
    return root, lives


def check_fix_journal(root, j, what):
    edits = j.get("edits") or []
    expect([e.get("kind") for e in edits] == ["edit", "mask"], "%s: journal edits %r" % (what, edits))
    with open(os.path.join(root, "etc/sysctl.conf"), "rb") as f:
        now = f.read()
    prev = base64.b64decode(edits[0].get("previous_base64") or "")
    expect(prev == now, "%s: the journal's previous bytes of etc/sysctl.conf differ from the file "
           "after the rollback" % what)
    expect(edits[0].get("previous_mode") == 0o640, "%s: previous_mode %r" % (what, edits[0].get("previous_mode")))


def make_fix_forward_case(action, point):
    def run():
        root, lives = prepare_fix_files()
        base = Baseline(root)
        what = "%s (%s) apply --profile web --fix-files" % (point, action)
        r = tt(root, "apply", "--profile", "web", "--fix-files", fault=point, action=action)
        if action == "fail":
            expect_rc(r, 4, what)
            j = base.one_new_journal(what)
            expect(j.get("state") == "rolled-back", "%s: journal state %r" % (what, j.get("state")))
            base.same(what)
        else:
            expect_rc(r, 99, what)
            j = base.one_new_journal(what)
            crash_recovery(root, base, j["id"], what)
        check_fix_journal(root, j, what)
    return run


for _action in ("fail", "crash"):
    for _point in ("journal", "edit:1", "edit:2", "fragment", "live:1", "commit"):
        case("fix-files %s %s" % (_action, _point))(make_fix_forward_case(_action, _point))


def make_fix_rollback_case(where, step):
    """A restore of the mask (step "mask") or of etc/sysctl.conf (step "edit") fails: exit 5,
    then `tcptune rollback` finishes. Restore order: live values (reverse), the fragment, the
    mask, etc/sysctl.conf."""
    def run():
        root, lives = prepare_fix_files()
        n = len(lives)
        num = n + 1 + (1 if step == "mask" else 2)
        hint = ["99-zzz-vendor.conf"] if step == "mask" else ["sysctl.conf"]
        base = Baseline(root)
        if where == "apply":
            fault = "commit,rollback:%d" % num
            what = "%s apply --profile web --fix-files" % fault
            r = tt(root, "apply", "--profile", "web", "--fix-files", fault=fault)
            expect_rc(r, 5, what)
            j = base.one_new_journal(what)
            finish_incomplete(root, base, j["id"], what, r, hint)
        else:
            r = tt(root, "apply", "--profile", "web", "--fix-files")
            expect_rc(r, 0, "apply --profile web --fix-files")
            j = base.one_new_journal("apply --fix-files")
            fault = "rollback:%d" % num
            what = "%s tcptune rollback (after --fix-files)" % fault
            rb = tt(root, "rollback", fault=fault)
            expect_rc(rb, 5, what)
            finish_incomplete(root, base, j["id"], what, rb, hint)
        check_fix_journal(root, j, what)
    return run


for _where in ("apply", "rollback"):
    for _step in ("mask", "edit"):
        case("fix-files fail rollback:<%s restore> (%s)" % (_step, _where))(
            make_fix_rollback_case(_where, _step))


@case("json output of a failed apply (rolled-back, rollback-failed) and a refusal")
def _():
    root = fresh_root()
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web", "--format", "json", fault="commit")
    expect_rc(r, 4, "apply --format json with commit fail")
    o = parse_json(r, "apply --format json")
    j = base.one_new_journal("apply")
    expect(o.get("schema") == "tcptune.apply/1", "schema %r" % o.get("schema"), r)
    expect(o.get("result") == "rolled-back" and o.get("exit_code") == 4
           and o.get("transaction") == j["id"], "result/exit_code/transaction", r)
    base.same("commit fail")
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web", "--format", "json", fault="commit,rollback:1")
    expect_rc(r, 5, "apply --format json with commit,rollback:1")
    o = parse_json(r, "apply --format json")
    j = base.one_new_journal("apply")
    expect(o.get("result") == "rollback-failed" and o.get("exit_code") == 5
           and o.get("transaction") == j["id"], "result/exit_code/transaction", r)
    rb = tt(root, "rollback", "--format", "json")
    expect_rc(rb, 0, "rollback --format json")
    parse_json(rb, "rollback --format json")
    base.same("after rollback")
    with open(os.path.join(root, FRAGMENT), "w") as f:
        f.write("net.core.somaxconn = 8192\n")
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web", "--format", "json")
    expect_rc(r, 3, "apply over a foreign fragment, --format json")
    o = parse_json(r, "apply --format json (refused)")
    expect(o.get("result") == "refused" and o.get("exit_code") == 3, "result/exit_code", r)
    base.no_new_journal("refused apply")
    base.same("refused apply")


def key_lines(text):
    out = []
    for line in text.splitlines():
        s = line.strip()
        if s and not s.startswith("#") and not s.startswith(";"):
            out.append(norm(s))
    return out


@case("--dry-run writes nothing and shows the exact fragment")
def _():
    root = fresh_root()
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "load-tester", "--dry-run")
    expect_rc(r, 1, "apply --dry-run (text)")
    expect("# Written by tcptune" in r.out, "dry-run text lacks the fragment header", r)
    # global options after the command word
    r2 = subprocess.run([BIN, "apply", "--profile", "load-tester", "--dry-run", "--root", root,
                         "--format", "json"], env=BASE_ENV, capture_output=True, text=True,
                        timeout=CMD_TIMEOUT)
    expect(r2.returncode == 1, "apply ... --root R --format json (options after the command): exit %d: %s"
           % (r2.returncode, r2.stderr[:500]))
    j, lives = plan(root, "load-tester")
    expect(j.get("schema") == "tcptune.apply/1", "dry-run json schema %r" % j.get("schema"))
    expect(j.get("result") == "dry-run" and j.get("exit_code") == 1 and j.get("transaction", 0) is None,
           "dry-run json: result %r exit_code %r transaction %r"
           % (j.get("result"), j.get("exit_code"), j.get("transaction", "missing")))
    frag = j.get("fragment") or {}
    text = frag.get("text") or ""
    expect(text.startswith("# Written by tcptune"), "dry-run fragment.text starts %r" % text[:60])
    expect(str(frag.get("path", "")).endswith("99-tcptune.conf"), "dry-run fragment.path %r" % frag.get("path"))
    for c in lives:
        expect(norm("%s = %s" % (c["key"], c["target"])) in key_lines(text),
               "dry-run fragment lacks `%s = %s`" % (c["key"], c["target"]))
        expect(c["key"] in r.out, "dry-run text does not show %s" % c["key"], r)
    for k in ("key", "current", "target", "persisted", "reason"):
        expect(all(k in c for c in j.get("changes", [])), "dry-run changes lack %r" % k)
    base.no_new_journal("dry-run")
    base.same("dry-run")
    r = tt(root, "apply", "--profile", "load-tester")
    expect_rc(r, 0, "apply after the dry-run")
    with open(os.path.join(root, FRAGMENT)) as f:
        written = f.read()
    expect(key_lines(written) == key_lines(text),
           "the fragment written differs from the dry-run text:\n%s\n--- vs dry-run ---\n%s" % (written, text))


@case("committed apply, history, then rollback restores exactly")
def _():
    root = fresh_root()
    lives = live_plan(root, "load-tester", 3)
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "load-tester", "--format", "json")
    expect_rc(r, 0, "apply --profile load-tester")
    o = parse_json(r, "apply --format json")
    j = base.one_new_journal("apply")
    jid = j["id"]
    expect(o.get("schema") == "tcptune.apply/1" and o.get("result") == "committed"
           and o.get("transaction") == jid and o.get("exit_code") == 0,
           "apply json: schema/result/transaction/exit_code", r)
    expect(j.get("state") == "committed", "journal state %r" % j.get("state"))
    expect(isinstance(j.get("pid"), int), "journal pid %r" % j.get("pid"))
    for f in ("started", "finished"):
        expect(j.get(f), "journal lacks %r" % f)
    check_journal_keys(j, lives, "committed journal")
    check_journal_fragment(j, None, "committed journal")
    path = os.path.join(root, FRAGMENT)
    with open(path, "rb") as f:
        data = f.read()
    st = os.lstat(path)
    expect(oct(st.st_mode & 0o7777) == "0o644", "fragment mode %s" % oct(st.st_mode & 0o7777))
    expect(base64.b64decode(j["fragment"].get("written_base64") or "") == data,
           "journal written_base64 is not the fragment's bytes")
    text = data.decode()
    expect(text.startswith("# Written by tcptune"), "fragment starts %r" % text[:60])
    header = text.split("\nnet.", 1)[0]
    for word in ("load-tester", jid, "overwritten"):
        expect(word in header, "fragment header lacks %r:\n%s" % (word, header))
    for c in lives:
        expect(norm("%s = %s" % (c["key"], c["target"])) in key_lines(text),
               "fragment lacks `%s = %s`" % (c["key"], c["target"]))
        expect(norm(live(root, c["key"])) == norm(c["target"]),
               "live %s is %r, target %r" % (c["key"], live(root, c["key"]), c["target"]))
        expect((c.get("reason") or "")[:30] in text, "fragment lacks the rationale of %s" % c["key"])
    h = tt(root, "history")
    expect_rc(h, 0, "history")
    expect(jid in h.out, "history does not list %s" % jid, h)
    hj = tt(root, "history", "--format", "json")
    expect_rc(hj, 0, "history --format json")
    hist = parse_json(hj, "history --format json")
    expect(hist.get("schema") == "tcptune.history/1", "history schema %r" % hist.get("schema"))
    tx = {t.get("id"): t for t in hist.get("transactions", [])}
    expect(jid in tx and tx[jid].get("state") == "committed" and tx[jid].get("profile") == "load-tester",
           "history json entry for %s: %r" % (jid, tx.get(jid)))
    rb = tt(root, "rollback")
    expect_rc(rb, 0, "rollback")
    expect_state(root, jid, "rolled-back", "rollback")
    base.same("apply then rollback")
    expect(not os.path.lexists(path), "fragment still there after the rollback")
    hist = parse_json(tt(root, "history", "--format", "json"), "history --format json")
    tx = {t.get("id"): t for t in hist.get("transactions", [])}
    expect(tx.get(jid, {}).get("state") == "rolled-back", "history after rollback: %r" % tx.get(jid))
    again = tt(root, "rollback")
    expect_rc(again, 2, "rollback with nothing left to roll back")


@case("history lists every transaction with its state")
def _():
    root = fresh_root()
    ids = []
    for profile, fault, rc in (("web", None, 0), ("db-client", "commit", 4), ("db-client", None, 0)):
        base = Baseline(root)
        r = tt(root, "apply", "--profile", profile, fault=fault)
        expect_rc(r, rc, "apply --profile %s" % profile)
        ids.append(base.one_new_journal("apply")["id"])
    expect(len(set(ids)) == 3, "transaction ids are not distinct: %s" % ids)
    hist = parse_json(tt(root, "history", "--format", "json"), "history --format json")
    got = {t.get("id"): (t.get("state"), t.get("profile")) for t in hist.get("transactions", [])}
    want = {ids[0]: ("committed", "web"), ids[1]: ("rolled-back", "db-client"),
            ids[2]: ("committed", "db-client")}
    expect(got == want, "history json: %r, expected %r" % (got, want))
    h = tt(root, "history")
    expect(all(i in h.out for i in ids), "history text does not list all of %s" % ids, h)


@case("nothing to do: exit 0, no journal entry")
def _():
    root = fresh_root()
    expect_rc(tt(root, "apply", "--profile", "web"), 0, "first apply")
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web", "--format", "json")
    expect_rc(r, 0, "second apply")
    o = parse_json(r, "apply --format json")
    expect(o.get("result") == "nothing-to-do" and o.get("transaction", 0) is None,
           "result %r transaction %r" % (o.get("result"), o.get("transaction", "missing")), r)
    base.no_new_journal("nothing to do")
    base.same("nothing to do")


@case("rollback: unknown ID, nothing to roll back, explicit ID")
def _():
    root = fresh_root()
    base = Baseline(root)
    expect_rc(tt(root, "rollback"), 2, "rollback on a root without transactions")
    r = tt(root, "apply", "--profile", "web")
    expect_rc(r, 0, "apply")
    jid = base.one_new_journal("apply")["id"]
    expect_rc(tt(root, "rollback", "no-such-transaction"), 2, "rollback of an unknown ID")
    expect_rc(tt(root, "rollback", jid), 0, "rollback %s" % jid)
    expect_state(root, jid, "rolled-back", "rollback ID")
    base.same("rollback ID")


@case("rollback refuses when a live value changed since; --force goes ahead")
def _():
    root = fresh_root()
    lives = live_plan(root, "load-tester", 2)
    base = Baseline(root)
    expect_rc(tt(root, "apply", "--profile", "load-tester"), 0, "apply --profile load-tester")
    jid = base.one_new_journal("apply")["id"]
    key = lives[-1]["key"]
    set_live(root, key, "12345\n")
    mid = Baseline(root)
    r = tt(root, "rollback")
    expect_rc(r, 3, "rollback after %s changed" % key)
    expect(key in r.text, "the refusal does not name %s" % key, r)
    mid.same("refused rollback")
    mid.no_new_journal("refused rollback")
    expect_state(root, jid, "committed", "refused rollback")
    r = tt(root, "rollback", "--force")
    expect_rc(r, 0, "rollback --force")
    expect_state(root, jid, "rolled-back", "rollback --force")
    base.same("rollback --force")


@case("rollback refuses when the fragment changed since; --force goes ahead")
def _():
    root = fresh_root()
    base = Baseline(root)
    expect_rc(tt(root, "apply", "--profile", "web"), 0, "apply --profile web")
    jid = base.one_new_journal("apply")["id"]
    with open(os.path.join(root, FRAGMENT), "a") as f:
        f.write("# edited by hand\nnet.core.somaxconn = 8192\n")
    mid = Baseline(root)
    r = tt(root, "rollback")
    expect_rc(r, 3, "rollback after the fragment was edited")
    expect("99-tcptune.conf" in r.text or "fragment" in r.text, "the refusal does not name the fragment", r)
    mid.same("refused rollback")
    expect_state(root, jid, "committed", "refused rollback")
    expect_rc(tt(root, "rollback", "--force"), 0, "rollback --force")
    expect_state(root, jid, "rolled-back", "rollback --force")
    base.same("rollback --force")


def corrupt_case(mutate, label):
    def run():
        root = fresh_root()
        base = Baseline(root)
        expect_rc(tt(root, "apply", "--profile", "web"), 0, "apply --profile web")
        jid = base.one_new_journal("apply")["id"]
        jpath = os.path.join(root, JOURNAL_DIR, jid + ".json")
        with open(jpath, "rb") as f:
            data = f.read()
        with open(jpath, "wb") as f:
            f.write(mutate(data))
        mid = Baseline(root)
        for args in (("rollback",), ("rollback", jid), ("rollback", "--force")):
            r = tt(root, *args)
            expect(r.rc not in (0, 99), "%s with a %s journal: exit %d" % (" ".join(args), label, r.rc), r)
            expect(jid in r.text or "journal" in r.text.lower(),
                   "%s: the error names neither the journal nor %s" % (" ".join(args), jid), r)
            mid.same("%s with a %s journal" % (" ".join(args), label))
        for args in (("history",), ("history", "--format", "json"), ("check", "--no-sockets"),
                     ("apply", "--profile", "db-client", "--dry-run")):
            r = tt(root, *args)   # no signal, no sanitizer report (checked in tt)
            expect(r.rc in (0, 1, 2, 3), "%s with a %s journal: exit %d" % (" ".join(args), label, r.rc), r)
        r = tt(root, "apply", "--profile", "db-client")
        expect(r.rc in (0, 2, 3), "apply with a %s journal: exit %d" % (label, r.rc), r)
        if r.rc != 0:
            mid.same("refused apply with a %s journal" % label)
    return run


case("truncated journal: clear error, rollback refuses, no crash")(
    corrupt_case(lambda d: d[: len(d) // 2], "truncated"))
case("empty journal file: clear error, rollback refuses, no crash")(corrupt_case(lambda d: b"", "empty"))
case("garbage journal file: clear error, rollback refuses, no crash")(
    corrupt_case(lambda d: b"\x00\xff{\"schema\": 7, \"keys\": [[[" + b"\xc3" * 10, "garbage"))
case("journal with wrong field types: clear error, rollback refuses, no crash")(
    corrupt_case(lambda d: json.dumps(dict(json.loads(d), keys="x", fragment=[1])).encode(), "mistyped"))


@case("fragment path is a symlink: exit 3, target untouched")
def _():
    for dangling in (False, True):
        root = fresh_root()
        victim = os.path.join(os.path.dirname(root), "victim.conf")
        if not dangling:
            with open(victim, "w") as f:
                f.write("# not tcptune's\nnet.core.somaxconn = 1000\n")
        os.symlink(victim, os.path.join(root, FRAGMENT))
        vbefore = entry(victim) if not dangling else None
        base = Baseline(root)
        r = tt(root, "apply", "--profile", "web")
        expect_rc(r, 3, "apply with 99-tcptune.conf a %s symlink" % ("dangling" if dangling else ""))
        base.same("symlinked fragment")
        base.no_new_journal("symlinked fragment")
        if dangling:
            expect(not os.path.lexists(victim), "the dangling symlink's target was created")
        else:
            expect(entry(victim) == vbefore, "the symlink's target changed")
    root = fresh_root()
    victim = os.path.join(os.path.dirname(root), "victim2.conf")
    with open(victim, "w") as f:
        f.write("x = 1\n")
    os.symlink(victim, os.path.join(root, "etc/sysctl.d/50-x.conf"))
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web", "--fragment", "/etc/sysctl.d/50-x.conf")
    expect_rc(r, 3, "apply --fragment onto a symlink")
    base.same("--fragment symlink")
    base.no_new_journal("--fragment symlink")


@case("re-applying another profile never lowers a value the fragment holds, and says what leaves it")
def _():
    root = fresh_root()
    expect_rc(tt(root, "apply", "--profile", "load-tester"), 0, "apply load-tester")
    with open(os.path.join(root, FRAGMENT)) as f:
        first = f.read()
    expect("net.ipv4.tcp_max_tw_buckets = 262144" in first, "load-tester fragment:\n" + first)
    r = tt(root, "apply", "--profile", "base")
    expect_rc(r, 0, "apply base")
    with open(os.path.join(root, FRAGMENT)) as f:
        second = f.read()
    expect("net.ipv4.tcp_max_tw_buckets = 262144" in second,
           "the fragment lowered tcp_max_tw_buckets:\n" + second, r)
    expect("leaves the fragment" in r.out and "net.ipv4.tcp_tw_reuse" in r.out,
           "keys leaving the fragment are not reported", r)


@case("a later file overriding an unchanged fragment still refuses (exit 3, file:line)")
def _():
    root = fresh_root()
    expect_rc(tt(root, "apply", "--profile", "web"), 0, "first apply")
    with open(os.path.join(root, "etc/sysctl.d/zz-local.conf"), "w") as f:
        f.write("net.ipv4.tcp_slow_start_after_idle = 1\n")
    set_live(root, "net.ipv4.tcp_slow_start_after_idle", "1\n")
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web")
    expect_rc(r, 3, "apply with a later overriding file")
    expect("zz-local.conf:1" in r.out, "the refusal does not list zz-local.conf:1", r)
    base.same("shadowed")
    base.no_new_journal("shadowed")


@case("--fragment with the name of a vendor file: exit 3, nothing written")
def _():
    root = fresh_root()
    vendor = os.path.join(root, "usr/lib/sysctl.d/50-vendor.conf")
    os.makedirs(os.path.dirname(vendor), exist_ok=True)
    with open(vendor, "w") as f:
        f.write("fs.protected_symlinks = 1\n")
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web", "--fragment", "/etc/sysctl.d/50-vendor.conf")
    expect_rc(r, 3, "apply masking a vendor file")
    expect("50-vendor.conf" in r.out + r.err, "the refusal does not name the vendor file", r)
    base.same("masking")
    base.no_new_journal("masking")


@case("required = true: a key this kernel lacks refuses (exit 3); without it, a note")
def _():
    for required, want in (("true", 3), ("false", 0)):
        root = fresh_root()
        os.makedirs(os.path.join(root, "etc/tcptune/profiles"), exist_ok=True)
        with open(os.path.join(root, "etc/tcptune/profiles/old.toml"), "w") as f:
            f.write('name = "old"\nextends = "web"\nsummary = "t"\n\n[[setting]]\n'
                    'key = "net.ipv4.tcp_tw_recycle"\nop = "="\nvalue = 0\n'
                    'required = %s\nrationale = "t"\nreference = "t"\n' % required)
        base = Baseline(root)
        r = tt(root, "apply", "--profile", "old")
        expect_rc(r, want, "required = %s" % required)
        expect("net.ipv4.tcp_tw_recycle" in r.out, "the key is not named", r)
        if want == 3:
            expect("requires net.ipv4.tcp_tw_recycle" in r.out, "no refusal message", r)
            base.same("required refusal")
            base.no_new_journal("required refusal")
        else:
            expect("does not exist on this kernel" in r.out, "no note for the skipped key", r)


@case("existing 99-tcptune.conf not written by tcptune: exit 3, untouched")
def _():
    for text in ("net.core.somaxconn = 8192\n", "# Written by hand, not by tcptune\nnet.core.somaxconn = 8192\n",
                 ""):
        root = fresh_root()
        with open(os.path.join(root, FRAGMENT), "w") as f:
            f.write(text)
        base = Baseline(root)
        r = tt(root, "apply", "--profile", "web")
        expect_rc(r, 3, "apply over a foreign fragment %r" % text)
        expect("99-tcptune.conf" in r.text, "the refusal does not name the file", r)
        base.same("foreign fragment")
        base.no_new_journal("foreign fragment")


@case("--fragment: validation, and a valid one is written and rolled back")
def _():
    root = fresh_root()
    base = Baseline(root)
    for bad in ("/etc/sysctl.d/50-x.txt", "/tmp/50-x.conf", "etc/sysctl.d/50-x.conf",
                "/etc/sysctl.d/../50-x.conf", "/etc/sysctl.d/sub/50-x.conf", "/etc/sysctl.conf",
                "/etc/sysctl.d/", "/etc/sysctl.d/.conf", "/etc/sysctl.d/50-x\n.conf"):
        r = tt(root, "apply", "--profile", "web", "--fragment", bad)
        expect_rc(r, 2, "apply --fragment %r" % bad)
        base.same("apply --fragment %r" % bad)
        base.no_new_journal("apply --fragment %r" % bad)
    r = tt(root, "apply", "--profile", "web", "--fragment", "/etc/sysctl.d/50-x.conf")
    expect_rc(r, 0, "apply --fragment /etc/sysctl.d/50-x.conf")
    expect(os.path.isfile(os.path.join(root, "etc/sysctl.d/50-x.conf")), "50-x.conf not written")
    expect(not os.path.lexists(os.path.join(root, FRAGMENT)), "the default fragment was written too")
    expect_rc(tt(root, "rollback"), 0, "rollback")
    base.same("--fragment then rollback")


@case("unknown profile: exit 2, nothing written")
def _():
    root = fresh_root()
    base = Baseline(root)
    expect_rc(tt(root, "apply", "--profile", "no-such-profile"), 2, "apply --profile no-such-profile")
    expect_rc(tt(root, "apply"), 2, "apply without --profile")
    base.same("unknown profile")
    base.no_new_journal("unknown profile")


@case("precedence: /etc/sysctl.conf (99-sysctl.conf) shadows the fragment on blog-sysctl-conf")
def _():
    root = fresh_root("blog-sysctl-conf")
    lines = {}
    with open(os.path.join(root, "etc/sysctl.conf")) as f:
        for i, line in enumerate(f, 1):
            k = line.split("=")[0].strip()
            if k in ("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_max_tw_buckets"):
                lines[k] = i
    expect(len(lines) == 2, "fixture: expected keepalive_time and max_tw_buckets in etc/sysctl.conf")
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "db-client")
    expect_rc(r, 3, "apply --profile db-client on blog-sysctl-conf")
    for k, n in lines.items():
        expect("sysctl.conf:%d" % n in r.text, "the refusal does not list sysctl.conf:%d (%s)" % (n, k), r)
    base.same("precedence refusal")
    base.no_new_journal("precedence refusal")
    r = tt(root, "apply", "--profile", "db-client", "--allow-shadowed")
    expect_rc(r, 0, "apply --allow-shadowed")
    expect(os.path.isfile(os.path.join(root, FRAGMENT)), "no fragment after --allow-shadowed")
    expect_rc(tt(root, "rollback"), 0, "rollback")
    base.same("--allow-shadowed then rollback")


@case("precedence: a later sysctl.d file shadows; a --fragment that sorts after it does not")
def _():
    root = fresh_root()
    with open(os.path.join(root, "etc/sysctl.d/99-zz-local.conf"), "w") as f:
        f.write("# local\nnet.ipv4.tcp_slow_start_after_idle = 1\n")
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web")
    expect_rc(r, 3, "apply --profile web with 99-zz-local.conf setting slow_start_after_idle")
    expect("99-zz-local.conf:2" in r.text, "the refusal does not list 99-zz-local.conf:2", r)
    base.same("precedence refusal")
    base.no_new_journal("precedence refusal")
    r = tt(root, "apply", "--profile", "web", "--fragment", "/etc/sysctl.d/99-zzz-tcptune.conf")
    expect_rc(r, 0, "apply --fragment /etc/sysctl.d/99-zzz-tcptune.conf")
    expect_rc(tt(root, "rollback"), 0, "rollback")
    base.same("later --fragment then rollback")


@case("--live-only and --persist-only")
def _():
    root = fresh_root()
    lives = live_plan(root, "load-tester", 2)
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "load-tester", "--live-only")
    expect_rc(r, 0, "apply --live-only")
    expect(not os.path.lexists(os.path.join(root, FRAGMENT)), "--live-only wrote a fragment")
    for c in lives:
        expect(norm(live(root, c["key"])) == norm(c["target"]), "--live-only: %s not set" % c["key"])
    expect_rc(tt(root, "rollback"), 0, "rollback of --live-only")
    base.same("--live-only then rollback")
    r = tt(root, "apply", "--profile", "load-tester", "--persist-only")
    expect_rc(r, 0, "apply --persist-only")
    expect(os.path.isfile(os.path.join(root, FRAGMENT)), "--persist-only wrote no fragment")
    for c in lives:
        expect(norm(live(root, c["key"])) == norm(c["current"]), "--persist-only changed %s" % c["key"])
    expect_rc(tt(root, "rollback"), 0, "rollback of --persist-only")
    base.same("--persist-only then rollback")
    expect_rc(tt(root, "apply", "--profile", "load-tester", "--live-only", "--persist-only"), 2,
              "--live-only with --persist-only")


@case("a user's profile from etc/tcptune/profiles")
def _():
    root = fresh_root()
    shutil.copytree(os.path.join(TESTS, "fixtures/user-profiles/etc/tcptune"),
                    os.path.join(root, "etc/tcptune"))
    base = Baseline(root)
    expect_rc(tt(root, "apply", "--profile", "shop"), 0, "apply --profile shop")
    expect(norm(live(root, "net.core.somaxconn")) == "16384", "somaxconn is %r" % live(root, "net.core.somaxconn"))
    expect_rc(tt(root, "rollback"), 0, "rollback")
    base.same("shop then rollback")


@case("lock: a second apply/rollback fails with exit 3 and the holder's pid")
def _():
    root = fresh_root()
    lives = live_plan(root, "load-tester", 2)
    base = Baseline(root)
    # The first apply stalls 7 s holding the lock: long enough for the second apply and the
    # rollback to each wait their ~2 s and give up while it still holds it.
    env, _ = env_for("journal", "stall", 7)
    first = subprocess.Popen([BIN, "--root", root, "apply", "--profile", "load-tester"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not base.new_journals("lock"):
            time.sleep(0.05)
        expect(base.new_journals("lock"), "the first apply wrote no journal entry within 3 s")
        t0 = time.monotonic()
        r = tt(root, "apply", "--profile", "load-tester")
        waited = time.monotonic() - t0
        expect_rc(r, 3, "second apply while the first holds the lock")
        expect("pid %d" % first.pid in r.text, "the refusal does not say pid %d" % first.pid, r)
        expect(waited >= 0.5, "the second apply gave up at once (%.2f s) instead of waiting briefly" % waited)
        rb = tt(root, "rollback")
        expect_rc(rb, 3, "rollback while the first holds the lock")
        expect("pid %d" % first.pid in rb.text, "the rollback refusal does not say pid %d" % first.pid, rb)
        out, err = first.communicate(timeout=CMD_TIMEOUT)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    expect(first.returncode == 0, "the stalled first apply: exit %d\n%s%s"
           % (first.returncode, out.decode(errors="replace"), err.decode(errors="replace")))
    j = base.one_new_journal("lock")
    expect(j.get("state") == "committed", "journal state %r" % j.get("state"))
    for c in lives:
        expect(norm(live(root, c["key"])) == norm(c["target"]), "%s not at its target" % c["key"])
    expect_rc(tt(root, "apply", "--profile", "db-client"), 0, "apply after the lock was released")


@case("stall fault: the apply just takes longer and commits")
def _():
    root = fresh_root()
    env, desc = env_for("live:1", "stall", 1)
    t0 = time.monotonic()
    p = subprocess.run([BIN, "--root", root, "apply", "--profile", "web"], env=env, capture_output=True,
                       timeout=CMD_TIMEOUT)
    expect(p.returncode == 0, "%sapply: exit %d %s" % (desc, p.returncode, p.stderr[:500]))
    expect(time.monotonic() - t0 >= 0.9, "the stall did not stall")


@case("a pending entry makes check and history warn, names the id")
def _():
    root = fresh_root()
    base = Baseline(root)
    r = tt(root, "apply", "--profile", "web", fault="live:1", action="crash")
    expect_rc(r, 99, "crash at live:1")
    jid = base.one_new_journal("crash")["id"]
    for args in (("check", "--profile", "web", "--no-sockets"), ("lint",),
                 ("apply", "--profile", "web", "--dry-run")):
        c = tt(root, *args)
        expect(jid in c.err, "`tcptune %s` does not warn about %s on stderr" % (" ".join(args), jid), c)
    h = tt(root, "history")   # history may show it in its listing instead of a warning
    expect(jid in h.text and "pending" in h.text, "`tcptune history` does not show %s pending" % jid, h)
    expect_rc(tt(root, "rollback"), 0, "rollback")
    base.same("crash then rollback")


# ------------------------------------------------------------------------------------------

def main():
    global WORK, TEMPLATES, BIN
    rc = sandboxed_rerun()
    if rc is not None:
        return rc
    if not os.access(BIN, os.X_OK):
        print("FAIL: %s is not executable" % BIN)
        return 1
    WORK = tempfile.mkdtemp(prefix="tcptune-fault-matrix.")
    try:
        # A private copy of the binary: a rebuild during the run must not swap it under the test.
        BIN = os.path.join(WORK, "tcptune")
        shutil.copy2(SOURCE_BIN, BIN)
        TEMPLATES = os.path.join(WORK, "templates")
        subprocess.run([sys.executable, os.path.join(TESTS, "fixtures/check/make_fixtures.py"),
                        "--out", TEMPLATES, "idle-default", "blog-sysctl-conf"], check=True)
        only = os.environ.get("FAULT_MATRIX_ONLY")   # substring filter, for debugging
        passed, failures = 0, []
        t0 = time.monotonic()
        for name, fn in CASES:
            if only and only not in name:
                continue
            try:
                fn()
                passed += 1
            except Failure as e:
                failures.append(name)
                print("FAIL: %s\n  %s" % (name, str(e).replace("\n", "\n  ")))
            except Exception as e:   # a bug in this test: report it, keep going
                failures.append(name)
                print("FAIL (test error): %s: %s: %s" % (name, type(e).__name__, e))
            while CASE_DIRS:
                shutil.rmtree(CASE_DIRS.pop(), ignore_errors=True)
        if WHITESPACE_ONLY:
            failures.append("byte-exact restore of live values")
            print("FAIL: byte-exact restore of live values: restored in another whitespace form "
                  "(the same value to the kernel), e.g.")
            for line, what in WHITESPACE_ONLY.values():
                print("    %s\n      (in: %s)" % (line, what))
        print("apply_faults: %d cases passed, %d failed (%.1f s)" % (passed, len(failures),
                                                                     time.monotonic() - t0))
        return 1 if failures else 0
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
