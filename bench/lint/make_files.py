#!/usr/bin/env python3
"""make_files.py OUTDIR [LINES] -- sysctl.d files for the lint benchmark (bench/lint/README.md).

Writes into OUTDIR:
  known-LINES.conf    LINES assignments of keys the catalog knows (net.*, cycled, values kept
                      valid: the key's own small default-ish value)
  unknown-LINES.conf  LINES assignments of keys no catalog has: a one-letter typo of a known
                      key (so "did you mean" finds a candidate), ~40k distinct
  known-distinct-LINES.conf
                      LINES assignments of distinct known keys: interface keys
                      net.ipv4.conf.ifN.LEAF (catalog patterns), as many distinct keys as the
                      unknown file has, cycled alike, so the two compare key for key
  empty.conf          one comment line (the fixed cost of a run)
Deterministic: the same files every time.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TSV = os.path.join(HERE, "..", "..", "rules", "kernel_keys.tsv")


def keys():
    out = []
    with open(TSV, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            f = line.rstrip("\n").split("\t")
            path, typ, lo, hi, count, flags = f[0], f[1], f[2], f[3], f[4], f[5]
            if not path.startswith("net/ipv4/tcp_") or "<" in path or "r" in flags:
                continue
            if typ not in ("int", "uint") or count != "1":
                continue
            if (lo != "-" and int(lo) > 1) or (hi != "-" and int(hi) < 1):
                continue
            out.append(path.replace("/", "."))
    return out


def conf_leaves():
    out = []
    with open(TSV, encoding="utf-8") as f:
        for line in f:
            f_ = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(f_) < 6 or not f_[0].startswith("net/ipv4/conf/<if>/"):
                continue
            if f_[1] in ("int", "uint") and f_[4] == "1" and "r" not in f_[5]:
                out.append(f_[0][len("net/ipv4/conf/<if>/"):])
    return out


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) == 3 else 100000
    os.makedirs(out, exist_ok=True)
    ks = keys()
    with open(os.path.join(out, f"known-{n}.conf"), "w") as f:
        for i in range(n):
            # the same few keys again and again: later assignments override earlier ones
            f.write(f"{ks[i % len(ks)]} = 1\n")
    unknown = []
    for i in range(n):
        # a one-letter typo in the leaf (the did-you-mean search has a near candidate to
        # find): key, position and letter cycle, so about a quarter of the lines are distinct
        k = ks[i % len(ks)]
        j = i // len(ks)
        leaf0 = len("net.ipv4.tcp_")
        pos = leaf0 + j % (len(k) - leaf0)
        letter = "abcdefghijklmnopqrstuvwxyz"[(j // (len(k) - leaf0)) % 26]
        if letter == k[pos]:
            letter = "q" if k[pos] != "q" else "z"
        unknown.append(f"{k[:pos]}{letter}{k[pos + 1:]} = 1\n")
    with open(os.path.join(out, f"unknown-{n}.conf"), "w") as f:
        f.writelines(unknown)
    # As many distinct known keys as the unknown file has, cycled the same way.
    distinct = len(set(unknown))
    leaves = conf_leaves()
    with open(os.path.join(out, f"known-distinct-{n}.conf"), "w") as f:
        for i in range(n):
            d = i % distinct
            f.write(f"net.ipv4.conf.if{d // len(leaves)}.{leaves[d % len(leaves)]} = 0\n")
    with open(os.path.join(out, "empty.conf"), "w") as f:
        f.write("# nothing\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
