# strcat: build a string of n pieces with `+=`. Default n=200_000.
import sys


def main(n=200_000):
    s = ""
    for i in range(n):
        s += str(i)
    print(f"strcat {len(s)} {s[-12:]}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
