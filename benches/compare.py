#!/usr/bin/env python3
"""Runs the benchmark programs in Dana, Python, Rhai and Lua and compares their times.

Called by benches/compare.sh (which builds the binaries first); see benches/README.md.
Every number it prints or writes is measured in this run: nothing is carried over.
"""

import argparse
import datetime
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

KEEP_MARKER = "<!-- kept by compare.py: everything below is written by hand or by other benchmarks -->"
HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS_DIR = os.path.join(HERE, "programs")

# (program, default size n). The order is the table's order.
PROGRAMS = [
    ("fib", 30),
    ("loop", 10_000_000),
    ("list", 1_000_000),
    ("strcat", 200_000),
    ("strjoin", 200_000),
    ("dict", 200_000),
    ("closure", 1_000_000),
    ("method", 1_000_000),
]
# Programs whose Dana time must grow linearly: time(2n) / time(n) <= SCALING_LIMIT.
SCALING = ["loop", "list", "dict", "strcat", "strjoin"]
# The realistic suite: (program, default size n). Each has a .na and a .py twin, and a .lua
# twin where the program is comparable in Lua; run against Python and Lua 5.4 and reported as
# the best of the runs, with peak RSS.
REALISTIC = [
    ("nbody", 50_000),
    ("richards", 20),
    ("fannkuch", 9),
    ("spectral", 200),
    ("jsonrt", 10_000),
    ("wordfreq", 300_000),
    ("logregex", 100_000),
    ("strfmt", 100_000),
    ("exprparse", 10_000),
    ("pipeline", 1_000_000),
]
REAL_LANGS = ["dana", "python", "lua"]
SCALING_LIMIT = 2.3
LANGS = ["dana", "python", "rhai"]
EMPTY_RUNS = 20


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dana", required=True, help="path of the dana binary")
    ap.add_argument("--rhai", required=True, help="path of the rhai-runner binary")
    ap.add_argument("--python", default=sys.executable, help="python interpreter")
    ap.add_argument("--lua", default="", help="lua 5.4 interpreter ('' to leave Lua out)")
    ap.add_argument(
        "--suite",
        choices=["all", "micro", "realistic"],
        default="all",
        help="the micro-benchmarks, the realistic suite, or both (default)",
    )
    ap.add_argument("--runs", type=int, default=5, help="timed runs per program and language")
    ap.add_argument(
        "--only", default="", help="comma-separated subset of programs (default: all)"
    )
    ap.add_argument("--no-scaling", action="store_true", help="skip the 2n scaling runs")
    ap.add_argument(
        "--results",
        default=os.path.join(HERE, "RESULTS.md"),
        help="markdown file to write ('' to write none)",
    )
    ap.add_argument("--command", default="", help="the command line, recorded in the results")
    return ap.parse_args()


class Run:
    def __init__(self, ms, rss_kb, out, err, code, cpu_ms=float("nan")):
        self.cpu_ms = cpu_ms
        self.ms = ms
        self.rss_kb = rss_kb
        self.out = out
        self.err = err
        self.code = code


TIME = "/usr/bin/time"


def run_once(argv):
    """Runs argv once; returns its wall time (ms), peak RSS (KiB), output and exit code.

    The peak RSS comes from GNU time's %M when /usr/bin/time exists: the child's own
    ru_maxrss as seen by wait4 here would also count the pages of this Python process that
    the child had before its exec (about 16 MB, the same for every language).
    """
    use_time = os.access(TIME, os.X_OK)
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe, \
            tempfile.NamedTemporaryFile(mode="r") as ft:
        full = [TIME, "-f", "%M", "-o", ft.name] + argv if use_time else argv
        start = time.perf_counter()
        p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe)
        _, status, usage = os.wait4(p.pid, 0)
        ms = (time.perf_counter() - start) * 1000.0
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode("utf-8", "replace").strip()
        err = fe.read().decode("utf-8", "replace").strip()
        rss_kb = usage.ru_maxrss
        if use_time:
            found = re.findall(r"^(\d+)$", ft.read(), re.M)
            rss_kb = int(found[-1]) if found else float("nan")
            # GNU time reports a failing child on its own line; the exit code says enough.
            err = re.sub(r"^Command exited with non-zero status \d+$", "", err, flags=re.M).strip()
    # wait4 counts the waited children of the child too (GNU time's own share is tiny).
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000.0
    return Run(ms, rss_kb, out, err, p.returncode, cpu_ms)


def command(args, lang, prog, n):
    path = os.path.join(PROGRAMS_DIR, prog)
    if lang == "dana":
        argv = [args.dana, "run", path + ".na"]
        return argv + ([f"n={n}"] if n is not None else [])
    if lang == "python":
        argv = [args.python, path + ".py"]
        return argv + ([str(n)] if n is not None else [])
    if lang == "lua":
        argv = [args.lua, path + ".lua"]
        return argv + ([f"n={n}"] if n is not None else [])
    argv = [args.rhai, path + ".rhai"]
    return argv + ([f"n={n}"] if n is not None else [])


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def geomean(xs):
    xs = [x for x in xs if x > 0 and math.isfinite(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


def fmt_ms(x):
    if not math.isfinite(x):
        return "—"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def fmt_ratio(x):
    return f"{x:.2f}" if math.isfinite(x) else "—"


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def machine_info():
    cpu = re.search(r"^model name\s*:\s*(.*)$", read_text("/proc/cpuinfo"), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+) kB", read_text("/proc/meminfo"), re.M)
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return {
        "nproc": nproc or str(os.cpu_count()),
        "cpu": cpu.group(1).strip() if cpu else platform.processor() or "unknown",
        "mem": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "unknown",
        "os": f"{platform.system()} {platform.release()}",
    }


def loadavg():
    parts = read_text("/proc/loadavg").split()
    return " ".join(parts[:3]) if parts else "unknown"


def versions(args):
    py = subprocess.run([args.python, "--version"], capture_output=True, text=True)
    dana = subprocess.run([args.dana, "--version"], capture_output=True, text=True)
    lock = read_text(os.path.join(HERE, "rhai-runner", "Cargo.lock"))
    m = re.search(r'name = "rhai"\nversion = "([^"]+)"', lock)
    root = os.path.dirname(HERE)
    rev = subprocess.run(
        ["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    changed = [
        line[3:]
        for line in subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        if line[3:]
    ]
    if changed:
        more = f" and {len(changed) - 6} more" if len(changed) > 6 else ""
        rev += " + uncommitted changes to " + ", ".join(changed[:6]) + more
    return {
        "dana": (dana.stdout.strip() or "dana") + (f" (git {rev})" if rev else ""),
        "python": (py.stdout.strip() or py.stderr.strip()) + f" ({args.python})",
        "rhai": f"rhai {m.group(1)}" if m else "rhai (version unknown)",
        "lua": (
            subprocess.run([args.lua, "-v"], capture_output=True, text=True).stdout.strip()
            if args.lua
            else "not installed (no Lua column)"
        ),
    }


def main():
    args = parse_args()
    if args.runs < 1:
        sys.exit("compare: --runs must be at least 1")
    programs = PROGRAMS if args.suite in ("all", "micro") else []
    realistic = REALISTIC if args.suite in ("all", "realistic") else []
    if args.only:
        wanted = [p.strip() for p in args.only.split(",") if p.strip()]
        known = {p for p, _ in programs + realistic}
        bad = [p for p in wanted if p not in known]
        if bad:
            sys.exit(f"compare: unknown program(s) {', '.join(bad)}; known: {', '.join(sorted(known))}")
        programs = [(p, n) for p, n in programs if p in wanted]
        realistic = [(p, n) for p, n in realistic if p in wanted]

    started = datetime.datetime.now().astimezone()
    load_before = loadavg()
    problems = []  # failed runs and checksum mismatches
    rows = []
    scaling_rows = []

    for idx, (prog, n) in enumerate(programs):
        scale = prog in SCALING and not args.no_scaling
        print(f"[{idx + 1}/{len(programs)}] {prog} n={n} ({args.runs} runs"
              f"{', plus dana at 2n' if scale else ''})", file=sys.stderr, flush=True)
        times = {lang: [] for lang in LANGS}
        rss = {lang: [] for lang in LANGS}
        outputs = {lang: set() for lang in LANGS}
        times2 = []
        outputs2 = set()
        failed = set()
        for r in range(args.runs):
            # Interleaved: each round runs every language once, in an order rotated per round,
            # so a slow phase of the machine does not land on one language only.
            order = LANGS[r % len(LANGS):] + LANGS[: r % len(LANGS)]
            jobs = [(lang, n) for lang in order]
            if scale:
                jobs.append(("dana", 2 * n))
            for lang, size in jobs:
                res = run_once(command(args, lang, prog, size))
                if res.code != 0:
                    failed.add(lang)
                    problems.append(
                        f"{prog}: {lang} n={size} exited with {res.code}: {res.err[-500:]}"
                    )
                    continue
                if size == n:
                    times[lang].append(res.ms)
                    rss[lang].append(res.rss_kb)
                    outputs[lang].add(res.out)
                else:
                    times2.append(res.ms)
                    outputs2.add(res.out)

        all_outs = set().union(*outputs.values())
        agree = len(all_outs) == 1 and not failed
        if not agree and not failed:
            detail = "; ".join(f"{lang}: {sorted(outputs[lang])}" for lang in LANGS)
            problems.append(f"{prog}: outputs differ: {detail}")
        med = {lang: median(times[lang]) for lang in LANGS}
        rows.append(
            {
                "prog": prog,
                "n": n,
                "med": med,
                "min": {lang: min(times[lang], default=float("nan")) for lang in LANGS},
                "max": {lang: max(times[lang], default=float("nan")) for lang in LANGS},
                "rss": {lang: median(rss[lang]) / 1024 for lang in LANGS},
                "py": med["dana"] / med["python"],
                "rhai": med["dana"] / med["rhai"],
                "ok": agree,
                "out": next(iter(all_outs)) if len(all_outs) == 1 else "",
            }
        )
        if scale:
            # The 2n result is checked against Python at 2n (one untimed run).
            ref = run_once(command(args, "python", prog, 2 * n))
            ok2 = ref.code == 0 and outputs2 == {ref.out}
            if not ok2 and times2:
                problems.append(
                    f"{prog}: at 2n dana printed {sorted(outputs2)}, python {ref.out!r}"
                )
            # The fastest run of each size: on a shared machine noise only ever adds time, and
            # a median of a few runs still moves by 20-30% between rounds.
            t1 = min(times["dana"]) if times["dana"] else math.nan
            t2 = min(times2) if times2 else math.nan
            ratio = t2 / t1
            scaling_rows.append(
                {
                    "prog": prog,
                    "n": n,
                    "t1": t1,
                    "t2": t2,
                    "ratio": ratio,
                    "pass": ok2 and math.isfinite(ratio) and ratio <= SCALING_LIMIT,
                }
            )
        print(
            f"    dana {fmt_ms(med['dana'])} ms, python {fmt_ms(med['python'])} ms, "
            f"rhai {fmt_ms(med['rhai'])} ms; checksums {'agree' if agree else 'DIFFER'}",
            file=sys.stderr,
            flush=True,
        )

    real_rows = [run_realistic(args, prog, n, i, len(realistic), problems)
                 for i, (prog, n) in enumerate(realistic)]

    # Start-up: `run` of an empty file, 20 interleaved runs per language.
    print(f"startup: empty file, {EMPTY_RUNS} runs", file=sys.stderr, flush=True)
    start_langs = ["dana", "python"] + (["rhai"] if rows else []) + (["lua"] if args.lua else [])
    empty = {lang: [] for lang in start_langs}
    for r in range(EMPTY_RUNS):
        order = start_langs[r % len(start_langs):] + start_langs[: r % len(start_langs)]
        for lang in order:
            res = run_once(command(args, lang, "empty", None))
            if res.code != 0:
                problems.append(f"empty: {lang} exited with {res.code}: {res.err[-500:]}")
                continue
            empty[lang].append(res.ms)

    finished = datetime.datetime.now().astimezone()
    report = render(
        args, rows, scaling_rows, real_rows, empty, problems, started, finished, load_before,
        loadavg(),
    )
    print(report)
    if args.results:
        # Sections below the marker (profiling notes, other benchmarks' numbers) are kept.
        kept = ""
        if os.path.exists(args.results):
            with open(args.results, encoding="utf-8") as f:
                old = f.read()
            at = old.find(KEEP_MARKER)
            if at >= 0:
                kept = "\n" + old[at:]
        with open(args.results, "w", encoding="utf-8") as f:
            f.write(report.rstrip("\n") + "\n" + kept)
        print(f"wrote {args.results}", file=sys.stderr)
    if problems:
        sys.exit(1)
    if any(not s["pass"] for s in scaling_rows):
        sys.exit(3)


def run_realistic(args, prog, n, idx, count, problems):
    """Runs one program of the realistic suite in every language that has it; returns its row."""
    langs = [
        lang
        for lang in REAL_LANGS
        if (lang != "lua" or args.lua)
        and os.path.exists(os.path.join(PROGRAMS_DIR, prog + {"dana": ".na", "python": ".py", "lua": ".lua"}[lang]))
    ]
    print(f"[realistic {idx + 1}/{count}] {prog} n={n} ({args.runs} runs: {', '.join(langs)})",
          file=sys.stderr, flush=True)
    times = {lang: [] for lang in langs}
    cpu = {lang: [] for lang in langs}
    rss = {lang: [] for lang in langs}
    outputs = {lang: set() for lang in langs}
    failed = set()
    for r in range(args.runs):
        order = langs[r % len(langs):] + langs[: r % len(langs)]
        for lang in order:
            res = run_once(command(args, lang, prog, n))
            if res.code != 0:
                failed.add(lang)
                problems.append(f"{prog}: {lang} exited with {res.code}: {res.err[-500:]}")
                continue
            times[lang].append(res.ms)
            cpu[lang].append(res.cpu_ms)
            rss[lang].append(res.rss_kb)
            outputs[lang].add(res.out)
    all_outs = set().union(*outputs.values())
    agree = len(all_outs) == 1 and not failed
    if not agree and not failed:
        detail = "; ".join(f"{lang}: {sorted(outputs[lang])}" for lang in langs)
        problems.append(f"{prog}: outputs differ: {detail}")
    nan = float("nan")
    best = {lang: min(times.get(lang) or [nan]) for lang in REAL_LANGS}
    best_cpu = {lang: min(cpu.get(lang) or [nan]) for lang in REAL_LANGS}
    peak = {lang: max(rss.get(lang) or [nan]) / 1024 for lang in REAL_LANGS}
    print(
        "    " + ", ".join(f"{lang} {fmt_ms(best[lang])} ms {peak[lang]:.0f} MB" for lang in langs)
        + f"; outputs {'agree' if agree else 'DIFFER'}",
        file=sys.stderr,
        flush=True,
    )
    return {
        "prog": prog,
        "n": n,
        "best": best,
        "cpu": best_cpu,
        "cpu_py": best_cpu["dana"] / best_cpu["python"],
        "cpu_lua": best_cpu["dana"] / best_cpu["lua"],
        "rss": peak,
        "py": best["dana"] / best["python"],
        "lua": best["dana"] / best["lua"],
        "lua_py": best["lua"] / best["python"],
        "rss_py": peak["dana"] / peak["python"],
        "ok": agree,
        "out": next(iter(all_outs)) if len(all_outs) == 1 else "",
    }


def render_realistic(w, args, real_rows):
    w("")
    w(f"## Realistic suite (best of {args.runs} wall ms; peak RSS MB)")
    w("")
    w("Best of the runs (noise on a shared machine only adds time). Peak RSS is the largest")
    w("`ru_maxrss` of the child over the runs. Lua where the program has a `.lua` twin.")
    w("")
    w("| program | n | dana ms | python ms | lua ms | dana/python | dana/lua | lua/python "
      "| dana MB | python MB | lua MB | RSS dana/python | outputs |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in real_rows:
        b, m = r["best"], r["rss"]
        w(
            f"| {r['prog']} | {r['n']:,} | {fmt_ms(b['dana'])} | {fmt_ms(b['python'])} "
            f"| {fmt_ms(b['lua'])} | {fmt_ratio(r['py'])} | {fmt_ratio(r['lua'])} "
            f"| {fmt_ratio(r['lua_py'])} | {fmt_mb(m['dana'])} | {fmt_mb(m['python'])} "
            f"| {fmt_mb(m['lua'])} | {fmt_ratio(r['rss_py'])} "
            f"| {'agree' if r['ok'] else '**DIFFER**'} |"
        )
    w(
        f"| **geometric mean** | | | | | **{fmt_ratio(geomean([r['py'] for r in real_rows]))}** "
        f"| **{fmt_ratio(geomean([r['lua'] for r in real_rows]))}** "
        f"| {fmt_ratio(geomean([r['lua_py'] for r in real_rows]))} | | | "
        f"| **{fmt_ratio(geomean([r['rss_py'] for r in real_rows]))}** | |"
    )
    w("")
    w("CPU time of the same runs (user + system, best of the runs): on a loaded machine it")
    w("moves less than wall time, which also counts the time spent waiting for a core.")
    w("")
    w("| program | dana CPU ms | python CPU ms | lua CPU ms | dana/python | dana/lua |")
    w("|---|---:|---:|---:|---:|---:|")
    for r in real_rows:
        c = r["cpu"]
        w(
            f"| {r['prog']} | {fmt_ms(c['dana'])} | {fmt_ms(c['python'])} | {fmt_ms(c['lua'])} "
            f"| {fmt_ratio(r['cpu_py'])} | {fmt_ratio(r['cpu_lua'])} |"
        )
    w(
        f"| **geometric mean** | | | | **{fmt_ratio(geomean([r['cpu_py'] for r in real_rows]))}** "
        f"| **{fmt_ratio(geomean([r['cpu_lua'] for r in real_rows]))}** |"
    )
    w("")
    w("| program | output (identical in every language) |")
    w("|---|---|")
    for r in real_rows:
        w(f"| {r['prog']} | `{r['out']}` |")


def fmt_mb(x):
    return f"{x:.0f}" if math.isfinite(x) else "—"


def render(args, rows, scaling_rows, real_rows, empty, problems, started, finished, load_before,
           load_after):
    m = machine_info()
    v = versions(args)
    out = []
    w = out.append
    w("# Benchmark results")
    w("")
    w("Written by `benches/compare.sh` (see benches/README.md); every number below was")
    w("measured by that run. Re-run the command to refresh this file.")
    w("")
    w(f"- date: {started.strftime('%Y-%m-%d %H:%M %Z')} (took {(finished - started).total_seconds():.0f} s)")
    w(f"- command: `{args.command or ' '.join(sys.argv)}`")
    w(f"- machine: {m['nproc']} CPUs (`nproc`), {m['cpu']}, {m['mem']} memory, {m['os']}")
    w(f"- load average before / after: {load_before} / {load_after}")
    w(f"- dana: {v['dana']}")
    w(f"- python: {v['python']}")
    w(f"- rhai: {v['rhai']} (benches/rhai-runner, release build)")
    w(f"- lua: {v['lua']}")
    w(f"- runs: {args.runs} per program and language, interleaved (each round runs every")
    w("  language once, in an order rotated per round); wall time of the whole process,")
    w("  start-up included; the table shows medians.")
    if rows:
        w("")
        w("## Times (median wall ms)")
        w("")
        w("| program | n | dana ms | python ms | rhai ms | dana/python | dana/rhai | dana peak RSS MB | checksums |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in rows:
            w(
                f"| {r['prog']} | {r['n']:,} | {fmt_ms(r['med']['dana'])} | {fmt_ms(r['med']['python'])} "
                f"| {fmt_ms(r['med']['rhai'])} | {fmt_ratio(r['py'])} | {fmt_ratio(r['rhai'])} "
                f"| {r['rss']['dana']:.0f} | {'agree' if r['ok'] else '**DIFFER**'} |"
            )
        w(
            f"| **geometric mean** | | | | | **{fmt_ratio(geomean([r['py'] for r in rows]))}** "
            f"| **{fmt_ratio(geomean([r['rhai'] for r in rows]))}** | | |"
        )
        w("")
        w("A ratio below 1 means Dana is faster. Spread of the runs (min–max ms):")
        w("")
        w("| program | dana | python | rhai | output (identical in all three) |")
        w("|---|---:|---:|---:|---|")
        for r in rows:
            cells = " | ".join(
                f"{fmt_ms(r['min'][lang])}–{fmt_ms(r['max'][lang])}" for lang in LANGS
            )
            w(f"| {r['prog']} | {cells} | `{r['out']}` |")
    if scaling_rows:
        w("")
        w(f"## Linear scaling (Dana): time(2n) / time(n) must be ≤ {SCALING_LIMIT}")
        w("")
        w("Fastest run of each size (noise only adds time).")
        w("")
        w("| program | n | dana ms at n | dana ms at 2n | ratio | result |")
        w("|---|---:|---:|---:|---:|---|")
        for s in scaling_rows:
            w(
                f"| {s['prog']} | {s['n']:,} | {fmt_ms(s['t1'])} | {fmt_ms(s['t2'])} "
                f"| {fmt_ratio(s['ratio'])} | {'PASS' if s['pass'] else '**FAIL**'} |"
            )
    if real_rows:
        render_realistic(w, args, real_rows)
    w("")
    w(f"## Start-up: running an empty file (median wall ms over {EMPTY_RUNS} runs)")
    w("")
    names = {"dana": "`dana run empty.na`", "python": "`python3 empty.py`",
             "rhai": "`rhai-runner empty.rhai`", "lua": "`lua5.4 empty.lua`"}
    w("| " + " | ".join(names[lang] for lang in empty) + " |")
    w("|" + "---:|" * len(empty))
    w("| " + " | ".join(f"{median(empty[lang]):.1f}" for lang in empty) + " |")
    if problems:
        w("")
        w("## Problems")
        w("")
        for p in problems:
            w(f"- {p}")
    w("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
