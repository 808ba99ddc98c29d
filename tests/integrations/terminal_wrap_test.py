#!/usr/bin/env python3
"""Text output on a terminal wraps to its width at spaces, never inside a word, and does not
wrap when piped. Runs the real binary on a pseudo-terminal (Python's pty) with COLUMNS set, and
again with the terminal's own size (TIOCSWINSZ, no COLUMNS), and compares with piped output:
the same words in the same order, every terminal line within the width (except a word wider
than the width, or a source excerpt with its caret line, which stay whole).

usage: terminal_wrap_test.py TCPTUNE SOURCE_DIR"""
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time

tcptune, src = sys.argv[1], sys.argv[2]
os.chdir(src)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)


def run_pty(args, columns, env_columns):
    """Output of args on a pty of `columns` columns; COLUMNS in the environment when asked."""
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(os.environ, NO_COLOR="1", TERM="xterm")
        env.pop("COLUMNS", None)
        if env_columns:
            env["COLUMNS"] = str(columns)
        os.execve(tcptune, [tcptune] + args, env)
    if not env_columns:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    # the child may already have asked for the size: it is set before exec in the other
    # branch; here the size is set on the master right away, before the child's first write
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 1.0)
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return os.waitstatus_to_exitcode(status), ANSI.sub("", text)


def run_pipe(args):
    env = dict(os.environ, NO_COLOR="1", COLUMNS="40")
    p = subprocess.run([tcptune] + args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       env=env, timeout=60)
    return p.returncode, p.stdout.decode()


def is_caret(line):
    return line.strip() != "" and set(line.strip()) <= {"^", "~"}


CASES = [
    ["--root", "tests/fixtures/blog", "lint"],
    ["--root", "tests/fixtures/blog", "check", "--no-sockets"],
    ["--root", "tests/fixtures/census-mix", "sockets", "--sample", "0"],
    ["explain", "TT6014"],
]

for args in CASES:
    rc_pipe, piped = run_pipe(args)
    widest = max(len(l) for l in piped.splitlines())
    for columns, env_columns in ((60, True), (44, False)):
        name = " ".join(args) + f" at {columns} columns ({'COLUMNS' if env_columns else 'TIOCGWINSZ'})"
        rc, out = run_pty(args, columns, env_columns)
        checks += 1
        if rc != rc_pipe:
            fail(f"{name}: exit {rc}, piped {rc_pipe}")
        if out.split() != piped.split():
            fail(f"{name}: the words differ from the piped output")
        lines = out.splitlines()
        for i, line in enumerate(lines):
            if len(line) <= columns:
                continue
            excerpt = is_caret(line) or (i + 1 < len(lines) and is_caret(lines[i + 1]))
            one_word = len(line.split()) == 1
            if not excerpt and not one_word:
                fail(f"{name}: line {i + 1} has {len(line)} columns: {line!r}")
        if widest > columns and out == piped:
            fail(f"{name}: not wrapped")
    # Piped: never wrapped, whatever COLUMNS says (run_pipe sets COLUMNS=40).
    checks += 1
    if args[-1] != "TT6014" and widest <= 40:
        fail(" ".join(args) + f": piped output is at most {widest} columns: no long line to test")

print(f"terminal wrapping: {checks - failures} of {checks} checks passed")
sys.exit(1 if failures else 0)
