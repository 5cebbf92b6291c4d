#!/usr/bin/env python3
"""Counts the instructions `dana run` executes on the benchmark programs, under cachegrind.

    python3 benches/instructions.py OLD_DANA [NEW_DANA] [--only nbody,fib] [--scale small]

Prints a markdown table: instructions (I refs) of each binary per program and the ratio
new/old. Instruction counts hardly move when the machine is busy, unlike wall times, so a
before/after step is judged by them. `--scale small` runs the realistic programs at a tenth of
their size (cachegrind is about 50 times slower than a plain run); the micro-benchmarks always
run at their default sizes, as in the earlier rows of benches/RESULTS.md.
"""

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import compare  # noqa: E402  (the program lists)

SMALL = {
    "nbody": 5_000,
    "richards": 2,
    "fannkuch": 8,
    "spectral": 70,
    "jsonrt": 1_000,
    "wordfreq": 30_000,
    "logregex": 10_000,
    "strfmt": 10_000,
    "exprparse": 1_000,
    "pipeline": 100_000,
}


def count(dana, prog, n):
    argv = [dana, "run", os.path.join(compare.PROGRAMS_DIR, prog + ".na")]
    if n is not None:
        argv.append(f"n={n}")
    with tempfile.NamedTemporaryFile() as out:
        p = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", f"--cachegrind-out-file={out.name}"]
            + argv,
            capture_output=True,
            text=True,
        )
    if p.returncode != 0:
        sys.exit(f"instructions: {prog} failed under {dana}: {p.stderr[-800:]}")
    m = re.search(r"I\s+refs:\s+([\d,]+)", p.stderr)
    return int(m.group(1).replace(",", "")), p.stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binaries", nargs="+", help="one or two dana binaries (old, new)")
    ap.add_argument("--only", default="", help="comma-separated subset of programs")
    ap.add_argument("--scale", choices=["small", "full"], default="small",
                    help="size of the realistic programs (default: small, a tenth)")
    args = ap.parse_args()
    progs = [(p, n) for p, n in compare.PROGRAMS] + [
        (p, SMALL[p] if args.scale == "small" else n) for p, n in compare.REALISTIC
    ]
    if args.only:
        wanted = {p.strip() for p in args.only.split(",")}
        progs = [(p, n) for p, n in progs if p in wanted]
    bins = args.binaries[:2]
    head = " | ".join(f"`{b}`" for b in bins)
    print(f"| program | n | {head} |" + (" new / old |" if len(bins) == 2 else ""))
    print("|---|---:|" + "---:|" * len(bins) + ("---:|" if len(bins) == 2 else ""))
    ratios = []
    for prog, n in progs:
        results = [count(b, prog, n) for b in bins]
        cells = " | ".join(f"{c:,}" for c, _ in results)
        line = f"| {prog} | {n:,} | {cells} |"
        if len(bins) == 2:
            if results[0][1] != results[1][1]:
                sys.exit(f"instructions: {prog}: outputs differ: {results[0][1]!r} / {results[1][1]!r}")
            r = results[1][0] / results[0][0]
            ratios.append(r)
            line += f" {r:.3f} |"
        print(line, flush=True)
    if ratios:
        g = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"| geometric mean | | |" + " |" * (len(bins) - 1) + f" {g:.3f} |")


if __name__ == "__main__":
    main()
