# pipeline: a data pipeline over n small dicts (1M by default): build the records, filter,
# derive a field, group by region with sums and counts, and sort the groups.
import sys

REGIONS = ["north", "south", "east", "west", "central"]
KINDS = ["retail", "online", "wholesale"]


def main(n=1_000_000):
    rows = []
    seed = 5
    for i in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        rows.append({"id": i, "region": REGIONS[seed % 5], "kind": KINDS[(seed >> 4) % 3],
                     "amount": (seed >> 8) % 10000, "returned": seed % 11 == 0})
    kept = [r for r in rows if not r["returned"] and r["amount"] >= 100]
    for r in kept:
        r["net"] = r["amount"] * 9 // 10 if r["kind"] == "wholesale" else r["amount"]
    groups = {}
    for r in kept:
        key = r["region"] + "/" + r["kind"]
        g = groups.get(key)
        if g is None:
            g = {"count": 0, "net": 0, "top": 0}
            groups[key] = g
        g["count"] += 1
        g["net"] += r["net"]
        if r["net"] > g["top"]:
            g["top"] = r["net"]
    order = sorted(groups.items(), key=lambda kv: -kv[1]["net"])
    best = order[0]
    print(f"pipeline {n} {len(kept)} {len(groups)} {best[0]} {best[1]['net']} {order[-1][0]}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
