#!/usr/bin/env python3
"""Every reference a user can see must point at something that exists.

    refs_test.py TCPTUNE SOURCE_DIR BUILD_DIR

Scanned: rules/*.toml, profiles/*.toml, man/*.[1-9], docs/*.md, README.md, rules/README.md,
profiles/README.md, examples/, and what the binary prints: `tcptune rules`, `tcptune explain`
for every code and every catalogued key (text and JSON), `tcptune profiles` and `profiles NAME`
for every profile, `lint --format sarif` rules metadata, and the fragment `apply --profile P`
writes for every shipped profile (run with --root on a generated fixture copy).

Fails on:
  * any mention of FACTS.md (the team's private notes, not shipped) or DESIGN.md / STYLE.md;
  * docs/X.md that does not exist, or docs/X.md#ANCHOR whose file has no <a id="ANCHOR">;
    in-page links (#ANCHOR) of docs/*.md that have no anchor;
  * docs/ not installed by `cmake --install` under share/doc/tcptune/docs/;
  * a tcptune manual page NAME(N) that man/ does not have or `cmake --install` does not
    install, or "tcptune(8) SECTION" where the page has no .SH/.SS SECTION;
  * a reference (data field) naming a repository file that is not installed (rules/..., src/...);
  * "commit X" where X is not 7-40 hex digits;
  * a Linux source path (net/..., include/..., Documentation/..., ...) that is not in Debian's
    linux-source-6.1 tarball, or a symbol named with it (`file.c func()`, `file.h (A, B)`) that
    the file does not contain. The tarball's member list and the cited files are cached under
    BUILD_DIR/refs/. Without /usr/src/linux-source-6.1.tar.xz (or $TCPTUNE_LINUX_SOURCE) this
    part is skipped: exit 77 if nothing else failed.
"""

import concurrent.futures
import glob
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

TARBALL = pathlib.Path(os.environ.get("TCPTUNE_LINUX_SOURCE", "/usr/src/linux-source-6.1.tar.xz"))
PREFIX = "linux-source-6.1/"

tcptune = os.path.realpath(sys.argv[1])
src = pathlib.Path(sys.argv[2]).resolve()
build = pathlib.Path(sys.argv[3]).resolve()
cache = build / "refs"
cache.mkdir(parents=True, exist_ok=True)

errors = []
kernel_refs = []  # (where, path, [symbols])


def err(where, msg):
    errors.append(f"{where}: {msg}")


def run(*args, root=None, ok=(0, 1)):
    cmd = [tcptune] + (["--root", str(root)] if root else []) + list(args)
    env = dict(os.environ, NO_COLOR="1", TCPTUNE_DATA_DIR=str(src))
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    if r.returncode not in ok:
        err(" ".join(args), f"exit {r.returncode}: {r.stderr.strip()[:300]}")
    return r.stdout


# ---------------------------------------------------------------------------------------------
# What exists: anchors of docs/*.md, man pages and their sections, the install tree.

def slug(heading):
    """GitHub's anchor for a Markdown heading."""
    h = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return h.replace(" ", "-")


def anchors_of(path):
    """Explicit <a id> anchors, and the slugs of the headings (docs/json.md links to those)."""
    text = path.read_text()
    ids = set(re.findall(r'<a id="([^"]+)"></a>', text))
    ids |= {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*$", text, re.M)}
    return ids


docs = {p.name: anchors_of(p) for p in (src / "docs").glob("*.md")}

man_pages = {}  # "tcptune.rules(5)" -> set of section titles (lower case)
for p in (src / "man").glob("*.[1-9]"):
    titles = set()
    for m in re.finditer(r'^\.(?:SH|SS)\s+"?([^"\n]+?)"?\s*$', p.read_text(), re.M):
        titles.add(m.group(1).replace("\\-", "-").lower())
    man_pages[f"{p.stem}({p.suffix[1:]})"] = titles

install = pathlib.Path(tempfile.mkdtemp(prefix="tcptune-refs-install."))
try:
    r = subprocess.run(["cmake", "--install", str(build), "--prefix", str(install)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        err("cmake --install", r.stderr.strip()[:500])
    installed = {str(p.relative_to(install)) for p in install.rglob("*") if p.is_file()}
finally:
    shutil.rmtree(install, ignore_errors=True)

for name in docs:
    if f"share/doc/tcptune/docs/{name}" not in installed:
        err("CMakeLists.txt", f"docs/{name} is not installed as share/doc/tcptune/docs/{name}")
for page in man_pages:
    stem, sec = page[:-3], page[-2]
    if not any(i in installed for i in (f"share/man/man{sec}/{stem}.{sec}",
                                        f"share/man/man{sec}/{stem}.{sec}.gz")):
        err("CMakeLists.txt", f"man/{stem}.{sec} is not installed under share/man/man{sec}")

# ---------------------------------------------------------------------------------------------
# The checks on one text.

KERNEL_DIRS = ("Documentation", "net", "include", "kernel", "fs", "mm", "arch", "drivers", "lib",
               "security", "init", "block", "ipc", "crypto", "tools", "scripts")
KERNEL_PATH = re.compile(r"(?<![\w/.~-])((?:%s)/[\w./+-]*\w\.(?:c|h|rst|txt))(?![\w/])"
                         % "|".join(KERNEL_DIRS))
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
SYMBOL_AFTER = re.compile(r"\s*(?::\s*)?(?:\(\s*(%s(?:\(\))?(?:\s*,\s*%s(?:\(\))?)*)\s*\)|(%s)\(\))"
                          % (IDENT, IDENT, IDENT))
SYMBOL_WORD = re.compile(r"\s+(%s)(?![\w(])" % IDENT)
# "func() (net/ipv4/x.c)", "func() in net/ipv4/x.c": the function named before its file.
SYMBOL_BEFORE = re.compile(r"(?<![\w.])(%s)\(\)(?:\s+in)?\s+\(?(%s)(?![\w/])"
                           % (IDENT, KERNEL_PATH.pattern[len("(?<![\w/.~-])"):]))


def check_text(where, text, is_reference=False):
    plain = text.replace("\\-", "-").replace("\\fB", "").replace("\\fI", "").replace("\\fR", "")
    plain = plain.replace("\\fP", "").replace("`", "")
    for bad in ("FACTS.md", "FACTS §", "DESIGN.md", "STYLE.md", "/work/shared"):
        if bad in plain:
            err(where, f"cites {bad!r} (private notes, not shipped): "
                       f"{plain[max(0, plain.find(bad) - 60):plain.find(bad) + 40]!r}")
    # docs/X.md and docs/X.md#ANCHOR
    for m in re.finditer(r"(?<![\w/])docs/([\w.-]+\.md)(?:#([\w-]+))?", plain):
        name, anchor = m.group(1), m.group(2)
        if name not in docs:
            err(where, f"docs/{name} does not exist")
        elif anchor and not anchor.isupper() and anchor not in docs[name]:  # NAME: placeholder
            err(where, f"docs/{name}#{anchor}: no such anchor")
    # tcptune manual pages: "tcptune.rules(5)", roff ".BR tcptune.rules (5)"
    for m in re.finditer(r"(?<![\w.-])(tcptune[\w.-]*)\s?\((\d)\)", plain):
        page = f"{m.group(1)}({m.group(2)})"
        if page not in man_pages:
            err(where, f"{page}: tcptune ships no such manual page")
        elif is_reference:
            rest = plain[m.end():].strip().strip(",.;").lower()
            if rest and rest not in man_pages[page]:
                err(where, f"{page} has no section {rest!r}")
    # commits
    for m in re.finditer(r"\bcommit\s+([0-9a-f]{4,})(\w*)", plain):
        if m.group(2) or not 7 <= len(m.group(1)) <= 40:
            err(where, f"commit {m.group(1) + m.group(2)!r} is not a commit id")
    # Linux source paths, with the symbols named right after them
    for m in KERNEL_PATH.finditer(plain):
        path = m.group(1)
        syms = []
        s = SYMBOL_AFTER.match(plain, m.end())
        if s:
            group = s.group(1) or s.group(2)
            syms = [x.strip().rstrip("()") for x in group.split(",")]
        else:
            w = SYMBOL_WORD.match(plain, m.end())
            if w and ("_" in w.group(1) or w.group(1).isupper()) and len(w.group(1)) > 3:
                syms = [w.group(1)]
        kernel_refs.append((where, path, syms))
    for m in SYMBOL_BEFORE.finditer(plain):
        kernel_refs.append((where, m.group(2), [m.group(1)]))
    if is_reference:
        if re.match(r"(rules|profiles|src|tests|man|completions|examples)/", plain):
            err(where, f"reference {plain!r} names a repository file that users do not have")


def references_of(data):
    """Every reference string in a rules/profiles TOML document, with a label."""
    out = []
    for table, items in data.items():
        if not isinstance(items, list):
            continue
        for it in items:
            if not isinstance(it, dict):
                continue
            label = it.get("code") or it.get("name") or it.get("key") or table
            for r in it.get("references", []):
                out.append((label, r))
            if "reference" in it:
                for r in re.split(r";\s*", it["reference"]):
                    for part in ([r] if not r.startswith("docs/") else re.split(r",\s*", r)):
                        out.append((label, part))
    return out


# Files.
codes, keys, profiles = [], [], []
for f in sorted(glob.glob(str(src / "rules" / "*.toml")) + glob.glob(str(src / "profiles" / "*.toml"))):
    p = pathlib.Path(f)
    rel = p.relative_to(src)
    check_text(str(rel), p.read_text())
    data = tomllib.loads(p.read_text())
    for label, r in references_of(data):
        check_text(f"{rel} {label} reference", r, is_reference=True)
    for c in data.get("check", []) + data.get("rule", []):
        codes.append(c["code"])
    for k in data.get("key", []):
        keys.append(k["name"])
    if p.parent.name == "profiles":
        profiles.append(data.get("name", p.stem))

for f in ([src / "README.md", src / "rules" / "README.md", src / "profiles" / "README.md"] +
          sorted((src / "docs").glob("*.md")) + sorted((src / "man").glob("*.[1-9]")) +
          sorted(p for p in (src / "examples").rglob("*") if p.is_file())):
    if f.exists():
        check_text(str(f.relative_to(src)), f.read_text(errors="replace"))

for name, anchors in docs.items():
    text = (src / "docs" / name).read_text()
    for m in re.finditer(r"\]\(#([\w-]+)\)", text):
        if m.group(1) not in anchors:
            err(f"docs/{name}", f"link #{m.group(1)}: no such anchor")

if len(codes) < 50 or len(keys) < 50 or len(profiles) < 4:
    err("data", f"too little data found: {len(codes)} codes, {len(keys)} keys, "
                f"{len(profiles)} profiles")

# What the binary prints. The explain pages are one process each: two at a time.
check_text("tcptune rules", run("rules"))
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    code_pages = list(pool.map(lambda c: run("explain", c), codes))
    key_pages = list(pool.map(lambda k: run("explain", k), keys))
for c, out in zip(codes, code_pages):
    if c not in out:
        err(f"tcptune explain {c}", "the output does not name the code")
    check_text(f"tcptune explain {c}", out)
    # Each line under "References:" is one reference: check it as a data reference too.
    refs = out.split("References:\n", 1)[1] if "References:\n" in out else ""
    for line in refs.splitlines():
        if line.strip().startswith("- "):
            check_text(f"tcptune explain {c} reference", line.strip()[2:], is_reference=True)
for k, out in zip(keys, key_pages):
    check_text(f"tcptune explain {k}", out)
check_text("tcptune profiles", run("profiles"))
for p in profiles:
    check_text(f"tcptune profiles {p}", run("profiles", p))
    check_text(f"tcptune profiles {p} --format json", run("profiles", p, "--format", "json"))

with tempfile.TemporaryDirectory(prefix="tcptune-refs.") as tmp:
    sarif_in = pathlib.Path(tmp) / "in.conf"
    sarif_in.write_text("net.ipv4.tcp_tw_recycle = 1\n")
    sarif = json.loads(run("lint", "--kernel", "6.1", "--format", "sarif", str(sarif_in)))
    rules = sarif["runs"][0]["tool"]["driver"].get("rules", [])
    if not rules:
        err("lint --format sarif", "no rules metadata to check")
    for rule in rules:
        for r in rule.get("properties", {}).get("references", []):
            check_text(f"sarif rule {rule.get('id')}", r, is_reference=True)

    # The fragment apply writes, for every shipped profile, on fresh generated fixture roots.
    fx = pathlib.Path(tmp) / "fx"
    subprocess.run([sys.executable, str(src / "tests/fixtures/check/make_fixtures.py"), "--out",
                    str(fx)], check=True, capture_output=True, timeout=300)
    # check: findings and changes (JSON carries each change's reference).
    for fmt in ("text", "json"):
        check_text(f"check --format {fmt} (blog-sysctl-conf)",
                   run("check", "--format", fmt, root=fx / "blog-sysctl-conf"))
    for p in profiles:
        if p == "base":
            continue
        root = pathlib.Path(tmp) / f"root-{p}"
        shutil.copytree(fx / "idle-default", root, symlinks=True)
        run("apply", "--profile", p, root=root, ok=(0,))
        frags = list((root / "etc/sysctl.d").glob("*tcptune*.conf"))
        if not frags:
            err(f"apply --profile {p}", "no fragment written")
        for f in frags:
            text = f.read_text()
            if "docs/facts.md#" not in text:
                err(f"apply --profile {p} fragment", "no docs/facts.md reference to check")
            check_text(f"apply --profile {p} fragment {f.name}", text)

# ---------------------------------------------------------------------------------------------
# Linux source paths against linux-source-6.1.

kernel_skipped = None
if not kernel_refs:
    err("kernel", "no Linux source path found at all: the scan is broken")
elif not TARBALL.exists():
    kernel_skipped = f"{TARBALL} is not installed (apt-get install linux-source-6.1)"
else:
    st = TARBALL.stat()
    members_file = cache / f"linux-source-6.1.{st.st_size}.{int(st.st_mtime)}.members"
    if not members_file.exists():
        listing = subprocess.run(["tar", "-tJf", str(TARBALL)], capture_output=True, text=True,
                                 check=True, timeout=900).stdout
        members_file.write_text(listing)
    members = set(members_file.read_text().split("\n"))
    wanted = set()
    for where, path, syms in kernel_refs:
        if PREFIX + path not in members:
            err(where, f"{path} is not in linux-source-6.1")
        elif syms:
            wanted.add(path)
    tree = cache / f"linux-source-6.1.{st.st_size}.{int(st.st_mtime)}"
    missing = sorted(p for p in wanted if not (tree / PREFIX / p).exists())
    if missing:
        tree.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-xJf", str(TARBALL), "-C", str(tree)] + [PREFIX + p for p in missing],
                       check=True, timeout=900)
    for where, path, syms in kernel_refs:
        f = tree / PREFIX / path
        if syms and f.exists():
            body = f.read_text(errors="replace")
            for s in syms:
                if re.search(r"(?<!\w)%s(?!\w)" % re.escape(s), body) is None:
                    err(where, f"{path} has no {s!r}")

n_kernel = len({p for _, p, _ in kernel_refs})
if errors:
    for e in errors:
        print("FAIL " + e)
    print(f"refs: {len(errors)} broken reference(s)")
    sys.exit(1)
print(f"refs: {len(codes)} codes, {len(keys)} keys, {len(profiles)} profiles, {len(docs)} docs "
      f"pages, {len(man_pages)} manual pages, {n_kernel} Linux source paths "
      f"{'found (not checked)' if kernel_skipped else 'checked against linux-source-6.1'}")
if kernel_skipped:
    print(f"refs: SKIPPED the Linux source paths: {kernel_skipped}")
    sys.exit(77)
