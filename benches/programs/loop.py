# loop: a while loop summing ints (statement dispatch, int arithmetic). Default n=10_000_000.
import sys


def main(n=10_000_000):
    i = 0
    total = 0
    while i < n:
        total += i
        i += 1
    print(f"loop {n} {total}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
