#!/usr/bin/env python3
"""Interleaved timing of several commands, for differences smaller than this machine's drift between
two hyperfine invocations: runs the commands in turn N times, reversing the order every round, and
prints each one's median and minimum and how it compares with the first, pair by pair.

    bench/abn.py N CMD_A CMD_B [CMD_C ...]      (each CMD one shell string)
"""
import statistics
import subprocess
import sys
import time

if len(sys.argv) < 4:
    sys.exit(__doc__)
n = int(sys.argv[1])
cmds = sys.argv[2:]
times = [[] for _ in cmds]
for i in range(n):
    order = list(range(len(cmds)))
    if i % 2:
        order.reverse()
    for k in order:
        start = time.perf_counter()
        subprocess.run(cmds[k], shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times[k].append((time.perf_counter() - start) * 1000)
for k, cmd in enumerate(cmds):
    diff = [a - b for a, b in zip(times[0], times[k])]
    print("%d  median %.1f ms  min %.1f  first minus this: median %.1f ms, this faster in %d of %d  %s"
          % (k, statistics.median(times[k]), min(times[k]), statistics.median(diff), sum(d > 0 for d in diff), n, cmd))
