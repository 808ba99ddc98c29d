#!/usr/bin/env python3
"""perfrounds.py ROUNDS 'COMMAND' ... 'REFERENCE'

Times commands in interleaved rounds: each round runs `perf stat -r 10 -e task-clock` on every
command in turn, so that a drift of the machine's speed (other jobs, a VM's neighbours) hits
all of them alike. Prints each command's median task-clock (ms, with the min-max over the
rounds) and its ratio to the last command, taken round by round (median, min-max).

task-clock counts the command's own CPU time from its exec to its exit (perf enables the
counter at exec). bench/tools/pairtime.py's rusage also counts the child's time between fork
and exec, the same absolute amount for every command, which pulls a ratio towards 1.
Commands are split like a shell's words (shlex), no shell; their output is thrown away.
"""
import shlex
import statistics
import subprocess
import sys


def task_clock_ms(argv):
    p = subprocess.run(["perf", "stat", "-x,", "-r", "10", "-e", "task-clock"] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    for line in p.stderr.splitlines():
        if "task-clock" in line:
            return float(line.split(",")[0])
    sys.exit("perfrounds.py: no task-clock from perf stat for %s:\n%s" % (argv, p.stderr))


def main():
    if len(sys.argv) < 4 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    cmds = sys.argv[2:]
    vals = {c: [] for c in cmds}
    for _ in range(rounds):
        for c in cmds:
            vals[c].append(task_clock_ms(shlex.split(c)))
    ref = cmds[-1]
    print("%d rounds of perf stat -r 10, medians (min-max); ratio to the last command" % rounds)
    for c in cmds:
        r = [a / b for a, b in zip(vals[c], vals[ref])]
        print("%-60s %7.2f ms (%.2f-%.2f)  %.3f (%.3f-%.3f)" % (
            c[:60], statistics.median(vals[c]), min(vals[c]), max(vals[c]),
            statistics.median(r), min(r), max(r)))


if __name__ == "__main__":
    main()
