#!/usr/bin/env python3
"""What `tcptune lint` claims the kernel does with a value, against the live kernel.

    value_claims.py TCPTUNE DATA_DIR

For every curated net.* key of rules/keys.toml with a range or a set of values, and that exists
and is writable in a fresh network namespace, values at and just outside the range are linted
(live mode) and then written, one by one, inside a network namespace this test creates
(`unshare -n`; only net.* keys, each restored after the write). A value lint calls refused
(TT3001, TT3002) must fail with EINVAL; any other value must be accepted. Exit 77 when no network
namespace can be created.
"""

import json
import os
import subprocess
import sys
import tempfile
import tomllib


def candidates(key):
    vals = set()
    if "values" in key:
        vs = key["values"]
        vals |= {min(vs) - 1, max(vs) + 1, max(vs)}
    if "min" in key:
        vals |= {key["min"] - 1, key["min"]}
    if "max" in key:
        vals |= {key["max"], key["max"] + 1}
    return sorted(vals)


WRITER = r"""
import json, os, sys
todo = json.load(open(sys.argv[1]))
out = []
for path, value in todo:
    p = "/proc/sys/" + path
    try:
        before = open(p).read()
    except OSError:
        out.append([path, value, "absent"]); continue
    if not os.access(p, os.W_OK) or not (os.stat(p).st_mode & 0o200):
        out.append([path, value, "read-only"]); continue
    try:
        fd = os.open(p, os.O_WRONLY)
        try:
            os.write(fd, (value + "\n").encode())
        finally:
            os.close(fd)
        r = "ok"
    except OSError as e:
        r = "errno %d" % e.errno
    try:
        fd = os.open(p, os.O_WRONLY)
        os.write(fd, before.encode()); os.close(fd)
    except OSError:
        pass
    out.append([path, value, r])
json.dump(out, open(sys.argv[2], "w"))
"""


def main(argv):
    tcptune, data = argv[1], argv[2]
    if os.geteuid() != 0 or subprocess.run(["unshare", "-n", "true"],
                                           capture_output=True).returncode != 0:
        print("SKIP: cannot create a network namespace (unshare -n)")
        return 77
    with open(os.path.join(data, "rules/keys.toml"), "rb") as f:
        keys = tomllib.load(f)["key"]
    todo = []
    for k in keys:
        name = k["name"]
        if not name.startswith("net.") or "<" in name or k.get("type") not in ("int", "uint", "enum",
                                                                                "bool", "ulong"):
            continue
        for v in candidates(k):
            todo.append((name.replace(".", "/"), str(v)))
    if len(todo) < 50:
        print(f"FAIL: only {len(todo)} values to check: rules/keys.toml not as expected")
        return 1
    with tempfile.TemporaryDirectory(prefix="tcptune-claims.") as tmp:
        # Lint: one file per value (a key assigned twice in one file draws TT1006 only).
        claims = {}
        conf_dir = os.path.join(tmp, "conf")
        os.mkdir(conf_dir)
        files = []
        for i, (path, value) in enumerate(todo):
            fn = os.path.join(conf_dir, f"{i:05d}.conf")
            with open(fn, "w") as f:
                f.write(f"{path.replace('/', '.')} = {value}\n")
            files.append(fn)
        for i in range(0, len(files), 200):
            batch = files[i:i + 200]
            p = subprocess.run([tcptune, "lint", "--format", "json", "--semantics", "procps"]
                               + batch, capture_output=True, text=True, timeout=120)
            report = json.loads(p.stdout)
            for f in report["findings"]:
                if f.get("file") and f["code"] in ("TT3001", "TT3002", "TT3003"):
                    claims.setdefault(os.path.basename(f["file"]), set()).add(f["code"])
        todo_file = os.path.join(tmp, "todo.json")
        res_file = os.path.join(tmp, "res.json")
        with open(todo_file, "w") as f:
            json.dump(todo, f)
        subprocess.run(["unshare", "-n", sys.executable, "-c", WRITER, todo_file, res_file],
                       check=True, timeout=120)
        with open(res_file) as f:
            results = json.load(f)
    failures = checked = 0
    for i, (path, value, r) in enumerate(results):
        if r in ("absent", "read-only"):
            continue
        checked += 1
        codes = claims.get(f"{i:05d}.conf", set())
        says_refused = bool(codes & {"TT3001", "TT3002"})
        refused = r != "ok"
        if says_refused != refused:
            failures += 1
            print(f"FAIL: {path.replace('/', '.')} = {value}: the kernel "
                  f"{'refuses it (' + r + ')' if refused else 'accepts it'}, lint says "
                  f"{sorted(codes) or 'nothing'}")
    print(f"value claims: {checked} writes checked against the live kernel, {failures} wrong")
    if checked < 50:
        print("FAIL: fewer than 50 writes could be checked")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
