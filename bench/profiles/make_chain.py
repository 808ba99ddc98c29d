#!/usr/bin/env python3
"""Writes a root whose /etc/tcptune/profiles holds N user profiles extending each other
(c1 extends web, c2 extends c1, ...), one setting each, for timing profile resolution.
  make_chain.py N OUT_ROOT"""
import os
import sys

n, out = int(sys.argv[1]), sys.argv[2]
d = os.path.join(out, "etc/tcptune/profiles")
os.makedirs(d, exist_ok=True)
os.makedirs(os.path.join(out, "proc/sys/kernel"), exist_ok=True)
with open(os.path.join(out, "proc/sys/kernel/osrelease"), "w") as f:
    f.write("6.1.0\n")
for i in range(1, n + 1):
    with open(os.path.join(d, f"c{i}.toml"), "w") as f:
        f.write(f'name = "c{i}"\nextends = "{"web" if i == 1 else f"c{i - 1}"}"\n'
                f'summary = "link {i}"\n\n[[setting]]\nkey = "net.core.somaxconn"\n'
                f'op = ">="\nvalue = {4096 + i}\nrationale = "chain link {i}"\nreference = "bench"\n')
