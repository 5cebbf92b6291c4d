# spectral: the spectral norm of the infinite matrix A(i, j) = 1 / ((i+j)(i+j+1)/2 + i + 1),
# by 10 power iterations on an n-vector. Default n=200.
import math
import sys


def a(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def times(v):
    n = len(v)
    out = []
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += a(i, j) * v[j]
        out.append(s)
    return out


def times_transposed(v):
    n = len(v)
    out = []
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += a(j, i) * v[j]
        out.append(s)
    return out


def main(n=200):
    u = [1.0] * n
    v = u
    for k in range(10):
        v = times_transposed(times(u))
        u = times_transposed(times(v))
    vbv = 0.0
    vv = 0.0
    for i in range(n):
        vbv += u[i] * v[i]
        vv += v[i] * v[i]
    print(f"spectral {n} {math.sqrt(vbv / vv):.9f}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
