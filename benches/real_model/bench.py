"""Runs the real-model benchmark against an OpenAI-compatible server already listening.

For each program in functions/: the expected output comes from a run with the offline
provider (the original's answers); then a run against the model in a fresh folder records
whether an LLM version was accepted (metadata.json), whether the program printed the same
answers, how many attempts it took and the time to the first printed answer. reason.na runs
ten typed reason() calls. The table goes to stdout (Markdown).

Usage: python3 bench.py DANA_BINARY BASE_URL MODEL
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOML = '[llm]\nconstrained = "{mode}"\ntimeout = 60\nread_timeout = 60\nmax_retries = 0\n'

# What a person would accept for each reason() line (index -> check of the printed repr).
REASON_OK = {
    1: lambda v: v == "8",
    2: lambda v: v == "True",
    3: lambda v: v == "3.5",
    4: lambda v: v == "7",
    5: lambda v: all(c in v.lower() for c in ("red", "blue")),
    6: lambda v: v == "True",
    7: lambda v: "paris" in v.lower(),
    8: lambda v: v in ("100.0", "100"),
    9: lambda v: v.replace(" ", "") in ("[2,4,6]", "[0,2,4]"),
    10: lambda v: "color" in v,
}


def run(binary, folder, program, env):
    """Runs `dana run program` in folder; (stdout lines, stderr, seconds to first line, total)."""
    start = time.monotonic()
    p = subprocess.Popen(
        [binary, "run", program], cwd=folder, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    first = None
    lines = []
    for line in p.stdout:
        if first is None:
            first = time.monotonic() - start
        lines.append(line.rstrip("\n"))
    err = p.stderr.read()
    p.wait()
    return lines, err, first, time.monotonic() - start


def calls_original(code_path, fn):
    """Whether the `operate` of the stored code.na calls the original function: its name, a
    uniform call `x.name(...)`, or `_original`."""
    try:
        with open(code_path) as f:
            code = f.read()
    except OSError:
        return False
    m = re.search(r"^def operate\(.*?(?=^\S|\Z)", code, re.S | re.M)
    body = m.group(0).split("\n", 1)[1] if m else ""
    return bool(re.search(r"\b(%s|_original)\s*\(" % re.escape(fn or "_original"), body))


def base_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DANA_", "OPENAI_", "ANTHROPIC_"))}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def main():
    binary, base_url, model = sys.argv[1], sys.argv[2], sys.argv[3]
    mode = os.environ.get("CONSTRAINED", "auto")
    rows = []
    work = tempfile.mkdtemp(prefix="dana-real-model-")
    for name in sorted(os.listdir(os.path.join(HERE, "functions"))):
        if not name.endswith(".na"):
            continue
        offline_dir = os.path.join(work, "offline-" + name)
        model_dir = os.path.join(work, "model-" + name)
        for d in (offline_dir, model_dir):
            os.makedirs(d)
            shutil.copy(os.path.join(HERE, "functions", name), d)
        expected, _, _, _ = run(binary, offline_dir, name, base_env(DANA_LLM_PROVIDER="offline"))
        with open(os.path.join(model_dir, "dana.toml"), "w") as f:
            f.write(TOML.format(mode=mode))
        env = base_env(DANA_LLM_BASE_URL=base_url, DANA_LLM_MODEL=model)
        got, err, first, total = run(binary, model_dir, name, env)
        fn = None
        meta = {}
        poet = os.path.join(model_dir, ".poet")
        for entry in sorted(os.listdir(poet)) if os.path.isdir(poet) else []:
            m = os.path.join(poet, entry, "v1", "metadata.json")
            if os.path.exists(m):
                fn = entry
                with open(m) as f:
                    meta = json.load(f)
        attempts = meta.get("validation", {}).get("attempts", [])
        accepted = str(meta.get("generator", "")).startswith("llm:")
        # A version whose operate calls the original (by its name or `_original`) is legal
        # (POET_SPEC §2) but is not the model's own code: it is counted apart.
        delegates = accepted and calls_original(
            os.path.join(poet, fn, "v1", "code.na"), fn)
        why = ""
        if not accepted:
            probs = [a.get("error") or (a.get("problems") or [""])[0] for a in attempts]
            why = "; ".join(p.splitlines()[0][:60] for p in probs if p)
        rows.append({
            "function": fn or name,
            "accepted": accepted,
            "delegates": delegates,
            "same": got == expected,
            "attempts": len(attempts),
            "first": first,
            "total": total,
            "why": why,
        })
        print(f"{name}: accepted={accepted} delegates={delegates} same={got == expected} attempts={len(attempts)} "
              f"first={first} total={total:.1f}s {why}", file=sys.stderr)
    reason_dir = os.path.join(work, "reason")
    os.makedirs(reason_dir)
    shutil.copy(os.path.join(HERE, "reason.na"), reason_dir)
    with open(os.path.join(reason_dir, "dana.toml"), "w") as f:
        f.write(TOML.format(mode=mode))
    lines, err, _, rtotal = run(binary, reason_dir, "reason.na",
                               base_env(DANA_LLM_BASE_URL=base_url, DANA_LLM_MODEL=model))
    converted = correct = 0
    reason_rows = []
    for line in lines:
        parts = line.split(" ", 2)
        if len(parts) < 3 or not parts[0].isdigit():
            continue
        i, ok, value = int(parts[0]), parts[1] == "True", parts[2]
        right = ok and REASON_OK.get(i, lambda v: False)(value)
        converted += ok
        correct += right
        reason_rows.append((i, ok, right, value))

    n = len(rows)
    acc = sum(r["accepted"] for r in rows)
    own = sum(r["accepted"] and not r["delegates"] for r in rows)
    wrong_accepted = sum(r["accepted"] and not r["same"] for r in rows)
    firsts = [r["first"] for r in rows if r["first"] is not None]
    print(f"| function | LLM version accepted | same answers as the original | attempts | time to first answer (s) | why not accepted |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        first = f"{r['first']:.1f}" if r["first"] is not None else "none"
        verdict = ("yes, calls the original" if r["delegates"] else "yes") if r["accepted"] else "no"
        print(f"| `{r['function']}` | {verdict} | {'yes' if r['same'] else 'NO'} | "
              f"{r['attempts']} | {first} | {r['why']} |")
    print()
    print(f"Functions: {acc}/{n} got an accepted LLM version, {own}/{n} with operate's own code "
          f"(not calling the original); {wrong_accepted} accepted versions "
          f"answer differently from the original; slowest first answer "
          f"{max(firsts) if firsts else 0:.1f} s.")
    print()
    print("| reason() | converted | right answer | value |")
    print("|---|---|---|---|")
    for i, ok, right, value in reason_rows:
        print(f"| {i} | {'yes' if ok else 'no'} | {'yes' if right else 'no'} | `{value[:60]}` |")
    print()
    print(f"reason(): {converted}/10 converted to the asked type, {correct}/10 right; the ten "
          f"calls took {rtotal:.1f} s.")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
