# strjoin: n pieces collected in a list, then joined. Default n=200_000.
import sys


def main(n=200_000):
    parts = []
    for i in range(n):
        parts.append(str(i))
    s = ",".join(parts)
    print(f"strjoin {len(s)} {s[-12:]}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
