# fib: naive recursive Fibonacci (function-call overhead). Default n=30.
import sys


def fib(k):
    if k < 2:
        return k
    return fib(k - 1) + fib(k - 2)


def main(n=30):
    print(f"fib {n} {fib(n)}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
