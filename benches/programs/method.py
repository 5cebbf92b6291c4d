# method: n method calls on a class instance. Default n=1_000_000.
import sys


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def dot(self, k):
        return self.x * k + self.y


def main(n=1_000_000):
    p = Point(x=2, y=3)
    total = 0
    for i in range(n):
        total += p.dot(i)
    print(f"method {n} {total}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
