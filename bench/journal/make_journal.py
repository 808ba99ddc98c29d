#!/usr/bin/env python3
"""make_journal.py ROOT N: replaces the one journal entry under ROOT/var/lib/tcptune (left by
a real `tcptune --root ROOT apply`) with N copies, ids 20260001T000000Z-01 and on, seq 1..N."""
import json, sys, os, glob
root, n = sys.argv[1], int(sys.argv[2])
d = root + "/var/lib/tcptune"
src = sorted(glob.glob(d + "/*.json"))[-1]
e = json.load(open(src))
os.remove(src)
for i in range(1, n + 1):
    e["id"] = "2026%04dT000000Z-01" % i
    e["seq"] = i
    with open(f"{d}/{e['id']}.json", "w") as f:
        json.dump(e, f, indent=2)
    os.chmod(f"{d}/{e['id']}.json", 0o600)
