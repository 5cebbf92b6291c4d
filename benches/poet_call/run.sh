#!/usr/bin/env bash
# The per-call cost of @poet in the dana binary: 100,000 calls of f(x) = x + 1, plain,
# @poet(train=False) and @poet() (events and learning on), with a warm store, whole runs
# including the drain of the events at exit. The per-call figure subtracts a run of 1,000
# calls (start-up, store loading, the exit), so it is the cost of one more call.
#
# Usage: benches/poet_call/run.sh [path/to/dana] [runs]   (default target/release/dana, 5)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dana="${1:-$here/../../target/release/dana}"
runs="${2:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export DANA_POET_DIR="$work/.poet"
for v in plain notrain train; do
  for n in 1000 100000; do
    sed "s/range(100000)/range($n)/" "$here/$v.na" > "$work/$v-$n.na"
  done
  # Warm the store: the first run makes and stores the version.
  "$dana" run "$work/$v-1000.na" > /dev/null
done
best() { sort -n | head -1; }
printf '%-8s %12s %12s %14s %14s\n' variant "cpu s/100k" "wall s/100k" "cpu µs/call" "wall µs/call"
for v in plain notrain train; do
  declare -A cpu wall
  for n in 1000 100000; do
    c=(); w=()
    for _ in $(seq "$runs"); do
      rm -rf "$DANA_POET_DIR/events"
      out=$( { /usr/bin/time -f '%U %S %e' "$dana" run "$work/$v-$n.na" > /dev/null; } 2>&1 | tail -1)
      read -r u s e <<< "$out"
      c+=("$(echo "$u + $s" | bc -l)"); w+=("$e")
    done
    cpu[$n]=$(printf '%s\n' "${c[@]}" | best)
    wall[$n]=$(printf '%s\n' "${w[@]}" | best)
  done
  pc=$(echo "(${cpu[100000]} - ${cpu[1000]}) / 99000 * 1000000" | bc -l)
  pw=$(echo "(${wall[100000]} - ${wall[1000]}) / 99000 * 1000000" | bc -l)
  printf '%-8s %12s %12s %14.2f %14.2f\n' "$v" "${cpu[100000]}" "${wall[100000]}" "$pc" "$pw"
done
