#!/usr/bin/env python3
"""`--format gcc` read by the editors' real gcc parsers.

    gcc_format_test.py TCPTUNE_BIN TESTS_DIR

Every `lint --format gcc` case of tests/cli/cases, `check --format gcc` on every check scenario
root (tests/fixtures/check/make_fixtures.py) and a read-only `check --format gcc` of this host
are loaded into real vim (`vim -es -N -u NONE`, `:compiler gcc`, `:cgetfile`), and getqflist()
is written out as JSON. Every line must become a valid quickfix entry whose file, line, column,
type (e, w, or none for a note) and text are those of the line. The same lines go through the
regular expression of VS Code's `$gcc` problem matcher (ms-vscode.cpptools): every error and
warning line must match with the same file, line, column and severity; note lines are, as for
gcc's own notes, not taken by that matcher (and must not be mistaken for errors or warnings).
Exit 77 when vim or its gcc compiler plugin is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|note): "
                  r"(?P<msg>.* \[TT\d{4}\])$")
# VS Code's $gcc (ms-vscode.cpptools package.json): file 1, line 2, column 3, severity 4, message 5.
VSCODE_GCC = re.compile(r"^(.*?):(\d+):(\d*):?\s+(?:fatal\s+)?(warning|error):\s+(.*)$")


def main():
    if len(sys.argv) != 3:
        print("usage: gcc_format_test.py TCPTUNE_BIN TESTS_DIR", file=sys.stderr)
        return 2
    binary = os.path.realpath(sys.argv[1])
    tests = os.path.realpath(sys.argv[2])
    src = os.path.dirname(tests)
    vim = shutil.which("vim")
    if vim is None:
        print("SKIP: vim not found (Debian package vim)")
        return 77
    env = dict(os.environ, NO_COLOR="1", TCPTUNE_DATA_DIR=os.environ.get("TCPTUNE_DATA_DIR", src))
    failures = []
    passed = 0
    tmp = tempfile.mkdtemp(prefix="tcptune-gcc.")
    try:
        roots = os.path.join(tmp, "roots")
        subprocess.run([sys.executable, os.path.join(tests, "fixtures/check/make_fixtures.py"),
                        "--out", roots], check=True, stdout=subprocess.DEVNULL, timeout=120)
        outputs = []  # (label, argv)
        for name in sorted(os.listdir(os.path.join(tests, "cli/cases"))):
            if not (name.startswith("lint-") and name.endswith(".cmd")):
                continue
            cmd = open(os.path.join(tests, "cli/cases", name)).read().strip()
            if "--help" in cmd:
                continue
            cmd = re.sub(r"--format[ =]\S+", "", cmd)
            outputs.append((name, ["bash", "-c", cmd + " --format gcc"]))
        for r in sorted(os.listdir(roots)):
            outputs.append(("check " + r, [binary, "--root", os.path.join(roots, r), "--format",
                                           "gcc", "check"]))
        outputs.append(("check (this host, read-only)", [binary, "--format", "gcc", "check",
                                                         "--kernel", "6.1", "--profile", "web"]))
        env["TCPTUNE"] = binary
        total_lines = 0
        kinds = set()
        for label, argv in outputs:
            p = subprocess.run(argv, cwd=src, env=env, capture_output=True, text=True, timeout=60)
            if p.returncode > 2:  # 2: a malformed file, reported in the same lines
                failures.append(f"{label}: exit {p.returncode}: {p.stderr[:300]}")
                continue
            lines = p.stdout.splitlines()
            if not lines:
                continue
            errfile = os.path.join(tmp, "out.txt")
            qf = os.path.join(tmp, "qf.json")
            with open(errfile, "w") as f:
                f.write(p.stdout)
            if os.path.exists(qf):
                os.unlink(qf)
            script = ("let l = getqflist()\n"
                      "call map(l, {_, e -> extend(e, {'fname': bufname(e.bufnr)})})\n"
                      f"call writefile([json_encode(l)], '{qf}')\n")
            with open(os.path.join(tmp, "dump.vim"), "w") as f:
                f.write(script)
            v = subprocess.run([vim, "-es", "-N", "-u", "NONE", "-i", "NONE", "-c", "compiler gcc",
                                "-c", f"cgetfile {errfile}", "-c",
                                f"source {os.path.join(tmp, 'dump.vim')}", "-c", "qa!"],
                               cwd=src, capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
            if not os.path.exists(qf):
                print(f"SKIP: vim could not load its gcc compiler plugin: {v.stdout} {v.stderr}")
                return 77
            qflist = json.load(open(qf))
            if len(qflist) != len(lines):
                failures.append(f"{label}: {len(lines)} lines, {len(qflist)} quickfix entries")
                continue
            ok = True
            for text, e in zip(lines, qflist):
                total_lines += 1
                m = LINE.match(text)
                if m is None:
                    failures.append(f"{label}: not file:line:col: severity: message [code]: {text}")
                    ok = False
                    continue
                sev = m["sev"]
                kinds.add(sev)
                want_type = {"error": "e", "warning": "w", "note": ""}[sev]
                want_text = m["msg"] if sev != "note" else "note: " + m["msg"]
                got_file = os.path.normpath(os.path.join(src, e["fname"]))
                want_file = os.path.normpath(os.path.join(src, m["file"]))
                if not (e["valid"] == 1 and got_file == want_file and e["lnum"] == int(m["line"])
                        and e["col"] == int(m["col"]) and e["type"] == want_type
                        and e["text"] == want_text):
                    failures.append(f"{label}: vim read {json.dumps(e)} from: {text}")
                    ok = False
                vs = VSCODE_GCC.match(text)
                if sev == "note":
                    if vs is not None:
                        failures.append(f"{label}: VS Code $gcc took a note as {vs[4]}: {text}")
                        ok = False
                elif vs is None or (vs[1], vs[2], vs[3], vs[4]) != (m["file"], m["line"],
                                                                     m["col"], sev):
                    failures.append(f"{label}: VS Code $gcc: {vs and vs.groups()} from: {text}")
                    ok = False
            if ok:
                passed += 1
                print(f"ok: {label}: {len(lines)} lines, every one a valid vim quickfix entry "
                      "(file, line, column, type, text) and VS Code $gcc match")
        if total_lines < 30 or kinds != {"error", "warning", "note"}:
            failures.append(f"too little was tested: {total_lines} lines, severities {kinds}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in failures:
        print("FAIL: " + f)
    print(f"gcc_format: {passed} outputs passed, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
