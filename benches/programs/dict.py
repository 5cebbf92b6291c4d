# dict: n inserts with string keys, then n lookups. Default n=200_000.
import sys


def main(n=200_000):
    d = {}
    for i in range(n):
        d[f"k{i}"] = i
    total = 0
    for i in range(n):
        total += d[f"k{i}"]
    print(f"dict {len(d)} {total}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
