# strfmt: string formatting. Renders n rows of an invoice table with f-strings and format
# specs (widths, alignment, precision, thousands separators, percentages, hex, zero padding),
# str.format and %-formatting, and checksums the text. Default n=100_000.
import sys

NAMES = ["apple", "banana", "cherry", "durian", "elderberry", "fig", "grape"]


def main(n=100_000):
    total_len = 0
    checksum = 0
    seed = 3
    for i in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        name = NAMES[seed % len(NAMES)]
        qty = (seed >> 8) % 1000
        price = (seed % 100000) / 100.0
        ratio = (seed % 1000) / 1000.0
        row = f"{i:>7d} | {name:<12} | {qty:5d} x {price:>10,.2f} = {qty * price:>14,.2f} | {ratio:6.1%} | {seed:08x}"
        alt = "{} {:^9} {:+.3e}".format(i, name.upper(), price)
        old = "%-10s|%6.2f|%05d" % (name, price, qty)
        line = row + alt + old
        total_len += len(line)
        checksum = (checksum * 31 + ord(line[i % len(line)])) % 1000003
    print(f"strfmt {n} {total_len} {checksum}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
