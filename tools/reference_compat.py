#!/usr/bin/env python3
"""Run the reference implementation's `.na` programs with this `dana` and sort the results.

Usage: tools/reference_compat.py REFERENCE_CHECKOUT [--dana target/release/dana] [--list]

REFERENCE_CHECKOUT is a clone of the reference Dana repository. A program is *in scope* when it
stays inside the language of docs/DANA_SPEC.md: programs that use agents, `use(...)` resources,
workflows, Python interop or a live LLM are out of scope (the patterns below say how that is
decided). Each in-scope program is run with `dana run` from its own folder, with no API key and a
time limit; it passes when it exits 0. The report groups failures by the first line of their
error, so one cause shows up once with its count.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

OUT_OF_SCOPE = [
    (r"\bagent(_blueprint)?\b", "agent"),
    (r"\buse\s*\(", "use()"),
    (r"\bworkflow\b", "workflow"),
    (r"\bresource\b", "resource"),
    (r"^\s*(from|import)\s+[\w.]+\.py\b", "python interop"),
    (r"\b(reason|llm|context_aware_reason|set_model|describe)\s*\(", "llm call"),
    (r"\b(py_import|pythonic|PythonModule)\b", "python interop"),
    (r"\b(websearch|mcp|knowledge|rag|corral)\b", "resource"),
    (r"\bdeliver\b|\breturn_async\b|\bconcurrent\b|\bpromise\b", "concurrency"),
]
SKIP_DIRS = ("node_modules", "/.poet", "/templates/", "/api/server/assets/")


def classify(text):
    for pattern, why in OUT_OF_SCOPE:
        if re.search(pattern, text, re.MULTILINE):
            return why
    return None


def first_error_line(output):
    for line in output.splitlines():
        line = line.strip()
        if re.match(r"^(×|error|[A-Z][A-Za-z]*(Error|Exception)\b)", line):
            return re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "…", line)[:110]
    lines = [l for l in output.splitlines() if l.strip()]
    return (lines[-1][:110] if lines else "(no output)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkout")
    ap.add_argument("--dana", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "dana"))
    ap.add_argument("--list", action="store_true", help="print every in-scope program with its result")
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()
    dana = os.path.abspath(args.dana)
    files = []
    for root, dirs, names in os.walk(args.checkout):
        dirs[:] = [d for d in dirs if d not in (".git", "node_modules")]
        for n in names:
            path = os.path.join(root, n)
            if n.endswith(".na") and not any(s in path for s in SKIP_DIRS):
                files.append(path)
    files.sort()
    out_scope = collections.Counter()
    passed, failed = [], []
    causes = collections.defaultdict(list)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    for path in files:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                why = classify(f.read())
        except OSError:
            why = "unreadable"
        if why:
            out_scope[why] += 1
            continue
        try:
            r = subprocess.run([dana, "run", os.path.basename(path)], cwd=os.path.dirname(path),
                               capture_output=True, text=True, timeout=args.timeout, env=env,
                               stdin=subprocess.DEVNULL)
            ok, output = r.returncode == 0, r.stdout + r.stderr
        except subprocess.TimeoutExpired:
            ok, output = False, "timeout"
        rel = os.path.relpath(path, args.checkout)
        if ok:
            passed.append(rel)
        else:
            failed.append(rel)
            causes[first_error_line(output)].append(rel)
        if args.list:
            print(("pass " if ok else "FAIL ") + rel)
    total = len(passed) + len(failed)
    print(f"\n{len(files)} programs; out of scope: {sum(out_scope.values())} "
          f"({', '.join(f'{k} {v}' for k, v in out_scope.most_common())})")
    print(f"in scope: {total}; passed {len(passed)}, failed {len(failed)}\n")
    for cause, paths in sorted(causes.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(paths):3}  {cause}")
        for p in paths[:4]:
            print(f"       {p}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
