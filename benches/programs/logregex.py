# logregex: parses n generated web-server log lines with regular expressions (one match per
# line with groups, a search for a request id), totals bytes per status and counts slow
# requests. Default n=100_000.
import re
import sys

METHODS = ["GET", "POST", "PUT", "DELETE"]
PATHS = ["/", "/index.html", "/api/users", "/api/orders", "/static/app.js", "/login"]
STATUS = [200, 200, 200, 304, 404, 500, 201]


def make_lines(n):
    lines = []
    seed = 1
    for i in range(n):
        seed = (seed * 1103515245 + 12345) % 2147483648
        ip = f"10.{seed % 256}.{(seed >> 8) % 256}.{(seed >> 16) % 256}"
        method = METHODS[(seed >> 3) % len(METHODS)]
        path = PATHS[(seed >> 5) % len(PATHS)]
        status = STATUS[(seed >> 7) % len(STATUS)]
        size = (seed >> 9) % 50000
        ms = (seed >> 11) % 900
        rid = f" rid={seed % 100000:05d}" if i % 3 == 0 else ""
        lines.append(f'{ip} - - [07/Dec/2026:10:{i // 60 % 60:02d}:{i % 60:02d} +0000] '
                     f'"{method} {path} HTTP/1.1" {status} {size} {ms}ms{rid}')
    return lines


LINE = re.compile(r'^(\d+\.\d+\.\d+\.\d+) \S+ \S+ \[([^\]]+)\] "(\w+) (\S+) [^"]*" (\d{3}) (\d+) (\d+)ms')
RID = re.compile(r"rid=(\d+)")


def main(n=100_000):
    lines = make_lines(n)
    by_status = {}
    slow = 0
    rids = 0
    posts = 0
    for line in lines:
        m = LINE.match(line)
        if m is None:
            continue
        status = m.group(5)
        by_status[status] = by_status.get(status, 0) + int(m.group(6))
        if int(m.group(7)) > 500:
            slow += 1
        if m.group(3) == "POST":
            posts += 1
        r = RID.search(line)
        if r is not None:
            rids += int(r.group(1)) % 7
    parts = " ".join(f"{k}:{by_status[k]}" for k in sorted(by_status))
    print(f"logregex {n} {slow} {posts} {rids} {parts}")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
