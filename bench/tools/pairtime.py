#!/usr/bin/env python3
"""pairtime.py [-n RUNS] [--warmup W] -- 'COMMAND A' 'COMMAND B'

Times two commands in turn (A B A B ...), each as a whole process (its rusage from wait4:
user and system CPU, peak RSS; wall from a monotonic clock), stdout and stderr thrown away.
Prints the median (and min-max) of each figure per command and the median of the ratio A/B
taken pair by pair, so that a drift of the machine's speed (other jobs on a shared host)
hits both sides of each pair alike. Commands are split like a shell's words (shlex), no shell.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(argv):
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"user": ru.ru_utime, "sys": ru.ru_stime, "cpu": ru.ru_utime + ru.ru_stime,
            "wall": wall, "rss_kib": ru.ru_maxrss, "rc": p.returncode}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-n", type=int, default=9, help="counted pairs (default 9)")
    ap.add_argument("--warmup", type=int, default=1, help="uncounted pairs first (default 1)")
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    a, b = shlex.split(args.a), shlex.split(args.b)
    for _ in range(args.warmup):
        run_once(a)
        run_once(b)
    ra, rb = [], []
    for _ in range(args.n):
        ra.append(run_once(a))
        rb.append(run_once(b))
    print(f"A: {args.a}\nB: {args.b}\n{args.n} pairs, A B A B ..., after {args.warmup} warm-up pair(s)")
    rcs = {r["rc"] for r in ra + rb}
    if rcs != {0}:
        print(f"exit statuses seen: {sorted(rcs)}")
    print(f"{'figure':8} {'A median':>10} {'A min-max':>19} {'B median':>10} {'B min-max':>19} {'A/B median':>10} {'A/B min-max':>13}")
    for k in ("user", "sys", "cpu", "wall", "rss_kib"):
        va = [r[k] for r in ra]
        vb = [r[k] for r in rb]
        ratios = [x / y for x, y in zip(va, vb) if y > 0]
        fmt = (lambda v: f"{v:.0f}") if k == "rss_kib" else (lambda v: f"{v:.4f}")
        rs = f"{statistics.median(ratios):.3f}" if ratios else "-"
        rr = f"{min(ratios):.2f}-{max(ratios):.2f}" if ratios else "-"
        print(f"{k:8} {fmt(statistics.median(va)):>10} {fmt(min(va)) + '-' + fmt(max(va)):>19} "
              f"{fmt(statistics.median(vb)):>10} {fmt(min(vb)) + '-' + fmt(max(vb)):>19} {rs:>10} {rr:>13}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
