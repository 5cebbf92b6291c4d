#!/bin/sh
# Fills fuzz/corpus/<target>/ with seed inputs: every .na file of the repository for the
# parser targets and the evaluator, and those plus fuzz/seeds/gate/ for the gate. Run from fuzz/.
set -e
cd "$(dirname "$0")"
for t in parse_check parse_agree eval_limits gate; do
    mkdir -p "corpus/$t"
done
find .. -path ../fuzz -prune -o -path ../target -prune -o -name '*.na' -print |
while read -r f; do
    name=$(printf '%s' "$f" | sed 's|^\.\./||; s|/|_|g')
    cp "$f" "corpus/parse_check/$name"
    cp "$f" "corpus/parse_agree/$name"
    cp "$f" "corpus/eval_limits/$name"
    cp "$f" "corpus/gate/$name"
done
cp seeds/gate/*.na corpus/gate/
