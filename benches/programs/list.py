# list: n appends to a list, then a sum over it. Default n=1_000_000.
import sys


def main(n=1_000_000):
    xs = []
    for i in range(n):
        xs.append(i)
    print(f"list {len(xs)} {sum(xs)}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
