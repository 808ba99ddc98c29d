#!/usr/bin/env python3
"""perfrounds.py ROUNDS 'COMMAND' ... 'REFERENCE'

Times commands in interleaved rounds: each round runs `perf stat -r 10 -e task-clock` on every
command in turn, so that a drift of the machine's speed (other jobs, a VM's neighbours) hits
all of them alike. Prints each command's median task-clock (ms, with the min-max over the
rounds) and its ratio to the last command, taken round by round (median, min-max); then the
same for the wall time (perf's "seconds time elapsed", the mean of the 10 runs), which is lower
than the CPU time when a command works on two threads at once.

task-clock counts the command's own CPU time from its exec to its exit (perf enables the
counter at exec). bench/tools/pairtime.py's rusage also counts the child's time between fork
and exec, the same absolute amount for every command, which pulls a ratio towards 1.
Commands are split like a shell's words (shlex), no shell; their output is thrown away.
"""
import shlex
import statistics
import subprocess
import sys


def measure(argv):
    """(task-clock ms, elapsed ms) of `perf stat -r 10`."""
    p = subprocess.run(["perf", "stat", "-x,", "-r", "10", "-e", "task-clock", "-e",
                        "duration_time"] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    cpu = wall = None
    for line in p.stderr.splitlines():
        if "task-clock" in line:
            cpu = float(line.split(",")[0])
        elif "duration_time" in line:
            wall = float(line.split(",")[0]) / 1e6  # ns
    if cpu is None or wall is None:
        sys.exit("perfrounds.py: no task-clock or duration_time from perf stat for %s:\n%s" %
                 (argv, p.stderr))
    return cpu, wall


def main():
    if len(sys.argv) < 4 or not sys.argv[1].isdigit():
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    cmds = sys.argv[2:]
    cpu = {c: [] for c in cmds}
    wall = {c: [] for c in cmds}
    for _ in range(rounds):
        for c in cmds:
            a, b = measure(shlex.split(c))
            cpu[c].append(a)
            wall[c].append(b)
    ref = cmds[-1]
    for title, vals in (("CPU (task-clock)", cpu), ("wall (elapsed)", wall)):
        print("%s: %d rounds of perf stat -r 10, medians (min-max); ratio to the last command" %
              (title, rounds))
        for c in cmds:
            r = [a / b for a, b in zip(vals[c], vals[ref])]
            print("%-60s %7.2f ms (%.2f-%.2f)  %.3f (%.3f-%.3f)" % (
                c[:60], statistics.median(vals[c]), min(vals[c]), max(vals[c]),
                statistics.median(r), min(r), max(r)))

if __name__ == "__main__":
    main()
