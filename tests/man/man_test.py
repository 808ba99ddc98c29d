#!/usr/bin/env python3
"""The manual pages against the program: usage: man_test.py TCPTUNE SRCDIR (SRCDIR = tests/).

- every page is `mandoc -T lint -W warning` clean;
- tcptune-codes(7) is exactly what `tcptune rules --format man` prints (generated from the same
  data as `tcptune explain`), and lists every code `tcptune rules` knows;
- tcptune(8) documents every command of `tcptune --help`, every option each `tcptune CMD --help`
  prints (in that command's section), every global option, every exit status and every
  environment variable the sources read; and no option it lists under a command is unknown
  to that command's --help;
- the examples in tcptune.profile(5) load (`tcptune --root R profiles NAME`).
"""
import os
import re
import subprocess
import sys
import tempfile

BIN, TESTS = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.abspath(TESTS))
MAN = os.path.join(ROOT, "man")
PAGES = ["tcptune.8", "tcptune.rules.5", "tcptune.profile.5", "tcptune-codes.7"]
GLOBAL = {"--root", "--format", "--color", "--data-dir", "--quiet", "--help", "--version"}
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg)


def run(*args, env=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, env=env)


def read(name):
    with open(os.path.join(MAN, name), encoding="utf-8") as f:
        return f.read()


def options(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text))


def man_options(roff):
    """Options written in roff (\\-\\-name), as --name."""
    return {"--" + m.replace("\\-", "-") for m in re.findall(r"\\-\\-((?:[a-z0-9]|\\-)+)", roff)}


def section(roff, macro, name):
    """The text of `.SH name` / `.SS name` up to the next .SH or .SS."""
    m = re.search(r"^\." + macro + r" \"?" + re.escape(name) + r"\"?\n", roff, re.M)
    if not m:
        return None
    rest = roff[m.end():]
    n = re.search(r"^\.S[HS] ", rest, re.M)
    return rest[: n.start()] if n else rest


# 1. mandoc lint.
for page in PAGES:
    path = os.path.join(MAN, page)
    if not os.path.exists(path):
        fail(f"man/{page} is missing")
        continue
    r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", path], capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
        fail(f"mandoc -T lint -W warning man/{page}:\n{r.stdout}{r.stderr}")

# 2. The codes page is generated from the data.
gen = run("rules", "--format", "man")
if gen.returncode != 0:
    fail(f"tcptune rules --format man exited {gen.returncode}: {gen.stderr}")
elif gen.stdout != read("tcptune-codes.7"):
    fail("man/tcptune-codes.7 differs from `tcptune rules --format man`: "
         "regenerate it with `cmake --build build --target man-codes`")
codes = [line.split()[0] for line in run("rules").stdout.splitlines() if line.strip()]
if len(codes) < 60:
    fail(f"tcptune rules listed only {len(codes)} codes")
codes_page = read("tcptune-codes.7")
for code in codes:
    if f'.SS "{code} ' not in codes_page:
        fail(f"{code} is not documented in man/tcptune-codes.7")

# 2b. docs/codes.md (the page of every code: help URIs point at its anchors) is generated too.
md = run("rules", "--format", "markdown").stdout
with open(os.path.join(ROOT, "docs", "codes.md"), encoding="utf-8") as f:
    if f.read() != md:
        fail("docs/codes.md differs from `tcptune rules --format markdown`: "
             "regenerate it with `cmake --build build --target docs-codes`")
for code in codes:
    if f'<a id="{code}"></a>' not in md:
        fail(f"{code} has no anchor in docs/codes.md")

# 3. tcptune(8) against --help.
page = read("tcptune.8")
top = run("--help")
commands = re.findall(r"^  ([a-z]+)  ", top.stdout.split("global options:")[0], re.M)
if len(commands) < 9:
    fail(f"could not read the commands from tcptune --help: {commands}")
global_opts = options("\n".join(line.split("  ")[1] if line.startswith("  -") else ""
                                 for line in top.stdout.split("global options:")[1].splitlines()))
global_sec = section(page, "SH", "GLOBAL OPTIONS") or ""
for opt in sorted(global_opts):
    if opt not in man_options(global_sec):
        fail(f"global option {opt} (tcptune --help) is not in tcptune(8) GLOBAL OPTIONS")
for opt in sorted(GLOBAL - {"--help", "--version"}):
    if opt not in global_opts:
        fail(f"global option {opt} is missing from tcptune --help")
for cmd in commands:
    sec = section(page, "SS", cmd)
    if sec is None:
        fail(f"command {cmd} has no .SS section in tcptune(8)")
        continue
    h = run(cmd, "--help")
    if h.returncode != 0:
        fail(f"tcptune {cmd} --help exited {h.returncode}")
        continue
    help_opts = options(h.stdout) - GLOBAL
    documented = man_options(sec)
    for opt in sorted(help_opts - documented):
        fail(f"tcptune {cmd} --help shows {opt}, which tcptune(8) section '{cmd}' does not document")
    # Options the man page lists as items (.TP headings) must exist in the command's --help.
    items = re.findall(r"^\.TP\n\.B[IR]? (\\-\\-(?:[a-z0-9]|\\-)+)", sec, re.M)
    for item in items:
        opt = item.replace("\\-", "-")
        if opt not in options(h.stdout) and opt not in GLOBAL:
            fail(f"tcptune(8) section '{cmd}' documents {opt}, which tcptune {cmd} --help does not show")
    # Each command has at least one example in EXAMPLES.
# 3b. SYNOPSIS against each command's usage lines (--help up to its first blank line): every
# option the usage shows is in the command's SYNOPSIS entry, and the entry shows no other.
synopsis = {}
for block in (section(page, "SH", "SYNOPSIS") or "").split("\n.br\n"):
    names = [w for w in re.findall(r"^\.B ([a-z]+)$", block, re.M) if w != "tcptune"]
    if names:
        synopsis[names[0]] = synopsis.get(names[0], set()) | man_options(block)
for cmd in commands:
    usage = run(cmd, "--help").stdout.split("\n\n")[0]
    want = options(usage) - GLOBAL
    have = synopsis.get(cmd)
    if have is None:
        fail(f"tcptune(8) SYNOPSIS has no entry for {cmd}")
        continue
    for opt in sorted(want - have):
        fail(f"tcptune {cmd} --help usage shows {opt}, which tcptune(8) SYNOPSIS does not")
    for opt in sorted(have - want):
        fail(f"tcptune(8) SYNOPSIS shows {opt} for {cmd}, which its --help usage does not")
exit_sec = section(page, "SH", "EXIT STATUS") or ""
for code in range(6):
    if f".B {code}\n" not in exit_sec:
        fail(f"exit status {code} is not in tcptune(8) EXIT STATUS")
examples = section(page, "SH", "EXAMPLES") or ""
for cmd in commands:
    if not re.search(r"^tcptune (\\-\\-\S+ \S+ )*" + cmd + r"\b", examples, re.M):
        fail(f"tcptune(8) EXAMPLES has no example of {cmd}")
env_sec = section(page, "SH", "ENVIRONMENT") or ""
src = os.path.join(ROOT, "src")
env_vars = set()
for dirpath, _, files in os.walk(src):
    for f in files:
        if f.endswith(".cpp"):
            with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                env_vars |= set(re.findall(r'(?:getenv|env)\("([A-Z_]+)"\)', fh.read()))
if len(env_vars) < 3:  # TCPTUNE_DATA_DIR, NO_COLOR, TERM (the fault switch is test-only)
    fail(f"found only {sorted(env_vars)} environment variables in src/")
for var in sorted(env_vars):
    if f".B {var}\n" not in env_sec:
        fail(f"environment variable {var} (read in src/) is not in tcptune(8) ENVIRONMENT")

# 4. The profile example in tcptune.profile(5) is a valid profile.
prof = read("tcptune.profile.5")
m = re.search(r"^\.EX\n# /etc/tcptune/profiles/(\S+)\.toml\n(.*?)^\.EE", prof, re.M | re.S)
if not m:
    fail("tcptune.profile(5) has no profile example")
else:
    with tempfile.TemporaryDirectory() as root:
        d = os.path.join(root, "etc/tcptune/profiles")
        os.makedirs(d)
        body = m.group(2).replace("\\-", "-").replace("\\(dq", '"')
        with open(os.path.join(d, m.group(1) + ".toml"), "w", encoding="utf-8") as f:
            f.write(body)
        r = run("--root", root, "profiles", m.group(1))
        if r.returncode != 0:
            fail(f"the example profile in tcptune.profile(5) does not load: {r.stderr}")

# 5. SEE ALSO names pages that exist.
for name in PAGES:
    for ref, sec_no in re.findall(r"^\.BR (tcptune[\w.\\-]*) \((\d)\)", read(name), re.M):
        ref = ref.replace("\\-", "-")
        if f"{ref}.{sec_no}" not in PAGES:
            fail(f"man/{name} refers to {ref}({sec_no}), which is not shipped")

print(f"man: {len(PAGES)} pages, {len(commands)} commands, {len(codes)} codes, "
      f"{len(env_vars)} environment variables checked; {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
