#!/usr/bin/env python3
"""GitLab Code Quality and Checkstyle output against what their consumers accept:
report_formats_test.py TCPTUNE TESTS

Code Quality (`--format codeclimate`), as GitLab reads a `codequality` report artifact: a JSON
array; GitLab validates each issue against its codeclimate.json (description, fingerprint,
severity and location required, strings and integers where it says), keeps severities of
blocker/critical/major/minor/info, keys issues by fingerprint (two issues with one fingerprint
show as one), and its documentation requires check_name, location.path (relative to the
repository) and location.lines.begin. The checks below are written from that contract
(python3-jsonschema for the structure). Fingerprints must not depend on line numbers: GitLab
compares the merge request's report with the target branch's by fingerprint.

Checkstyle (`--format checkstyle`): xmllint (libxml2-utils) validates against checkstyle.xsd;
then, when Go and Debian's golang-github-haya14busa-go-checkstyle-dev are installed, a Go
program decodes it with that package's model (the one reviewdog's checkstyle support comes
from) through encoding/xml and must count the same errors per file as tcptune's JSON findings.

Outputs: lint on every fixture root (systemd and procps), offline files, hostile file names;
check on the generated check scenario roots.
"""
import atexit
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BIN, TESTS = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
FIX = os.path.join(TESTS, "fixtures")
XSD = os.path.join(TESTS, "integrations", "checkstyle.xsd")

try:
    import jsonschema
except ImportError:
    print("SKIP: python3-jsonschema is not installed")
    sys.exit(77)
if not shutil.which("xmllint"):
    print("SKIP: xmllint (libxml2-utils) is not installed")
    sys.exit(77)

ISSUE_SCHEMA = {
    "type": "object",
    "required": ["description", "check_name", "fingerprint", "severity", "location"],
    "properties": {
        "type": {"const": "issue"},
        "description": {"type": "string", "minLength": 1},
        "check_name": {"type": "string", "pattern": "^TT[0-9]{4}$"},
        "fingerprint": {"type": "string", "minLength": 1},
        "severity": {"enum": ["blocker", "critical", "major", "minor", "info"]},
        "categories": {"type": "array", "minItems": 1, "items": {"enum": [
            "Bug Risk", "Clarity", "Compatibility", "Complexity", "Duplication", "Performance",
            "Security", "Style"]}},
        "location": {
            "type": "object",
            "required": ["path", "lines"],
            "properties": {
                "path": {"type": "string", "minLength": 1},
                "lines": {"type": "object", "required": ["begin"],
                          "properties": {"begin": {"type": "integer", "minimum": 1}}},
            },
        },
    },
}
REPORT_SCHEMA = {"type": "array", "items": ISSUE_SCHEMA}
jsonschema.Draft7Validator.check_schema(REPORT_SCHEMA)
validator = jsonschema.Draft7Validator(REPORT_SCHEMA)
SEVERITY = {"error": "critical", "warning": "major", "info": "info"}

failures = []
checked = {"codeclimate": 0, "checkstyle": 0, "issues": 0, "errors": 0}


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(args, cwd=None):
    r = subprocess.run([BIN, *args], capture_output=True, timeout=120, cwd=cwd)
    if r.returncode not in (0, 1, 2):
        fail(f"{' '.join(args)}: exit {r.returncode}: {r.stderr[:300]!r}")
        return None
    return r.stdout


# The Go consumer, built once (None when Go or the package is missing).
go_reader = None
GO_PKG = "/usr/share/gocode/src/github.com/haya14busa/go-checkstyle/checkstyle"
tmpdir = tempfile.mkdtemp(prefix="tcptune-formats-")
atexit.register(shutil.rmtree, tmpdir, True)
if shutil.which("go") and os.path.isdir(GO_PKG):
    src = os.path.join(tmpdir, "src", "reader")
    os.makedirs(src)
    with open(os.path.join(src, "main.go"), "w") as f:
        f.write('''package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"

	"github.com/haya14busa/go-checkstyle/checkstyle"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	var r checkstyle.Result
	if err := xml.Unmarshal(data, &r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, f := range r.Files {
		for _, e := range f.Errors {
			fmt.Printf("%q %d %d %s %s\\n", f.Name, e.Line, e.Column, e.Severity, e.Source)
		}
	}
}
''')
    env = dict(os.environ, GOPATH=f"{tmpdir}:/usr/share/gocode", GO111MODULE="off",
               GOCACHE=os.path.join(tmpdir, "cache"))
    exe = os.path.join(tmpdir, "reader")
    r = subprocess.run(["go", "build", "-o", exe, "reader"], env=env, capture_output=True,
                       text=True, timeout=600)
    if r.returncode == 0:
        go_reader = exe
    else:
        fail(f"go build of the checkstyle reader failed: {r.stderr[:400]}")
else:
    print("note: go or golang-github-haya14busa-go-checkstyle-dev missing: "
          "the Go checkstyle reader is not run (xmllint still is)")


def check_pair(name, args, cwd=None):
    js = run(args + ["--format", "json"], cwd)
    cc = run(args + ["--format", "codeclimate"], cwd)
    cs = run(args + ["--format", "checkstyle"], cwd)
    if js is None or cc is None or cs is None:
        return
    findings = json.loads(js)["findings"]
    # Code Quality.
    try:
        issues = json.loads(cc)
    except ValueError as e:
        fail(f"{name}: codeclimate is not JSON: {e}")
        return
    for e in sorted(validator.iter_errors(issues), key=lambda e: list(e.absolute_path))[:5]:
        fail(f"{name}: codeclimate /{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}")
    checked["codeclimate"] += 1
    checked["issues"] += len(issues)
    if len(issues) != len(findings):
        fail(f"{name}: {len(issues)} Code Quality issues for {len(findings)} findings")
    fps = [i["fingerprint"] for i in issues]
    if len(set(fps)) != len(fps):
        fail(f"{name}: duplicate fingerprints (GitLab would show one issue for several)")
    for f, i in zip(findings, issues):
        if not i["description"].endswith(f" [{f['code']}]"):
            fail(f"{name}: description {i['description'][:80]!r} does not end with the code")
        if (i["check_name"], i["severity"]) != (f["code"], SEVERITY[f["severity"]]):
            fail(f"{name}: issue {i['check_name']}/{i['severity']} for finding {f['code']}/{f['severity']}")
        if f["file"] and f["line"] and i["location"]["lines"]["begin"] != f["line"]:
            fail(f"{name}: {f['code']}: line {i['location']['lines']['begin']}, finding says {f['line']}")
        if f["file"] and not f["file"].startswith("/") and i["location"]["path"].startswith("/"):
            fail(f"{name}: {f['code']}: a relative file became an absolute path {i['location']['path']}")
    # Checkstyle.
    r = subprocess.run(["xmllint", "--noout", "--schema", XSD, "-"], input=cs, capture_output=True)
    if r.returncode != 0:
        fail(f"{name}: xmllint: {r.stderr.decode(errors='replace')[:400]}")
    checked["checkstyle"] += 1
    if go_reader:
        r = subprocess.run([go_reader], input=cs, capture_output=True, timeout=60)
        if r.returncode != 0:
            fail(f"{name}: go-checkstyle cannot read it: {r.stderr[:300]!r}")
        else:
            rows = r.stdout.decode("utf-8", "replace").splitlines()
            checked["errors"] += len(rows)
            if len(rows) != len(findings):
                fail(f"{name}: go-checkstyle reads {len(rows)} errors for {len(findings)} findings")
            sources = sorted(row.split()[-1] for row in rows)
            want = sorted("tcptune." + f["code"] for f in findings)
            if sources != want:
                fail(f"{name}: go-checkstyle sources {sources[:5]} differ from codes {want[:5]}")


roots = sorted(d for d in glob.glob(os.path.join(FIX, "*")) if os.path.isdir(os.path.join(d, "etc")))
for root in roots:
    rel = os.path.relpath(root, FIX)
    for sem in ("systemd", "procps"):
        # Relative paths, as a CI job in a repository laid out like a root runs it.
        check_pair(f"lint {rel} ({sem})", ["--root", rel, "lint", "--semantics", sem], cwd=FIX)
check_pair("lint offline blog sysctl.conf", ["lint", "--kernel", "5.15", "etc/sysctl.conf"],
           cwd=os.path.join(FIX, "blog"))
with tempfile.TemporaryDirectory() as tmp:
    hostile = os.path.join(tmp.encode(), b"we ird <&\"> \xff name.conf")
    with open(hostile, "wb") as f:
        f.write(b"net.ipv4.tcp_tw_recycle = 1\n\xff\xfe = 3\nnet.ipv4.tcp_fin_timeout = 1 # \x01\xe2\x82\xac\n")
    check_pair("lint hostile file", ["lint", "--kernel", "6.1", os.fsdecode(hostile)])
# check: the generated scenario roots.
with tempfile.TemporaryDirectory() as tmp:
    r = subprocess.run([sys.executable, os.path.join(FIX, "check", "make_fixtures.py"), "--out", tmp],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        fail(f"make_fixtures.py: {r.stderr[:300]}")
    for root in sorted(glob.glob(os.path.join(tmp, "*"))):
        if os.path.isdir(os.path.join(root, "proc")):
            check_pair(f"check {os.path.basename(root)}", ["--root", root, "check", "--no-sockets"])

# Fingerprints do not move with line numbers: a comment added at the top changes no fingerprint.
with tempfile.TemporaryDirectory() as tmp:
    src = open(os.path.join(FIX, "blog", "etc", "sysctl.conf"), "rb").read()
    for i, body in enumerate((src, b"# one more line\n# and another\n" + src)):
        with open(os.path.join(tmp, f"{i}.conf"), "wb") as f:
            f.write(body)
    a = json.loads(run(["lint", "--kernel", "6.1", "--format", "codeclimate", "0.conf"], tmp))
    os.rename(os.path.join(tmp, "1.conf"), os.path.join(tmp, "1x.conf"))
    os.rename(os.path.join(tmp, "1x.conf"), os.path.join(tmp, "0.conf"))
    b = json.loads(run(["lint", "--kernel", "6.1", "--format", "codeclimate", "0.conf"], tmp))
    if [i["fingerprint"] for i in a] != [i["fingerprint"] for i in b] or not a:
        fail("fingerprints change when lines move")
    elif [i["location"]["lines"]["begin"] for i in a] == [i["location"]["lines"]["begin"] for i in b]:
        fail("the line-shift case did not shift lines")

if checked["codeclimate"] < 20 or checked["issues"] < 50:
    fail(f"only {checked['codeclimate']} reports with {checked['issues']} issues were checked")
print(f"report formats: {checked['codeclimate']} Code Quality reports ({checked['issues']} issues), "
      f"{checked['checkstyle']} Checkstyle reports (xmllint"
      f"{', go-checkstyle: %d errors' % checked['errors'] if go_reader else ''}); "
      f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
