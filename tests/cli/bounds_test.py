#!/usr/bin/env python3
"""Resource bounds of `tcptune lint` (tcptune(8) LIMITS): bounds_test.py TCPTUNE

Each case runs tcptune in a child process and reads its peak resident memory (ru_maxrss via
wait4), so the bound is on tcptune, not on this script. The cases:
  - a sysctl.d set of 10,000 files: every file read, memory bounded;
  - a 100 MiB file in sysctl.d, and given on the command line: reported (TT1009) from its size,
    never read;
  - a set over the 8 MiB budget: the files past it reported (TT1009), not read;
  - a 4 MiB file of 130,000 duplicate assignments: findings capped (TT1013, with the count and
    the worst severity), output and memory bounded.
The memory bound (200 MiB, 1200 MiB under AddressSanitizer) is there to catch reading whole
files or keeping a finding per line, which cost gigabytes.
"""
import os
import resource
import subprocess
import sys
import tempfile

BIN = sys.argv[1]
# A release or debug build stays under 100 MiB in every case here; AddressSanitizer multiplies
# that by about six (CI runs the suite under it too). Reading files whole or keeping a finding
# per line costs gigabytes either way (1.2 GB for case 4 before the caps, without ASan).
ASAN = "libasan" in subprocess.run(["ldd", BIN], capture_output=True, text=True).stdout
MAX_RSS_MIB = 1200 if ASAN else 200
failures = []
passed = 0


def run(args):
    """Runs tcptune; returns (exit code, stdout, peak RSS in MiB)."""
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([BIN, *args], stdout=out, stderr=subprocess.STDOUT)
        try:
            _, status, usage = os.wait4(p.pid, 0)
        except BaseException:
            p.kill()
            raise
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return p.returncode, out.read().decode("utf-8", "replace"), usage.ru_maxrss // 1024


def case(name, args, want_rc, patterns=(), max_out=None):
    global passed
    rc, out, rss = run(args)
    problems = []
    if rc not in (want_rc if isinstance(want_rc, tuple) else (want_rc,)):
        problems.append(f"exit {rc}, expected {want_rc}")
    for p in patterns:
        if p not in out:
            problems.append(f"missing: {p}")
    if rss > MAX_RSS_MIB:
        problems.append(f"peak memory {rss} MiB, over {MAX_RSS_MIB} MiB")
    if max_out is not None and len(out) > max_out:
        problems.append(f"output is {len(out)} bytes, over {max_out}")
    if problems:
        failures.append(name)
        print(f"FAIL: {name}: " + "; ".join(problems))
        print(out[:3000])
    else:
        passed += 1
        print(f"ok: {name} (exit {rc}, peak {rss} MiB, {len(out)} bytes of output)")


with tempfile.TemporaryDirectory() as tmp:
    # 1. 10,000 files.
    root = os.path.join(tmp, "many")
    d = os.path.join(root, "etc/sysctl.d")
    os.makedirs(d)
    for i in range(10000):
        with open(os.path.join(d, f"{i:05d}-app.conf"), "w") as f:
            f.write(f"# application {i}\nnet.core.somaxconn = {4096 + i}\n"
                    f"net.ipv4.tcp_keepalive_time = {600 + i % 100}\n")
    case("a sysctl.d set of 10,000 files", ["--root", root, "lint", "--kernel", "6.1",
                                            "--format", "gcc"], 1,
         [":1:1: warning: ", "more finding(s) in ", " file(s) not shown (at most 5000 in all); "
          "the worst of them is warning [TT1013]"],
         max_out=2_000_000)
    rc, out, _ = run(["--root", root, "lint", "--kernel", "6.1"])
    if "in 10000 files" not in out:
        failures.append("10,000 files: all read")
        print("FAIL: not every file of the 10,000 was read: " + out[-500:])
    else:
        passed += 1
        print("ok: all 10,000 files read (" + out.strip().splitlines()[-1] + ")")

    # 2. A 100 MiB file, in the set and on the command line.
    root = os.path.join(tmp, "huge")
    d = os.path.join(root, "etc/sysctl.d")
    os.makedirs(d)
    huge = os.path.join(d, "50-huge.conf")
    line = b"net.core.somaxconn = 4096\n"
    with open(huge, "wb") as f:
        for _ in range(100 * 1024 * 1024 // (len(line) * 4096)):
            f.write(line * 4096)
        f.truncate(100 * 1024 * 1024)
    with open(os.path.join(d, "60-next.conf"), "w") as f:
        f.write("net.ipv4.tcp_tw_recycle = 1\n")
    size = os.path.getsize(huge)
    case("a 100 MiB file in sysctl.d", ["--root", root, "lint", "--kernel", "6.1", "--format", "gcc"], 2,
         [f"50-huge.conf:1:1: error: file not read: file is {size} bytes, over the limit of 4194304 [TT1009]",
          "60-next.conf:1:1: error: net.ipv4.tcp_tw_recycle"])
    case("a 100 MiB file on the command line", ["lint", huge, "--kernel", "6.1", "--format", "gcc"], 2,
         [f"file is {size} bytes, over the limit of 4194304 [TT1009]"])

    # 3. Over the set's budget: three files of 3.5 MiB (8 MiB in all).
    root = os.path.join(tmp, "budget")
    d = os.path.join(root, "etc/sysctl.d")
    os.makedirs(d)
    chunk = b"# " + b"x" * 1000 + b"\n"
    for name in ("10-a.conf", "20-b.conf", "30-c.conf"):
        with open(os.path.join(d, name), "wb") as f:
            f.write(chunk * (3500 * 1024 // len(chunk)))
    case("a set over its 8 MiB budget", ["--root", root, "lint", "--kernel", "6.1", "--format", "gcc"], 2,
         ["30-c.conf:1:1: error: file not read: the files read before it hold",
          "a sysctl.d set is read up to 8 MiB in all [TT1009]"])

    # 4. 4 MiB of duplicate assignments: findings capped.
    root = os.path.join(tmp, "dups")
    d = os.path.join(root, "etc/sysctl.d")
    os.makedirs(d)
    with open(os.path.join(d, "10-dups.conf"), "w") as f:
        body = "".join(f"net.ipv4.tcp_fin_timeout = {i % 50 + 10}\n" for i in range(140000))
        f.write(body[: 4 * 1024 * 1024 - 64].rsplit("\n", 1)[0] + "\n")
    for fmt in ("gcc", "json", "sarif"):
        case(f"4 MiB of duplicate assignments ({fmt})",
             ["--root", root, "lint", "--kernel", "6.1", "--format", fmt], 1,
             ["more finding(s) in this file not shown (at most 200 per file); the worst of them is warning"],
             max_out=3_000_000)

print(f"bounds: {passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
