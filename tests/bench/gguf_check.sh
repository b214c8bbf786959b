#!/bin/bash
# llama.cpp loads our GGUF exports and agrees with us (docs/export.md):
#  1. F16 export: llama-perplexity on it vs our llama.cpp-convention perplexity of the same model
#     (same chunks, BOS per chunk): equal up to F16 rounding;
#  2. Q8_0 / Q4_0 / Q4_K exports: llama-perplexity on each (quantization noise against 1.);
#  3. our block encoders byte for byte against llama-quantize run on our F32 export.
# Skips (exit 0, a message) when llama.cpp is not built.
#   tests/bench/gguf_check.sh [MODEL_DIR] [TEXT] [LLAMACPP_BIN_DIR] [CONTEXT] [CHUNKS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI=${CLI:-$ROOT/build/app/cli/slimbench-cli}
MODEL=${1:-$HOME/.local/share/slimbench/demo-model}
TEXT=${2:-$MODEL/heldout.txt}
LC=${3:-/tmp/lc/build/bin}
CTX=${4:-256}
CHUNKS=${5:-40}
if [ ! -x "$LC/llama-perplexity" ] || [ ! -x "$LC/llama-quantize" ]; then
  echo "gguf_check: llama.cpp not found in $LC (build it as docs/export.md says); skipped"
  exit 0
fi
OUT=$(mktemp -d /tmp/gguf-check.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
ours=$("$CLI" eval "$MODEL" --task "ppl-llamacpp:$TEXT:context=$CTX,chunks=$CHUNKS" --json 2>/dev/null | tail -1 |
       python3 -c "import json,sys; t=json.load(sys.stdin)['tasks'][0]; print('%.4f' % t['metrics']['ppl']['value'])")
echo "slimbench (fp32, llama.cpp convention, context $CTX, $CHUNKS chunks): ppl $ours"
for t in f16 q8_0 q4_0 q4_k; do
  "$CLI" export "$MODEL" --format "gguf:$t" --out "$OUT/$t.gguf" > /dev/null 2>&1
  p=$("$LC/llama-perplexity" -m "$OUT/$t.gguf" -f "$TEXT" -c "$CTX" -b "$CTX" --chunks "$CHUNKS" 2>&1 |
      sed -n 's/.*Final estimate: PPL = \([0-9.]*\).*/\1/p')
  [ -n "$p" ] || { echo "llama.cpp could not evaluate our $t file"; exit 1; }
  printf "llama.cpp on our %-5s file: ppl %s  (%+.3f %% vs ours, %s bytes)\n" "$t" "$p" \
    "$(python3 -c "print(100 * ($p / $ours - 1))")" "$(stat -c %s "$OUT/$t.gguf")"
done
"$CLI" export "$MODEL" --format gguf:f32 --out "$OUT/f32.gguf" > /dev/null 2>&1
for t in Q8_0 Q4_0 Q4_K_S; do
  "$LC/llama-quantize" "$OUT/f32.gguf" "$OUT/lc-$t.gguf" "$t" > /dev/null 2>&1
  lower=$(echo "$t" | tr 'A-Z' 'a-z'); lower=${lower%_s}
  echo "block tensors, ours ($lower) vs llama-quantize ($t): $(python3 "$ROOT/tests/bench/gguf_compare.py" "$OUT/$lower.gguf" "$OUT/lc-$t.gguf" | tail -1)"
done
