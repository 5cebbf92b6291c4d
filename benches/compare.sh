#!/usr/bin/env bash
# Compares Dana with Python, Rhai and Lua 5.4 on the programs in benches/programs/.
#
#   benches/compare.sh                   # build release, 5 runs each, write benches/RESULTS.md
#   benches/compare.sh --runs 10         # more runs per program and language
#   benches/compare.sh --only loop,dict  # a subset (RESULTS.md then holds only that subset)
#   benches/compare.sh --no-build        # reuse the binaries already built
#   benches/compare.sh --suite realistic # only the realistic suite (or: micro)
#   benches/compare.sh --no-scaling      # skip the time(2n)/time(n) check
#   benches/compare.sh --results ''      # print the table, write no file
#
# It builds `dana` (cargo build --release) and benches/rhai-runner (its own small cargo
# package, built in release), then runs each program in the three languages, interleaved,
# checks that the three print the same checksum line, prints a table of median wall times
# with the ratios dana/python and dana/rhai and their geometric means, checks that Dana's time
# grows linearly for loop, list, dict, strcat and strjoin (time at 2n / time at n <= 2.3),
# times `dana run` of an empty file (20 runs), and writes all of it to benches/RESULTS.md.
# The realistic suite (nbody, richards, ... pipeline) runs in Dana, Python and, where the
# program has a .lua twin and lua5.4 is installed, Lua; it reports the best of the runs and
# the peak RSS of each.
#
# Environment: PYTHON (default python3), LUA (default lua5.4 when on PATH; empty: no Lua),
# CARGO_TARGET_DIR (default <repo>/target).
# Exit status: 0 ok; 1 a run failed or the checksums differ; 3 a scaling check failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
command_line="benches/compare.sh${*:+ $*}"

build=1
rhai_needed=1
pass=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --suite=realistic) rhai_needed=0; pass+=("$1") ;;
        --suite)
            [ "${2:-}" = realistic ] && rhai_needed=0
            pass+=("$1" "${2:-}")
            shift
            ;;
        -h | --help)
            sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) pass+=("$1") ;;
    esac
    shift
done

target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
dana="$target/release/dana"
rhai_target="$target/rhai-runner"
rhai="$rhai_target/release/rhai-runner"

if [ "$build" = 1 ]; then
    echo "building dana (release)..." >&2
    (cd "$root" && cargo build --release --quiet --bin dana)
    if [ "$rhai_needed" = 1 ]; then
        echo "building benches/rhai-runner (release)..." >&2
        cargo build --release --quiet --manifest-path "$here/rhai-runner/Cargo.toml" \
            --target-dir "$rhai_target"
    fi
fi
# The realistic suite alone has no Rhai programs.
bins=("$dana")
[ "$rhai_needed" = 1 ] && bins+=("$rhai")
for bin in "${bins[@]}"; do
    if [ ! -x "$bin" ]; then
        echo "compare.sh: $bin is missing (run without --no-build)" >&2
        exit 2
    fi
done

# The real interpreter, not a version-manager shim, so that a shim's start-up is not timed.
python="$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')"

lua="${LUA-$(command -v lua5.4 || true)}"

exec "$python" "$here/compare.py" --dana "$dana" --rhai "$rhai" --python "$python" --lua "$lua" \
    --command "$command_line" ${pass[@]+"${pass[@]}"}
