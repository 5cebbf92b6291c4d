# jsonrt: a JSON round-trip. Builds n order records (nested dicts and lists), writes them with
# json.dumps, reads them back with json.loads and totals them; repeated 5 times. Default
# n=10_000.
import json
import sys


def records(n):
    out = []
    seed = 42
    for i in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        items = []
        for k in range(seed % 4 + 1):
            items.append({"sku": f"SKU-{(seed >> k) % 1000:04d}", "qty": k + 1,
                          "price": (seed % 9973) / 100.0})
        out.append({"id": i, "customer": f"customer {seed % 997}", "paid": seed % 3 == 0,
                    "note": None, "items": items, "tags": ["web", "eu"] if i % 2 == 0 else []})
    return out


def main(n=10_000):
    data = records(n)
    size = 0
    total = 0.0
    count = 0
    for r in range(5):
        text = json.dumps(data)
        size += len(text)
        back = json.loads(text)
        for order in back:
            for item in order["items"]:
                total += item["qty"] * item["price"]
                count += 1
    print(f"jsonrt {n} {size} {count} {total:.2f}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
