# closure: n calls of a closure that captures a variable. Default n=1_000_000.
import sys


def make_adder(k):
    return lambda x: x + k


def main(n=1_000_000):
    add = make_adder(3)
    total = 0
    for i in range(n):
        total += add(i)
    print(f"closure {n} {total}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
