#!/usr/bin/env python3
"""No lint warning on the sysctl.d files Debian 12 packages ship (issue 16).

Lints every shipped file of tests/fixtures/debian12, debian12-packages and
debian12-packages-more (packages and versions in each root's SOURCES.md) on its own, offline
for Debian 12's kernel (6.1) and for the live kernel version of the catalog (6.18), and as whole
roots. Any finding at warning or error level fails, except the real mistakes of
octavia-agent's file, which are listed here with their codes and lines.

usage: debian_packages_test.py TCPTUNE TESTS_DIR
"""

import glob
import json
import os
import subprocess
import sys

ROOTS = ["debian12", "debian12-packages", "debian12-packages-more"]
# octavia-agent 11.0.0-2+deb12u1 ships a blog-style file: tcp_tw_recycle (removed in 4.12),
# tcp_fin_timeout = 5 and quoted vectors the kernel rejects (SOURCES.md of debian12-packages).
EXPECTED = {
    ("octavia-agent-sysctl.conf", 6, "TT2003"),
    ("octavia-agent-sysctl.conf", 17, "TT4005"),
    ("octavia-agent-sysctl.conf", 20, "TT3001"),
    ("octavia-agent-sysctl.conf", 21, "TT3001"),
    ("octavia-agent-sysctl.conf", 22, "TT3001"),
}


def lint(tcptune, args):
    r = subprocess.run([tcptune] + args + ["--format", "json"], capture_output=True, text=True,
                       timeout=120)
    if r.returncode not in (0, 1):
        sys.exit("tcptune %s failed (%d): %s" % (" ".join(args), r.returncode, r.stderr))
    return json.loads(r.stdout)["findings"]


def main():
    tcptune, tests = sys.argv[1], sys.argv[2]
    bad, checked, seen_expected = [], 0, set()
    for root in ROOTS:
        base = os.path.join(tests, "fixtures", root)
        files = sorted(glob.glob(base + "/etc/sysctl.d/*.conf") +
                       glob.glob(base + "/usr/lib/sysctl.d/*.conf") +
                       glob.glob(base + "/etc/sysctl.conf"))
        for kernel in ("6.1", "6.18"):
            runs = [["lint", "--kernel", kernel, f] for f in files]
            runs.append(["--root", base, "lint", "--kernel", kernel])
            for args in runs:
                checked += 1
                for f in lint(tcptune, args):
                    if f["severity"] not in ("warning", "error"):
                        continue
                    tag = (os.path.basename(f.get("file", "")), f.get("line"), f["code"])
                    if tag in EXPECTED:
                        seen_expected.add(tag)
                        continue
                    bad.append("%s (--kernel %s): %s:%s: %s: %s [%s]" % (
                        root, kernel, f.get("file"), f.get("line"), f["severity"],
                        f["message"], f["code"]))
    for b in bad:
        print("unexpected:", b)
    missing = EXPECTED - seen_expected
    for m in sorted(missing):
        print("expected finding not reported:", m)
    print("%d lint runs over %d roots; %d unexpected warnings or errors" % (checked, len(ROOTS),
                                                                          len(bad)))
    return 1 if bad or missing else 0


if __name__ == "__main__":
    sys.exit(main())
