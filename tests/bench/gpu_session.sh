#!/bin/bash
# Everything one GPU-machine session does, as few long commands (see README "GPU machine").
#   tests/bench/gpu_session.sh check      build, regenerate the transformers fixtures, run the fixture
#                                         checks on CUDA and CPU, make tokenizer golden files
#   tests/bench/gpu_session.sh bench NAME build, make a random NAME-shaped checkpoint (tinyllama|llama3-8b),
#                                         run slimbench-cli bench and transformers (eager, sdpa), compare
# Outputs go to $OUT (the device tool's result folder) when set, else /tmp/slim-out.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-/tmp/slim-out}
BUILD=${BUILD:-/tmp/slim-build}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 NLOHMANN_INCLUDE=${NLOHMANN_INCLUDE:-$ROOT/.devcarry/nj}
SHARED=${SHARED:-$ROOT/.devcarry/shared}
CKPT=${CKPT:-/root/slim-ckpt}
mkdir -p "$CKPT"

build() {
  local t0=$SECONDS
  TARGETS="slimbench-cli slimbench-fixture-check" bash "$ROOT/tests/reference/gpu_build.sh" "$BUILD" > "$OUT/build.log" 2>&1 \
    || { grep -E "error|FAILED" "$OUT/build.log" | head -30; tail -20 "$OUT/build.log"; exit 1; }
  echo "build: $((SECONDS - t0)) s"
}

case "${1:-}" in
  check)
    build
    python3 "$ROOT/tests/reference/make_fixtures.py" --out /tmp/fx --shared "$SHARED" 2>&1 | grep -v "Writing model shards"
    tar czf "$OUT/fixtures.tgz" -C /tmp/fx .
    "$BUILD/tests/reference/slimbench-fixture-check" /tmp/fx cuda cpu
    python3 "$ROOT/tests/reference/make_similarity_reference.py" --fixtures /tmp/fx --out /tmp/simref --shared "$SHARED" 2>&1 | tail -5
    tar czf "$OUT/simref.tgz" -C /tmp/simref .
    # The CUDA path of the CLI: perplexity and analysis on CUDA agree with the CPU.
    for dev in cpu cuda; do
      "$BUILD/app/cli/slimbench-cli" perplexity /tmp/fx/llama-fp32 --text "$SHARED/data/wikitext-2-raw/wiki.test.raw" \
        --context 128 --max-tokens 4096 --device $dev --json | tail -1 > "$OUT/ppl-$dev.json"
      "$BUILD/app/cli/slimbench-cli" analyze /tmp/fx/llama-fp32 --calib "$SHARED/data/wikitext-2-raw/wiki.test.raw" \
        --samples 8 --length 64 --device $dev --json | tail -1 > "$OUT/analyze-$dev.json"
    done
    python3 - "$OUT" <<'PY'
import json, sys, os
o = sys.argv[1]
p = {d: json.load(open(os.path.join(o, f"ppl-{d}.json"))) for d in ("cpu", "cuda")}
print("ppl cpu %.6f cuda %.6f rel diff %.2e" % (p["cpu"]["ppl"], p["cuda"]["ppl"], abs(p["cpu"]["ppl"] - p["cuda"]["ppl"]) / p["cpu"]["ppl"]))
a = {d: json.load(open(os.path.join(o, f"analyze-{d}.json"))) for d in ("cpu", "cuda")}
import itertools
m = max(abs(x - y) for rx, ry in zip(a["cpu"]["similarity"]["distance"], a["cuda"]["similarity"]["distance"]) for x, y in zip(rx, ry))
print("similarity matrix max |cpu - cuda| %.2e" % m)
PY
    if [ -f "$ROOT/tests/reference/make_tokenizer_golden.py" ]; then
      python3 "$ROOT/tests/reference/make_tokenizer_golden.py" --shared "$SHARED" --out /tmp/tokgold > "$OUT/tokgold.log" 2>&1
      echo "tokenizer golden rc=$?"; tail -5 "$OUT/tokgold.log"
      tar czf "$OUT/tokgold.tgz" -C /tmp/tokgold .
    fi
    ;;
  bench)
    name=${2:?name}
    build
    df -h /tmp "$CKPT" 2>/dev/null | tail -2; free -g | head -2
    python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only "$name" 2>&1 | grep -v "Writing model shards"
    "$BUILD/app/cli/slimbench-cli" bench "$CKPT/$name" --device cuda --dtype bf16 --json ${BENCH_ARGS:-} > "$OUT/ours-$name.json" 2> "$OUT/ours-$name.err" \
      || { echo "ours failed"; tail -5 "$OUT/ours-$name.err"; }
    for attn in eager sdpa; do
      python3 "$ROOT/tests/bench/bench_transformers.py" "$CKPT/$name" --attn $attn ${HF_ARGS:-} > "$OUT/hf-$attn-$name.json" 2> "$OUT/hf-$attn-$name.err" \
        || { echo "hf $attn failed"; tail -5 "$OUT/hf-$attn-$name.err"; }
    done
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    python3 "$ROOT/tests/bench/compare.py" "$OUT/ours-$name.json" "$OUT/hf-eager-$name.json" "$OUT/hf-sdpa-$name.json"
    ;;
  *) echo "usage: $0 check | bench NAME" >&2; exit 1 ;;
esac
