#!/usr/bin/env python3
"""Catalog coverage against the running kernel (issue 16: at least 99 %).

Walks /proc/sys READ-ONLY (stat and read, never a write) in the initial network namespace and in
a fresh one (`unshare -n`), every interface, and lints every key found with
`tcptune lint --kernel <this kernel's X.Y> --format json` (offline: answered by the catalog
only). A key counts as missing when lint says it is not in the catalog (TT2002), suggests
another name (TT2006) or claims it does not exist on this kernel (TT2001). Exit 0 at >= 99 %,
1 below (the missing keys listed), 77 when /proc/sys cannot be walked.

usage: coverage_test.py TCPTUNE DATA_DIR
"""

import json
import os
import re
import subprocess
import sys
import tempfile

MIN_COVERAGE = 0.99
CHUNK = 150  # lint reports at most 200 findings per file


def walk(root="/proc/sys"):
    keys = []
    for d, dirs, names in os.walk(root):
        rel_d = os.path.relpath(d, root)
        if rel_d == "fs/binfmt_misc" or rel_d.startswith("fs/binfmt_misc/"):
            dirs[:] = []  # a separate file system, not sysctls
            continue
        for n in names:
            p = os.path.join(d, n)
            try:
                os.lstat(p)
            except OSError:
                continue
            keys.append(os.path.relpath(p, root))
    return keys


def dotted(path):
    # systemd's rule: with '.' separators, a '.' inside a name is written as '/'.
    return ".".join(part.replace(".", "/") for part in path.split("/"))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tcptune, data_dir = sys.argv[1], sys.argv[2]
    if "--walk" == tcptune:
        print("\n".join(walk()))
        return 0
    if not os.path.isdir("/proc/sys/net") or not os.access("/proc/sys", os.R_OK):
        print("SKIP: /proc/sys cannot be walked here")
        return 77
    init = set(walk())
    try:
        out = subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__),
                              "--walk", "-"], check=True, capture_output=True, text=True,
                             timeout=120).stdout
    except (OSError, subprocess.SubprocessError) as e:
        print("SKIP: cannot walk a fresh network namespace (unshare -n): %s" % e)
        return 77
    fresh = set(out.split())
    keys = sorted(init | fresh)
    if len(keys) < 100:
        print("SKIP: only %d keys under /proc/sys" % len(keys))
        return 77
    release = os.uname().release
    version = re.match(r"\d+\.\d+", release).group(0)
    missing = []
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i in range(0, len(keys), CHUNK):
            f = os.path.join(tmp, "%04d.conf" % i)
            with open(f, "w") as fh:
                for k in keys[i:i + CHUNK]:
                    fh.write("%s = 1\n" % dotted(k))
            files.append(f)
        for f in files:
            r = subprocess.run([tcptune, "--data-dir", data_dir, "lint", "--kernel", version,
                                "--format", "json", f], capture_output=True, text=True,
                               timeout=120)
            if r.returncode not in (0, 1):
                print("tcptune lint failed (%d): %s" % (r.returncode, r.stderr))
                return 1
            report = json.loads(r.stdout)
            for finding in report["findings"]:
                if finding["code"] == "TT1013":
                    print("findings were cut: %s" % finding["message"])
                    return 1
                if finding["code"] in ("TT2001", "TT2002", "TT2006"):
                    missing.append((finding.get("key"), finding["code"], finding["message"]))
    covered = len(keys) - len(missing)
    ratio = covered / len(keys)
    print("kernel %s: %d keys under /proc/sys (initial %d, fresh network namespace %d); "
          "%d in the catalog for %s (%.2f %%)" % (release, len(keys), len(init), len(fresh),
                                                 covered, version, 100 * ratio))
    for k, code, msg in missing:
        print("  missing: %s [%s] %s" % (k, code, msg))
    return 0 if ratio >= MIN_COVERAGE else 1


if __name__ == "__main__":
    sys.exit(main())
