#!/usr/bin/env python3
"""Every SARIF output against the SARIF 2.1.0 JSON schema: sarif_schema_test.py TCPTUNE TESTS BUILD

The schema is never copied into the repository; it is obtained at test time from a package:
1. a SARIF 2.1.0 schema installed by a Debian package (any `sarif*2.1.0*.json` under /usr/share
   that `dpkg -S` attributes to a package). Debian 12 has none: its two SARIF packages,
   python3-sarif-python-om and golang-github-haya14busa-go-sarif-dev, ship no schema file;
2. otherwise Microsoft's own copies from the npm registry, cached under BUILD/sarif-schema/:
   sarif-2.1.0-rtm.5.json (JSON Schema draft-04) from @microsoft/jest-sarif, and sarif-2.1.0.json
   (draft 2020-12) from @microsoft/sarif-multitool-linux, the schema the SARIF Multitool uses.
Skipped (exit 77) when no schema can be had (no package, no npm, nothing cached).

Validation is python3-jsonschema's (the validator class each schema's $schema names), then what
the schema cannot say and tcptune promises: tool.driver.informationUri; a helpUri on every rule,
equal to the help base of `tcptune --version` + the code, whose anchor exists in docs/codes.md
when the base is the repository's (or installed) docs/codes.md; every result with a physical
location whose region has a startLine; ruleIndex names the rule of ruleId.

SARIF comes from `lint --format sarif` on every fixture root (systemd and procps semantics, so
that file-level findings such as TT5004/TT5005/TT5007 appear), offline files, a missing file and
files with hostile names and bytes made in a temporary directory.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

BIN, TESTS, BUILD = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.path.dirname(os.path.abspath(TESTS))
FIX = os.path.join(TESTS, "fixtures")
NPM = [("@microsoft/jest-sarif@1.0.0-beta.0", "package/lib/schemas/sarif-2.1.0-rtm.5.json"),
       ("@microsoft/sarif-multitool-linux@5.7.0", "package/sarif-2.1.0.json")]

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)


def debian_schemas():
    out = []
    for path in glob.glob("/usr/share/**/*sarif*2.1.0*.json", recursive=True):
        r = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if r.returncode == 0:
            out.append((path, "Debian package " + r.stdout.split(":")[0]))
    return out


def npm_schemas():
    cache = os.path.join(BUILD, "sarif-schema")
    os.makedirs(cache, exist_ok=True)
    out = []
    for spec, member in NPM:
        dest = os.path.join(cache, os.path.basename(member))
        if not os.path.exists(dest) and shutil.which("npm"):
            with tempfile.TemporaryDirectory() as tmp:
                r = subprocess.run(["npm", "pack", "--silent", spec], cwd=tmp, capture_output=True,
                                   text=True, timeout=600)
                tgz = glob.glob(os.path.join(tmp, "*.tgz"))
                if r.returncode == 0 and tgz:
                    with tarfile.open(tgz[0]) as t:
                        data = t.extractfile(member).read()
                    with open(dest + ".part", "wb") as f:
                        f.write(data)
                    os.replace(dest + ".part", dest)
                else:
                    print(f"note: npm pack {spec} failed: {r.stderr.strip()[:300]}")
        if os.path.exists(dest):
            out.append((dest, "npm " + spec))
    return out


schemas = debian_schemas() or npm_schemas()
if not schemas:
    print("SKIP: no SARIF 2.1.0 schema: no Debian package ships one and npm gave none")
    sys.exit(77)
validators = []
for path, origin in schemas:
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validators.append((cls(schema), f"{os.path.basename(path)} ({origin}, {cls.__name__})"))

failures = []
fixed = set()  # codes of results that carried `fixes`


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


ver = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=60).stdout
m = re.search(r"^help pages: (\S+)$", ver, re.M)
help_base = m.group(1) if m else None
if help_base is None:
    fail(f"tcptune --version names no help pages: {ver!r}")
codes_md = open(os.path.join(ROOT, "docs", "codes.md"), encoding="utf-8").read()
anchors = set(re.findall(r'<a id="(TT\d{4})"></a>', codes_md))


def check_log(name, text):
    try:
        log = json.loads(text)
    except ValueError as e:
        fail(f"{name}: not JSON: {e}")
        return 0
    for v, label in validators:
        errs = sorted(v.iter_errors(log), key=lambda e: list(e.absolute_path))
        for e in errs[:5]:
            fail(f"{name}: {label}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
    for run in log.get("runs", []):
        driver = run["tool"]["driver"]
        info = driver.get("informationUri", "")
        if not re.match(r"^[a-z][a-z0-9+.-]*:", info):
            fail(f"{name}: tool.driver.informationUri {info!r} is not an absolute URI")
        rules = driver.get("rules", [])
        for rule in rules:
            uri = rule.get("helpUri")
            if help_base and uri != help_base + rule["id"]:
                fail(f"{name}: rule {rule['id']}: helpUri {uri!r}, not {help_base + rule['id']!r}")
            if uri and uri.split("#")[0].endswith("/docs/codes.md") and rule["id"] not in anchors:
                fail(f"{name}: rule {rule['id']}: docs/codes.md has no anchor {rule['id']}")
        for i, res in enumerate(run.get("results", [])):
            at = f"{name}: result {i} ({res.get('ruleId')})"
            if rules[res["ruleIndex"]]["id"] != res["ruleId"]:
                fail(f"{at}: ruleIndex names {rules[res['ruleIndex']]['id']}")
            locs = res.get("locations") or []
            region = locs[0].get("physicalLocation", {}).get("region", {}) if locs else {}
            if not locs or not locs[0]["physicalLocation"]["artifactLocation"].get("uri"):
                fail(f"{at}: no physical location")
            elif not isinstance(region.get("startLine"), int) or region["startLine"] < 1:
                fail(f"{at}: no region.startLine")
        for res in run.get("results", []):
            if res.get("fixes"):
                fixed.add(res["ruleId"])
        return len(run.get("results", []))
    return 0


def lint(name, *args, rcs=(0, 1, 2)):
    cmd = ([BIN, *args[:2], "lint", "--format", "sarif", *args[2:]] if args[0] == "--root"
           else [BIN, "lint", "--format", "sarif", *args])
    r = subprocess.run(cmd,
                       capture_output=True, text=True, timeout=120, errors="surrogateescape")
    if r.returncode not in rcs:
        fail(f"{name}: exit {r.returncode}: {r.stderr[:300]}")
        return 0, set()
    n = check_log(name, r.stdout)
    codes = set(re.findall(r'"ruleId": "(TT\d{4})"', r.stdout))
    return n, codes


total = 0
seen = set()
runs = 0
roots = sorted(d for d in glob.glob(os.path.join(FIX, "*")) if os.path.isdir(os.path.join(d, "etc")))
roots += sorted(glob.glob(os.path.join(FIX, "check", "*")))
for root in roots:
    if not os.path.isdir(os.path.join(root, "etc")):
        continue
    for sem in ("systemd", "procps"):
        n, codes = lint(f"{os.path.relpath(root, TESTS)} ({sem})", "--root", root, "--semantics", sem)
        total, runs = total + n, runs + 1
        seen |= codes
with tempfile.TemporaryDirectory() as tmp:
    hostile = os.path.join(tmp.encode(), b"we ird%20 \xff\n name.conf")
    with open(hostile, "wb") as f:
        f.write(b"net.ipv4.tcp_tw_recycle = 1\n\xff\xfe = 3\nnet.ipv4.tcp_fin_timeout = 1 # \xe2\x82\xac\n")
    for name, args in [("offline blog sysctl.conf",
                        ["--kernel", "5.15", os.path.join(FIX, "blog", "etc", "sysctl.conf")]),
                       ("missing file", ["--kernel", "6.1", os.path.join(tmp, "missing.conf")]),
                       ("hostile file", ["--kernel", "6.1", os.fsdecode(hostile)])]:
        n, codes = lint(name, *args)
        total, runs = total + n, runs + 1
        seen |= codes
for must in ("TT5004", "TT5005", "TT5007"):
    if must not in seen:
        fail(f"no SARIF output had a {must} result: the file-level location case is not covered")
missing = {"TT1006", "TT1011", "TT1014", "TT2003", "TT2006", "TT4001", "TT4004", "TT4005",
           "TT4007", "TT4008"} - fixed
if missing:
    fail(f"no SARIF result of {sorted(missing)} carried `fixes` (tests/fixtures/fixable has them)")
if runs < 10 or total < 50:
    fail(f"only {runs} SARIF logs with {total} results were checked")
print(f"sarif: {runs} logs, {total} results, {len(seen)} codes against "
      f"{'; '.join(label for _, label in validators)}; {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
