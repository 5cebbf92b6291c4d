"""Compares two builds of `dana` on benches/programs/*.na (default sizes), interleaved.

    python3 benches/ab_dana.py RUNS BEFORE_BINARY AFTER_BINARY

Each round runs every program with both binaries (alternating which goes first), checks that
they print the same line, and prints a Markdown table of median and fastest wall times.
"""

import os
import statistics
import subprocess
import sys
import time

progs = ["fib", "loop", "list", "strcat", "strjoin", "dict", "closure", "method"]
if len(sys.argv) != 4:
    sys.exit(__doc__)
runs = int(sys.argv[1])
bins = {"before": sys.argv[2], "after": sys.argv[3]}
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs")
res = {p: {k: [] for k in bins} for p in progs}
for r in range(runs):
    for p in progs:
        order = list(bins) if r % 2 == 0 else list(reversed(list(bins)))
        outs = {}
        for k in order:
            t = time.perf_counter()
            o = subprocess.run([bins[k], "run", f"{root}/{p}.na"], capture_output=True, text=True)
            res[p][k].append(time.perf_counter() - t)
            outs[k] = o.stdout
            assert o.returncode == 0, (k, p, o.stderr)
        assert outs["before"] == outs["after"], p
print(f"| program | before median (s) | after median (s) | after/before (median) | before min | after min | after/before (min) |")
print("|---|---:|---:|---:|---:|---:|---:|")
gm = gmin = 1.0
for p in progs:
    b, a = statistics.median(res[p]["before"]), statistics.median(res[p]["after"])
    bm, am = min(res[p]["before"]), min(res[p]["after"])
    gm *= a / b; gmin *= am / bm
    print(f"| {p} | {b:.3f} | {a:.3f} | {a/b:.3f} | {bm:.3f} | {am:.3f} | {am/bm:.3f} |")
n = len(progs)
print(f"| geometric mean | | | {gm ** (1/n):.3f} | | | {gmin ** (1/n):.3f} |")
