# fannkuch: the maximum number of pancake flips over all permutations of n items, and the
# alternating checksum of the flip counts. Default n=9.
import sys


def fannkuch(n):
    perm1 = list(range(n))
    count = [0] * n
    max_flips = 0
    checksum = 0
    r = n
    nperm = 0
    while True:
        while r != 1:
            count[r - 1] = r
            r -= 1
        perm = perm1[:]
        flips = 0
        k = perm[0]
        while k != 0:
            perm[:k + 1] = perm[k::-1]
            flips += 1
            k = perm[0]
        if flips > max_flips:
            max_flips = flips
        checksum += flips if nperm % 2 == 0 else -flips
        nperm += 1
        while True:
            if r == n:
                return (checksum, max_flips)
            first = perm1[0]
            for i in range(r):
                perm1[i] = perm1[i + 1]
            perm1[r] = first
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1


def main(n=9):
    checksum, flips = fannkuch(n)
    print(f"fannkuch {n} {checksum} {flips}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
