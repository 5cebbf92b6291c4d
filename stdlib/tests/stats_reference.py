"""Computes the reference numbers of stdlib/tests/stats_reference.json with numpy and scipy.

Run once (needs numpy and scipy): python3 stdlib/tests/stats_reference.py
The Rust test stats_reference.rs regenerates the same samples from the `gen` specs below
(a 64-bit linear congruential generator, exactly reproducible in both languages), so the JSON
holds only the specs and the expected numbers.
"""

import json
import math
import os
import sys

import numpy as np
import scipy
from scipy import stats

MASK = (1 << 64) - 1


def lcg(seed, n):
    """Uniform floats in [0, 1): Knuth's MMIX LCG, top 53 bits."""
    x = seed & MASK
    out = []
    for _ in range(n):
        x = (6364136223846793005 * x + 1442695040888963407) & MASK
        out.append((x >> 11) / float(1 << 53))
    return out


def generate(spec):
    """Samples from a spec: {"seed", "n", "scale", "shift", "grid"}.

    value = u * scale + shift, then rounded down to a multiple of 1/grid when grid > 0 (which
    makes ties).
    """
    u = lcg(spec["seed"], spec["n"])
    out = []
    for v in u:
        x = v * spec["scale"] + spec["shift"]
        if spec.get("grid", 0) > 0:
            x = math.floor(x * spec["grid"]) / spec["grid"]
        out.append(x)
    return out


def spec(seed, n, scale=1.0, shift=0.0, grid=0):
    return {"seed": seed, "n": n, "scale": scale, "shift": shift, "grid": grid}


def sample(s):
    return s if isinstance(s, list) else generate(s)


# PSI as stats.psi documents it, written with numpy.
PSI_EPS = 1e-4


def psi(expected, actual, bins=10):
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    cuts = [np.percentile(e, 100.0 * i / bins) for i in range(1, bins)]
    uniq = []
    for c in cuts:
        if not uniq or c > uniq[-1]:
            uniq.append(c)
    cuts = np.asarray(uniq)
    k = len(cuts) + 1
    ce = np.bincount(np.searchsorted(cuts, e, side="right"), minlength=k)
    ca = np.bincount(np.searchsorted(cuts, a, side="right"), minlength=k)
    pe = np.where(ce == 0, PSI_EPS, ce / len(e))
    pa = np.where(ca == 0, PSI_EPS, ca / len(a))
    return float(np.sum((pa - pe) * np.log(pa / pe)))


KL_EPS = 1e-10


def kl(p, q):
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    p = p / p.sum()
    q = q / q.sum()
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / np.maximum(q[mask], KL_EPS))))


def main():
    out = {
        "generated_by": "stdlib/tests/stats_reference.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "describe": [],
        "percentile": [],
        "ks_2samp": [],
        "kstwo_sf": [],
        "psi": [],
        "kl_divergence": [],
    }

    describe_inputs = [
        [1.0, 2.0, 3.0, 4.0],
        [5.0, -1.5, 2.25, 2.25, 100.0],
        [1e9 + 1, 1e9 + 2, 1e9 + 3],
        spec(1, 101, 10.0, -3.0),
        spec(2, 1000, 1.0, 0.0, 7),
    ]
    for s in describe_inputs:
        xs = sample(s)
        out["describe"].append({
            "xs": s,
            "mean": float(np.mean(xs)),
            "median": float(np.median(xs)),
            "stdev": float(np.std(xs, ddof=1)),
            "variance": float(np.var(xs, ddof=1)),
        })

    for s, qs in [
        ([1.0, 2.0, 3.0, 4.0], [0, 10, 25, 33.3, 50, 75, 90, 99.9, 100]),
        ([7.0], [0, 50, 100]),
        ([3.0, 1.0, 2.0], [0, 12.5, 50, 87.5, 100]),
        (spec(3, 57, 2.0, 1.0), [0, 1, 5, 33, 50, 66.6, 95, 99, 100]),
        (spec(4, 200, 1.0, 0.0, 5), [0, 10, 20, 50, 80, 100]),
    ]:
        xs = sample(s)
        out["percentile"].append({
            "xs": s,
            "q": qs,
            "expected": [float(np.percentile(xs, q)) for q in qs],
        })

    ks_cases = [
        # Exact, equal sizes (the "square" method).
        ([1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0]),
        ([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),
        (spec(10, 50), spec(11, 50, 1.0, 0.2)),
        (spec(12, 300, 1.0, 0.0, 10), spec(13, 300, 1.0, 0.05, 10)),
        (spec(14, 2000), spec(15, 2000, 1.1, 0.0)),
        # Exact, different sizes (the inside method).
        ([0.5], [0.1, 0.2, 0.9]),
        (spec(20, 30), spec(21, 45, 1.0, 0.3)),
        (spec(22, 100), spec(23, 37, 0.8, 0.1)),
        (spec(24, 500, 1.0, 0.0, 20), spec(25, 700, 1.0, 0.02, 20)),
        (spec(26, 1000), spec(27, 1500, 1.0, 0.03)),
        (spec(28, 997), spec(29, 1009, 1.0, 0.01)),
        (spec(30, 10000), spec(31, 3, 1.0, 0.0)),
        # Asymptotic (max size over 10,000): each branch of kstwo.sf.
        (spec(40, 10001), spec(41, 10001, 1.0, 0.01)),
        (spec(42, 12000), spec(43, 20, 1.0, 0.15)),
        (spec(44, 12000), spec(45, 60, 1.0, 0.05)),
        (spec(46, 15000), spec(47, 400, 1.0, 0.0)),
        (spec(48, 15000), spec(49, 400, 1.0, 0.3)),
        (spec(50, 11000), spec(51, 5000, 1.0, 0.04)),
        (spec(52, 20000), spec(53, 2000, 1.0, 0.005)),
    ]
    for a, b in ks_cases:
        r = stats.ks_2samp(sample(a), sample(b))
        out["ks_2samp"].append({
            "a": a,
            "b": b,
            "statistic": float(r.statistic),
            "p_value": float(r.pvalue),
        })

    for n in [1, 2, 3, 5, 10, 26, 50, 100, 140, 141, 300, 1000, 5000, 20000, 100001, 200000]:
        for x in [1e-4, 0.001, 0.004, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45,
                  0.5, 0.6, 0.8, 0.95, 0.999]:
            out["kstwo_sf"].append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})

    for e, a, bins in [
        (spec(60, 1000), spec(61, 1000), 10),
        (spec(62, 1000), spec(63, 800, 1.0, 0.1), 10),
        (spec(64, 500), spec(65, 500, 1.5, 0.0), 5),
        (spec(66, 200, 1.0, 0.0, 4), spec(67, 300, 1.0, 0.0, 4), 10),
        (spec(68, 100), spec(69, 100, 1.0, 2.0), 10),
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], [1.0, 1.0, 2.0, 9.5, 11.0], 4),
    ]:
        out["psi"].append({
            "expected": e,
            "actual": a,
            "bins": bins,
            "psi": psi(sample(e), sample(a), bins),
        })

    for p, q in [
        ([0.5, 0.5], [0.5, 0.5]),
        ([0.1, 0.2, 0.7], [0.3, 0.3, 0.4]),
        ([1, 2, 3, 4], [4, 3, 2, 1]),
        ([0.0, 0.5, 0.5], [0.2, 0.3, 0.5]),
        ([0.2, 0.8], [0.0, 1.0]),
        (spec(70, 20), spec(71, 20, 1.0, 0.01)),
    ]:
        ps, qs = sample(p), sample(q)
        entry = {"p": p, "q": q, "kl": kl(ps, qs)}
        if all(qv > 0 for pv, qv in zip(ps, qs) if pv > 0):
            # Where q covers p, the definition is scipy's relative entropy.
            entry["scipy_entropy"] = float(stats.entropy(ps, qs))
        out["kl_divergence"].append(entry)

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
