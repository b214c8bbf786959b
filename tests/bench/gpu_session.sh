#!/bin/bash
# Everything one GPU-machine session does, as few long commands (see README "GPU machine").
#   tests/bench/gpu_session.sh check      build, regenerate the transformers fixtures, run the fixture
#                                         checks on CUDA and CPU, make tokenizer golden files
#   tests/bench/gpu_session.sh cpu        build, then the CPU decode kernels (docs/cpu.md) on this host's CPU:
#                                         bf16 / int8 / int4 TinyLlama-shaped decode, and the CUDA decode unchanged
#   tests/bench/gpu_session.sh cpu-llamacpp  build, build llama.cpp (CPU) beside it, run cpu_vs_llamacpp.sh here
#   tests/bench/gpu_session.sh decode     build (and llama.cpp with CUDA beside it), slimbench-cuda-check (the
#                                         fused decode step against the layer-by-layer path), then batch-1
#                                         decode against llama.cpp CUDA on the same weights for SHAPES
#                                         (default "tinyllama llama3-8b")
#   tests/bench/gpu_session.sh bench NAME build, make a random NAME-shaped checkpoint (tinyllama|llama3-8b;
#                                         demo-model = the trained demo model in .devcarry/demo-model),
#                                         run slimbench-cli bench and transformers (eager, sdpa), compare
#   tests/bench/gpu_session.sh stepbench  tests/bench/cuda/decode_step_bench.cu alone (nvcc, seconds): the decode
#                                         step's launches on random weights for SHAPES, once per L2 prefetch
#                                         plan in PLANS (default: none, o, qkv, gu:16, all three; the decode
#                                         step takes one from SLIMBENCH_L2_PLAN), then with the attention's
#                                         combine fused (SLIMBENCH_ATTN_COMBINE=fused)
#   tests/bench/gpu_session.sh variants   decode_step_bench once per 4-bit tile tuning in VARIANTS (bytes:blocks):
#                                         int4 step and launch times, SASS loop instruction mix
#   tests/bench/gpu_session.sh profile    ncu on decode_step_bench's 4-bit GEMVs and the tile kernel's SASS
#   tests/bench/gpu_session.sh offload8b  build, then Wanda / GPTQ / AWQ / SparseGPT with --offload on the
#                                         Llama-3-8B shape: peak GPU memory and time
# Outputs go to $OUT (the device tool's result folder) when set, else /tmp/slim-out.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-/tmp/slim-out}
BUILD=${BUILD:-/tmp/slim-build}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 NLOHMANN_INCLUDE=${NLOHMANN_INCLUDE:-$ROOT/.devcarry/nj}
# Data shipped with the project; the Llama-2 sentencepiece model (Meta's licence, never committed) is
# optional: a developer may put it in .devcarry/llama2-spm for the TinyLlama-shaped checkpoints' tokenizer.
WIKI=$ROOT/resources/data/wikitext-2-raw/wiki.test.raw
LLAMA2_SPM=${LLAMA2_SPM:-$ROOT/.devcarry/llama2-spm}
TOKARG=()
[ -f "$LLAMA2_SPM/tokenizer.model" ] && TOKARG=(--tokenizer "$LLAMA2_SPM")
CKPT=${CKPT:-/root/slim-ckpt}
mkdir -p "$CKPT"

build() {
  local t0=$SECONDS
  # SQLite: the machine has the runtime library but no header; the header travels in .devcarry.
  local sq=()
  if [ ! -f /usr/include/sqlite3.h ]; then
    local lib=/lib/x86_64-linux-gnu/libsqlite3.so.0
    [ -f "$lib" ] || lib="$ROOT/.devcarry/sqlite/lib/libsqlite3.so"
    sq=(-DSQLite3_INCLUDE_DIR="$ROOT/.devcarry/sqlite/include" -DSQLite3_LIBRARY="$lib")
  fi
  TARGETS="${TARGETS:-slimbench-cli slimbench-fixture-check}" bash "$ROOT/tests/reference/gpu_build.sh" "$BUILD" "${sq[@]}" > "$OUT/build.log" 2>&1 \
    || { grep -E "error|FAILED" "$OUT/build.log" | head -30; tail -20 "$OUT/build.log"; exit 1; }
  echo "build: $((SECONDS - t0)) s"
}

# llama.cpp built beside the project into /tmp/DIR from the developer's source tarball in .devcarry
# (docs/export.md says how to get it): build_llamacpp DIR LOGNAME [cmake args].  The CUDA build (lcc)
# compiles only the GPU's architecture, with FlashAttention for the default K/V types (llama-bench's
# default -fa auto then uses it).
build_llamacpp() {
  local dir=/tmp/$1 log=$2; shift 2
  [ -x "$dir/build/bin/llama-bench" ] && return 0
  mkdir -p "$dir/src" && tar xzf "$ROOT/.devcarry/llamacpp-src.tgz" -C "$dir/src"
  cmake -S "$dir/src" -B "$dir/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_APP=OFF "$@" > "$OUT/$log-cfg.log" 2>&1
  cmake --build "$dir/build" -j16 --target llama-bench > "$OUT/$log-build.log" 2>&1 || tail -5 "$OUT/$log-build.log"
}
build_llamacpp_cuda() { build_llamacpp lcc lcc -DGGML_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90; }

case "${1:-}" in
  decode)
    t0=$SECONDS
    build_llamacpp_cuda &
    lcc=$!
    TARGETS="slimbench-cli slimbench-cuda-check" build
    CLI="$BUILD/app/cli/slimbench-cli"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    # Twice: as configured, and with the strided tile addressing, the early attention loads, RoPE inside
    # the attention and the one-warp combine switched off (the general paths other group sizes, long
    # caches and SLIMBENCH_*=0 take).
    ( "$BUILD/tests/reference/slimbench-cuda-check" > "$OUT/cuda-check.txt" 2>&1; echo "slimbench-cuda-check rc=$?" >> "$OUT/cuda-check.txt"
      SLIMBENCH_TILE_STRIDED=0 SLIMBENCH_ATTN_EARLY=0 SLIMBENCH_ROPE_IN_ATTN=0 SLIMBENCH_ATTN_WARP_COMBINE=0 \
        "$BUILD/tests/reference/slimbench-cuda-check" > "$OUT/cuda-check-general.txt" 2>&1
      echo "slimbench-cuda-check (SLIMBENCH_TILE_STRIDED=0 SLIMBENCH_ATTN_EARLY=0 SLIMBENCH_ROPE_IN_ATTN=0 SLIMBENCH_ATTN_WARP_COMBINE=0) rc=$?" >> "$OUT/cuda-check-general.txt"
      tail -2 "$OUT/cuda-check-general.txt" ) &
    check=$!
    for name in ${SHAPES:-llama3-8b tinyllama}; do
      W="/tmp/gpub-$name"; mkdir -p "$W"
      [ -f "$CKPT/$name/config.json" ] || python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only "$name" "${TOKARG[@]}" 2>&1 | grep -v "Writing model shards" | tail -1
      [ -f "$CKPT/$name/tokenizer.json" ] || cp "$ROOT/.devcarry/demo-model/tokenizer.json" "$CKPT/$name/"
      # The GGUF files (CPU work) are written while the GPU measures; cpu_vs_llamacpp.sh then finds them.
      ( for t in f16 q4_0; do "$CLI" export "$CKPT/$name" --format "gguf:$t" --out "$W/model-$t.gguf" > "$W/export-$t.log" 2>&1; done ) &
      exports=$!
      wait $check 2>/dev/null && { grep -v "^PASS" "$OUT/cuda-check.txt" | head -20; }
      for fused in ${BASELINE:+0} 1; do
        SLIMBENCH_CUDA_FUSED=$fused "$CLI" bench "$CKPT/$name" --device cuda --dtype bf16 --batch 1 --prompt-len 512 --gen-len 128 \
          --reps 3 --ppl-windows 0 --json 2>/dev/null | tail -1 | python3 -c "
import json,sys; r=json.load(sys.stdin); g=r['generation'][0]
d=g['static_decode_tokens_per_s']['median']
print('$name bf16 fused=$fused: static decode %.1f tok/s (eager %.1f), prompt %.0f tok/s, %.1f %% of the %.0f tok/s bound' % (d, g['decode_tokens_per_s']['median'], g['prefill_tokens_per_s']['median'], 100*d/g['bandwidth_bound_tokens_per_s'], g['bandwidth_bound_tokens_per_s']))"
      done
      [ -f "$W/int4-g128-head/config.json" ] || "$CLI" quantize "$CKPT/$name" --method rtn --bits 4 --group 128 --lm-head --device cuda \
        --out "$W/int4-g128-head" > "$W/quantize-int4.log" 2>&1
      wait $exports $lcc 2>/dev/null
      echo "== $name against llama.cpp CUDA ($((SECONDS - t0)) s into the session)"
      DEVICE=cuda SLIMBENCH_CLI="$CLI" LLAMACPP_BIN=/tmp/lcc/build/bin WORK="$W" ROUNDS=${ROUNDS:-1} \
        bash "$ROOT/tests/bench/cpu_vs_llamacpp.sh" "$CKPT/$name" 2>&1 | tee "$OUT/gpu-vs-llamacpp-$name.txt" | grep -v "^== round"
      cp "$W/results.jsonl" "$OUT/results-$name.jsonl" 2>/dev/null
      # Batched decode (8 rows) of the 4-bit model: the rows kernel (default) against de-quantize + GEMM.
      for rows in 1 0; do
        SLIMBENCH_W4A16_ROWS=$rows "$CLI" bench "$W/int4-g128-head" --device cuda --dtype bf16 --batch 8 --prompt-len 128 \
          --gen-len 64 --reps 2 --ppl-windows 0 --json 2>/dev/null | tail -1 | python3 -c "
import json,sys; r=json.load(sys.stdin); g=r['generation'][0]
s=g.get('static_decode_tokens_per_s', {}).get('median', 0)
print('$name int4 batch 8, rows kernel $rows: decode %.1f tok/s (static %.1f)' % (g['decode_tokens_per_s']['median'], s))" \
          | tee -a "$OUT/gpu-vs-llamacpp-$name.txt"
      done
      # The 64 GiB disk holds one 8B checkpoint and a few derived copies: the GGUF and 4-bit files go
      # (KEEP_WORK=1 keeps them for a later mode in the same call).
      [ -n "${KEEP_WORK:-}" ] || rm -rf "$W"
    done
    ;;
  cpu)
    build
    CLI="$BUILD/app/cli/slimbench-cli"
    grep -m1 "model name" /proc/cpuinfo; nproc
    grep -o -m1 -w "avx512f\|avx512_bf16\|avx512_vnni\|amx_bf16" /proc/cpuinfo | sort -u | tr '\n' ' '; echo
    [ -f "$CKPT/tinyllama/config.json" ] || python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only tinyllama "${TOKARG[@]}" 2>&1 | tail -1
    for b in 8 4; do
      [ -f "$CKPT/tl-int$b/config.json" ] || "$CLI" quantize "$CKPT/tinyllama" --method rtn --bits $b --group 128 --lm-head --device cpu --out "$CKPT/tl-int$b" > /dev/null
    done
    for m in tinyllama tl-int8 tl-int4; do
      for t in 4 16; do
        SLIMBENCH_THREADS=$t OMP_NUM_THREADS=$t "$CLI" bench "$CKPT/$m" --device cpu --reps 2 --ppl-windows 0 --json 2>/dev/null | tail -1 | python3 -c "
import json, sys
r = json.load(sys.stdin); g = r['generation'][0]
print(f\"cpu $m threads $t: decode {max(g['decode_tokens_per_s']['median'], g['static_decode_tokens_per_s']['median']):.1f} tok/s, prompt {g['prefill_tokens_per_s']['median']:.0f} tok/s, read bandwidth {r['memory_bandwidth']['used_bytes_per_s']/1e9:.0f} GB/s, bound {g['bandwidth_bound_tokens_per_s']:.1f}, peak {g['peak_memory_bytes']/1e9:.2f} GB\")"
      done
    done
    "$CLI" bench "$CKPT/tinyllama" --device cuda --batch 1 --reps 2 --ppl-windows 0 --json 2>/dev/null | tail -1 | python3 -c "
import json, sys
r = json.load(sys.stdin); g = r['generation'][0]
print(f\"cuda tinyllama: decode {g['decode_tokens_per_s']['median']:.1f} tok/s, static {g['static_decode_tokens_per_s']['median']:.1f}\")"
    ;;
  cpu-llamacpp)
    # tests/bench/cpu_vs_llamacpp.sh on this host's CPU against llama.cpp's CPU build, built here without
    # CUDA from a tarball of its source that the developer puts in the git-ignored .devcarry/
    # (llamacpp-src.tgz: llama.cpp's tree, e.g. from the npm package as docs/export.md describes).
    build &
    build_llamacpp lc lc
    wait
    grep -m1 "model name" /proc/cpuinfo
    SLIMBENCH_CLI="$BUILD/app/cli/slimbench-cli" LLAMACPP_BIN=/tmp/lc/build/bin WORK=/tmp/cpub \
      TOKENIZER="$ROOT/.devcarry/demo-model/tokenizer.json" \
      ROUNDS=${ROUNDS:-1} THREADS=${THREADS:-16} bash "$ROOT/tests/bench/cpu_vs_llamacpp.sh" 2>&1 | tee "$OUT/cpu-vs-llamacpp.txt" | grep -v "^== "
    cp /tmp/cpub/results.jsonl "$OUT/" 2>/dev/null
    ;;
  cuda-build)
    # The README's CUDA build path for the core and the CLI (build() goes through packaging/build.sh
    # with SLIMBENCH_LIBTORCH), the device list, and an out-of-memory inside a pipeline: the node that
    # asks for too much fails with the advice, the other branch finishes.
    build
    CLI="$BUILD/app/cli/slimbench-cli"
    grep -E "LibTorch with CUDA|configuring" "$OUT/build.log" | head -3
    "$CLI" devices | head -4
    for name in tinyllama llama3-8b; do
      [ -f "$CKPT/$name/config.json" ] || python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only $name "${TOKARG[@]}" 2>&1 | tail -1
      [ -f "$CKPT/$name/tokenizer.json" ] || cp "$ROOT/.devcarry/demo-model/tokenizer.json" "$CKPT/$name/"
    done
    cat > /tmp/oom-pipeline.json <<JSON
{"format": "slimbench-pipeline", "version": 1, "name": "oom-isolation",
 "nodes": [{"id": "small", "type": "load", "params": {"path": "$CKPT/tinyllama"}},
           {"id": "big", "type": "load", "params": {"path": "$CKPT/llama3-8b"}},
           {"id": "eval_ok", "type": "evaluate", "params": {"tasks": ["ppl:$WIKI:context=512,max-tokens=8192"]}},
           {"id": "eval_too_big", "type": "evaluate", "params": {"tasks": ["ppl:$WIKI:context=8192,batch=64"]}}],
 "links": [{"from": "small.model", "to": "eval_ok.model"}, {"from": "big.model", "to": "eval_too_big.model"}]}
JSON
    rm -rf /tmp/oom-ws
    "$CLI" estimate "$CKPT/llama3-8b" --job eval --device cuda --context 8192 --batch 64 | grep -E "total|would fit"
    "$CLI" run /tmp/oom-pipeline.json --device cuda --workspace /tmp/oom-ws --json > "$OUT/oom-pipeline.json" 2>&1
    echo "pipeline exit code $? (1: a node failed)"
    tail -1 "$OUT/oom-pipeline.json" | python3 -c "
import json, sys
r = json.load(sys.stdin)
for k, n in r['nodes'].items():
    print(f\"{k:14s} {n['state']:8s} {n.get('message', '')[:600]}\")"
    ;;
  estimate)
    # Issue #14: `slimbench-cli estimate` against the measured peaks (the CUDA caching allocator's peak
    # allocated bytes) on the TinyLlama and Llama-3-8B shapes: generation, evaluation and a LoRA step;
    # then a job that asks for more than the card has must end cleanly with the advice, and the next
    # job on the same GPU must run.
    build
    CLI="$BUILD/app/cli/slimbench-cli"
    for name in tinyllama llama3-8b; do
      [ -f "$CKPT/$name/config.json" ] || python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only "$name" "${TOKARG[@]}" 2>&1 | grep -v "Writing model shards" | tail -1
      # Any tokenizer with ids below the vocabulary size serves for memory: the demo model's where none came.
      [ -f "$CKPT/$name/tokenizer.json" ] || cp "$ROOT/.devcarry/demo-model/tokenizer.json" "$CKPT/$name/"
    done
    "$CLI" devices | head -5
    for name in tinyllama llama3-8b; do
      M="$CKPT/$name"
      G="--prompt-len ${EST_PROMPT:-512} --gen-len 128"
      "$CLI" bench "$M" --device cuda --dtype bf16 --batch 1 $G --reps 1 --ppl-windows 0 --json 2>/dev/null | tail -1 > "$OUT/m-gen-$name.json"
      "$CLI" estimate "$M" --job generate --device cuda --dtype bf16 --context ${EST_PROMPT:-512} --new-tokens 128 --batch 1 --json | tail -1 > "$OUT/e-gen-$name.json"
      "$CLI" eval "$M" --device cuda --dtype bf16 --task "ppl:$WIKI:context=2048,max-tokens=32768" --json 2>/dev/null | tail -1 > "$OUT/m-eval-$name.json"
      "$CLI" estimate "$M" --job eval --device cuda --dtype bf16 --context 2048 --json | tail -1 > "$OUT/e-eval-$name.json"
      rm -rf "/tmp/est-adapter-$name"*
      "$CLI" lora train "$M" --data "$WIKI" --steps 2 --batch 4 --seq-len 256 --eval-samples 4 --device cuda --dtype bf16 \
        --out "/tmp/est-adapter-$name" --json 2>/dev/null | tail -1 > "$OUT/m-lora-$name.json"
      "$CLI" estimate "$M" --job lora --device cuda --dtype bf16 --context 256 --batch 4 --json | tail -1 > "$OUT/e-lora-$name.json"
    done
    python3 - "$OUT" <<'PY'
import json, os, sys
o = sys.argv[1]
def load(f):
    try:
        return json.load(open(os.path.join(o, f)))
    except Exception as e:
        return {"error": str(e)}
G = 1024 ** 3
print(f"{'shape':10s} {'job':9s} {'measured GiB':>12s} {'estimate GiB':>12s} {'ratio':>6s}  components")
for name in ("tinyllama", "llama3-8b"):
    for job in ("gen", "eval", "lora"):
        m, e = load(f"m-{job}-{name}.json"), load(f"e-{job}-{name}.json")
        if job == "gen":
            peak = m.get("generation", [{}])[0].get("peak_memory_bytes")
        elif job == "eval":
            peak = (m.get("tasks") or [{}])[0].get("peak_memory_bytes")
        else:
            peak = m.get("peak_memory_bytes")
        est = e.get("allocator_peak_bytes")
        comps = ", ".join(f"{c['name']} {c['bytes'] / G:.2f}" for c in e.get("components", []) if c["in_allocator_peak"])
        if peak and est:
            print(f"{name:10s} {job:9s} {peak / G:12.3f} {est / G:12.3f} {est / peak:6.3f}  {comps}")
        else:
            print(f"{name:10s} {job:9s} missing: measured {str(m)[:200]} estimate {str(e)[:200]}")
PY
    # Out of memory: a perplexity batch of 64 windows of 8192 tokens wants ~270 GB of fp32 logits.
    "$CLI" estimate "$CKPT/llama3-8b" --job eval --device cuda --context 8192 --batch 64 | tail -3
    "$CLI" perplexity "$CKPT/llama3-8b" --text "$WIKI" --context 8192 --batch 64 --max-tokens 600000 --device cuda --dtype bf16 --json \
      > "$OUT/oom.json" 2> "$OUT/oom.err"
    echo "oom job exit code $? (expected 1)"; tail -2 "$OUT/oom.err"; grep '"event":"error"' "$OUT/oom.json" | head -1
    "$CLI" perplexity "$CKPT/llama3-8b" --text "$WIKI" --context 2048 --max-tokens 8192 --device cuda --dtype bf16 --json 2>/dev/null | tail -1 \
      | python3 -c "import json,sys; r=json.load(sys.stdin); print('next job on the same GPU: ppl', round(r['ppl'], 3), 'ok')"
    ;;
  check)
    build
    python3 "$ROOT/tests/reference/make_fixtures.py" --out /tmp/fx 2>&1 | grep -v "Writing model shards"
    tar czf "$OUT/fixtures.tgz" -C /tmp/fx .
    "$BUILD/tests/reference/slimbench-fixture-check" /tmp/fx cuda cpu
    python3 "$ROOT/tests/reference/make_similarity_reference.py" --fixtures /tmp/fx --out /tmp/simref 2>&1 | tail -5
    tar czf "$OUT/simref.tgz" -C /tmp/simref .
    # The CUDA path of the CLI: perplexity and analysis on CUDA agree with the CPU.
    for dev in cpu cuda; do
      "$BUILD/app/cli/slimbench-cli" perplexity /tmp/fx/llama-fp32 --text "$WIKI" \
        --context 128 --max-tokens 4096 --device $dev --json | tail -1 > "$OUT/ppl-$dev.json"
      "$BUILD/app/cli/slimbench-cli" analyze /tmp/fx/llama-fp32 --calib "$WIKI" \
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
      python3 "$ROOT/tests/reference/make_tokenizer_golden.py" --llama2-spm "$LLAMA2_SPM" --out /tmp/tokgold > "$OUT/tokgold.log" 2>&1
      echo "tokenizer golden rc=$?"; tail -5 "$OUT/tokgold.log"
      tar czf "$OUT/tokgold.tgz" -C /tmp/tokgold .
    fi
    ;;
  bench)
    name=${2:?name}
    build
    df -h /tmp "$CKPT" 2>/dev/null | tail -2; free -g | head -2
    if [ "$name" = demo-model ]; then
      CKPT="$ROOT/.devcarry"   # the trained demo model travels with the working tree
    else
      python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only "$name" "${TOKARG[@]}" 2>&1 | grep -v "Writing model shards"
    fi
    "$BUILD/app/cli/slimbench-cli" bench "$CKPT/$name" --device cuda --dtype bf16 --json ${BENCH_ARGS:-} > "$OUT/ours-$name.json" 2> "$OUT/ours-$name.err" \
      || { echo "ours failed"; tail -5 "$OUT/ours-$name.err"; }
    for attn in eager sdpa; do
      python3 "$ROOT/tests/bench/bench_transformers.py" "$CKPT/$name" --attn $attn ${HF_ARGS:-} > "$OUT/hf-$attn-$name.json" 2> "$OUT/hf-$attn-$name.err" \
        || { echo "hf $attn failed"; tail -5 "$OUT/hf-$attn-$name.err"; }
    done
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    python3 "$ROOT/tests/bench/compare.py" "$OUT/ours-$name.json" "$OUT/hf-eager-$name.json" "$OUT/hf-sdpa-$name.json"
    # Issue #4 on a real-sized model: weight statistics (streamed from the file), then layer
    # similarity + activation statistics over 32 x 256 WikiText tokens on the GPU.
    for what in --weights "--similarity --activations"; do
      /usr/bin/time -f "analyze $what: %e s wall" "$BUILD/app/cli/slimbench-cli" analyze "$CKPT/$name" \
        --calib "$WIKI" --samples 32 --length 256 --device cuda --dtype bf16 $what --json \
        2>&1 > "$OUT/analyze-$name.json" | tail -1
    done
    python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); a=r['activations']; s=r['similarity']; print('recommendation', s['recommendation'], '; activation inputs', len(a['inputs']), 'tokens', a['tokens'])" "$OUT/analyze-$name.json"
    ;;
  eval)
    # Issue #3: transformers' perplexities for the committed fixtures (CPU fp32, the unit test's
    # reference), our CUDA eval on the same cases, the demo model and a TinyLlama-shaped model
    # against transformers eager in the same run.
    build
    FINAL_OUT=$OUT
    OUT=/tmp/slim-eval; rm -rf "$OUT"; mkdir -p "$OUT"   # only 8 files come back: tar them at the end
    CLI="$BUILD/app/cli/slimbench-cli"
    WIKI="$WIKI"
    REF="$ROOT/tests/reference/make_eval_reference.py"
    t0=$SECONDS
    python3 "$REF" fixtures --fixtures "$ROOT/tests/data/fixtures" --out "$OUT/transformers_reference.json" --device cpu
    echo "transformers fixture reference: $((SECONDS - t0)) s"
    for fx in llama-fp32 mistral-bf16 qwen2-sharded; do
      "$CLI" eval "$ROOT/tests/data/fixtures/$fx" --device cuda --dtype fp32 --json \
        --task "ppl:$WIKI:context=128,max-tokens=4096" --task "ppl-llamacpp:$WIKI:context=128,chunks=16" \
        --task "wikitext:$WIKI:max-length=128,documents=2" | tail -1 > "$OUT/ours-fx-$fx.json"
    done
    python3 - "$OUT" <<'PY'
import json, os, sys
o = sys.argv[1]
ref = json.load(open(os.path.join(o, "transformers_reference.json")))["cases"]
worst = 0
for c in ref:
    if c["convention"] == "lm-eval-mc":
        continue   # checked by tst_eval_conventions on the CPU
    ours = json.load(open(os.path.join(o, f"ours-fx-{c['fixture']}.json")))["tasks"]
    name = {"token-gptq": "ppl", "llama.cpp": "ppl-llamacpp", "lm-eval": "wikitext"}[c["convention"]]
    t = next(t for t in ours if t["task"] == name)
    v = t["metrics"][c.get("metric", "ppl")]["value"]
    rel = abs(v - c["value"]) / abs(c["value"])
    worst = max(worst, rel)
    print(f"{c['fixture']:14s} {c['convention']:10s} {c.get('metric','ppl'):16s} transformers {c['value']:.6f} ours(cuda) {v:.6f} rel {rel:.1e}")
print(f"worst relative difference CUDA vs transformers: {worst:.2e}")
PY
    # The demo model, fp32 on the GPU: ours vs transformers eager, same text and settings.
    DEMO="$ROOT/.devcarry/demo-model"
    "$CLI" eval "$DEMO" --device cuda --dtype fp32 --json --task "ppl:$DEMO/heldout.txt:context=256" \
      --task "ppl-llamacpp:$DEMO/heldout.txt:context=256" --task "wikitext:$WIKI:max-length=256" | tail -1 > "$OUT/ours-demo.json"
    for conv in token-gptq llama.cpp; do
      python3 "$REF" model "$DEMO" --text "$DEMO/heldout.txt" --convention $conv --context 256 > "$OUT/hf-demo-$conv.json"
    done
    python3 "$REF" model "$DEMO" --text "$WIKI" --convention lm-eval --context 256 > "$OUT/hf-demo-lm-eval.json"
    "$CLI" kl "$DEMO" "$DEMO" --text "$DEMO/heldout.txt" --context 256 --device cuda --dtype fp32 --variant-dtype bf16 --json | tail -1 > "$OUT/ours-demo-kl.json"
    # A TinyLlama-shaped model (random weights, bf16): speed and memory of the evaluation.
    python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only tinyllama "${TOKARG[@]}" 2>&1 | grep -v "Writing model shards" | tail -2
    TL="$CKPT/tinyllama"
    "$CLI" eval "$TL" --device cuda --dtype bf16 --json --task "ppl:$WIKI:context=2048" --task "ppl-llamacpp:$WIKI:context=512" \
      --task "wikitext:$WIKI:max-length=2048" | tail -1 > "$OUT/ours-tl.json"
    python3 "$REF" model "$TL" --text "$WIKI" --convention token-gptq --context 2048 --dtype bf16 > "$OUT/hf-tl-token-gptq.json"
    python3 "$REF" model "$TL" --text "$WIKI" --convention llama.cpp --context 512 --dtype bf16 > "$OUT/hf-tl-llama.cpp.json"
    python3 "$REF" model "$TL" --text "$WIKI" --convention lm-eval --context 2048 --dtype bf16 > "$OUT/hf-tl-lm-eval.json"
    "$CLI" kl "$TL" "$TL" --text "$WIKI" --context 2048 --max-tokens 131072 --device cuda --dtype fp32 --variant-dtype bf16 --json | tail -1 > "$OUT/ours-tl-kl.json"
    # Multiple choice on the demo model: the CUDA path against the CPU path (same task files).
    TASKS=""
    for t in hellaswag arc_easy arc_challenge piqa openbookqa boolq winogrande truthfulqa_mc2; do
      TASKS="$TASKS --task $t:$ROOT/tests/data/tasks/$t.jsonl"
    done
    for dev in cpu cuda; do
      "$CLI" eval "$DEMO" --device $dev --dtype fp32 --json $TASKS | tail -1 > "$OUT/ours-demo-mc-$dev.json"
    done
    # Records, speed and energy: eval + bench of the TinyLlama shape into one database.
    DB="$OUT/results.sqlite"
    "$CLI" eval "$TL" --device cuda --dtype bf16 --db "$DB" --task "ppl:$WIKI:context=2048" --notes "H100 session" > /dev/null 2>&1
    "$CLI" bench "$TL" --device cuda --dtype bf16 --batch 1,8 --ppl-windows 0 --db "$DB" --json 2> "$OUT/ours-tl-bench.err" | tail -1 > "$OUT/ours-tl-bench.json"
    "$CLI" bench "$DEMO" --device cuda --dtype fp32 --batch 1 --ppl-windows 0 --db "$DB" --json 2>/dev/null | tail -1 > "$OUT/ours-demo-bench.json"
    "$CLI" results list --db "$DB"
    "$CLI" results export "$OUT/results.json" --db "$DB" > /dev/null
    python3 "$ROOT/tests/bench/compare_eval.py" "$OUT"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
    cp "$OUT/transformers_reference.json" "$FINAL_OUT/"
    tar czf "$FINAL_OUT/eval-results.tgz" -C "$OUT" .
    ;;
  prune)
    # Issue #8 / #9: the bandwidth bound read from this GPU, and pruning on a TinyLlama-shaped model:
    # Wanda / SparseGPT time and peak memory on the GPU and with layer-wise offload, a depth-pruned
    # checkpoint that transformers loads and whose logits agree with ours.
    build
    CLI="$BUILD/app/cli/slimbench-cli"
    python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only tinyllama "${TOKARG[@]}" 2>&1 | grep -v "Writing model shards" | tail -2
    TL="$CKPT/tinyllama"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv,noheader
    "$CLI" bench "$TL" --device cuda --dtype bf16 --batch 1 --gen-len 128 --ppl-windows 0 --json 2>/dev/null | tail -1 > "$OUT/bench-tl.json"
    python3 - "$OUT/bench-tl.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); bw = r["memory_bandwidth"]; g = r["generation"][0]
print(f"bandwidth: {bw['device']}: used {bw['used_bytes_per_s']/1e12:.3f} TB/s ({bw['used']}: {bw['spec_source']}), measured copy {bw.get('measured_copy_bytes_per_s', 0)/1e12:.3f} TB/s")
print(f"tinyllama bf16 b1 decode {max(g['decode_tokens_per_s']['median'], g['static_decode_tokens_per_s']['median']):.1f} tok/s, bound {g['bandwidth_bound_tokens_per_s']:.1f} tok/s, fraction {g['fraction_of_bound']*100:.1f} %")
PY
    for run in "wanda --sparsity 0.5" "wanda --sparsity 0.5 --offload" "sparsegpt --sparsity 0.5" "sparsegpt --pattern 2:4 --offload"; do
      set -- $run
      spec="$1 $2 $3"; off="${4:-}"
      {
        tag="$1${3/:/-}${off:+-offload}"
        /usr/bin/time -f "prune $spec $off: %e s wall, host peak RSS %M KB" "$CLI" prune sparse "$TL" --method $spec \
          --calib "$WIKI" --calib-samples 128 --calib-length 2048 --device cuda --dtype bf16 $off --out "$CKPT/tl-$tag" --json \
          2>&1 > "$OUT/prune-$tag.json" | tail -1
        python3 -c "import json,sys; r=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); rep=r['report']; print('   sparsity %.4f, layer-wise %.1f s, peak GPU %.2f GiB' % (rep['sparsity'], rep['layerwise']['seconds'], rep['layerwise']['peak_device_bytes']/2**30))" "$OUT/prune-$tag.json" || tail -3 "$OUT/prune-$tag.json"
      }
    done
    "$CLI" prune depth "$TL" --criterion angular --count 4 --calib "$WIKI" --calib-samples 32 --calib-length 1024 --device cuda --dtype bf16 \
      --out "$CKPT/tl-depth" --json 2>/dev/null | tail -1 > "$OUT/depth.json"
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('depth: removed', r['settings']['removed_layers'])" "$OUT/depth.json"
    "$CLI" logits "$CKPT/tl-depth" --prompt "The quick brown fox jumps over the lazy dog" --device cuda --dtype fp32 --top-k 5 --json 2>/dev/null | tail -1 > "$OUT/depth-logits.json"
    python3 - "$CKPT/tl-depth" "$OUT/depth-logits.json" <<'PY'
import json, sys, torch, transformers
d, ours = sys.argv[1], json.load(open(sys.argv[2]))
m = transformers.AutoModelForCausalLM.from_pretrained(d, torch_dtype=torch.float32).eval()
ids = torch.tensor([ours["ids"]])
with torch.no_grad():
    lp = torch.log_softmax(m(ids).logits[0].double(), -1)
nll = -sum(lp[i, ids[0, i + 1]].item() for i in range(ids.shape[1] - 1))
print(f"transformers loads the depth-pruned folder: {m.config.num_hidden_layers} layers; NLL ours {ours['nll_sum']:.5f} vs transformers {nll:.5f}")
PY
    ;;
  reference)
    # Issue #9: our Wanda / SparseGPT against the reference implementations' per-layer code on the
    # same model and the same calibration tokens (fp32 on this GPU): weights tensor by tensor,
    # perplexity, wall-clock and peak memory; peft loads our LoRA adapter and we load peft's.
    build
    CLI="$BUILD/app/cli/slimbench-cli"
    REF="$ROOT/.devcarry/ref"
    S=${REF_SAMPLES:-128}; L=${REF_LENGTH:-2048}
    # OURS_ARGS: extra options for our side only (e.g. --tf32, --offload); SHAPE: tinyllama (default) or
    # llama3-8b; REF_PPL_TOKENS: tokens of the perplexity comparison (default 65536).
    TL="$CKPT/${SHAPE:-tinyllama}"
    IFS=';' read -ra RUNS <<< "${REF_RUNS:-wanda --sparsity 0.5;sparsegpt --sparsity 0.5;wanda --pattern 2:4;sparsegpt --pattern 2:4}"
    [ -d "$TL" ] || python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only "${SHAPE:-tinyllama}" "${TOKARG[@]}" 2>&1 | tail -1
    [ -f "$TL/tokenizer.json" ] || cp "$ROOT/.devcarry/demo-model/tokenizer.json" "$TL/"
    for m in "${RUNS[@]}"; do
      set -- $m; tag="$1${3/:/-}"
      # The reference first, so that a failure (its stderr is kept) shows before our run's minutes.
      python3 "$ROOT/tests/reference/prune_reference.py" "$TL" --ref "$REF" --method $1 $2 $3 --calib "$WIKI" \
        --samples $S --length $L --out "$CKPT/ref-$tag" 2> "$OUT/ref-$tag.err" | tail -1 > "$OUT/ref-$tag.json"
      [ -s "$OUT/ref-$tag.json" ] || { echo "$m: the reference failed"; tail -15 "$OUT/ref-$tag.err"; continue; }
      "$CLI" prune sparse "$TL" --method $m --calib "$WIKI" --calib-mode sequential --calib-samples $S --calib-length $L \
        --device cuda --dtype fp32 ${OURS_ARGS:-} --out "$CKPT/ours-$tag" --json 2> "$OUT/ours-$tag.err" | tail -1 > "$OUT/ours-$tag.json"
      cmp=$(python3 "$ROOT/tests/reference/prune_reference.py" compare "$CKPT/ours-$tag" "$CKPT/ref-$tag")
      po=$("$CLI" perplexity "$CKPT/ours-$tag" --text "$WIKI" --context 2048 --max-tokens ${REF_PPL_TOKENS:-65536} --device cuda --dtype fp32 --json 2>/dev/null | tail -1)
      pr=$("$CLI" perplexity "$CKPT/ref-$tag" --text "$WIKI" --context 2048 --max-tokens ${REF_PPL_TOKENS:-65536} --device cuda --dtype fp32 --json 2>/dev/null | tail -1)
      python3 - "$OUT/ours-$tag.json" "$OUT/ref-$tag.json" "$cmp" "$po" "$pr" "$m" <<'PY'
import json, sys
o = json.loads(open(sys.argv[1]).read()); r = json.loads(open(sys.argv[2]).read()); c = json.loads(sys.argv[3])
po, pr = json.loads(sys.argv[4])["ppl"], json.loads(sys.argv[5])["ppl"]
lw = o["report"]["layerwise"]
ph = lw.get("phase_seconds", {})
phases = " [" + " ".join(f"{k} {v:.1f}" for k, v in ph.items()) + "]" if ph else ""
print(f"{sys.argv[6]:28s} ours {lw['seconds']:7.1f} s{phases} peak {lw['peak_device_bytes']/2**30:5.2f} GiB | reference {r['seconds']:7.1f} s "
      f"peak {r['peak_gpu_bytes']/2**30:5.2f} GiB | time ratio {lw['seconds']/r['seconds']:.2f} | mask agreement >= {c['min_mask_agreement']:.5f}, "
      f"weights rel diff <= {c['max_relative_weight_difference']:.2e} | ppl ours {po:.3f} ref {pr:.3f} ({(po/pr-1)*100:+.3f} %)")
PY
      rm -rf "$CKPT/ours-$tag" "$CKPT/ref-$tag"   # an 8B pair is 32 GB of a 64 GiB disk
    done
    [ -n "${REF_SKIP_PEFT:-}" ] && exit 0
    # peft: our adapter in peft, peft's adapter in ours (fixture model, fp32).
    FX="$ROOT/tests/data/fixtures/llama-fp32"
    head -c 200000 "$WIKI" > /tmp/lora.txt
    "$CLI" lora train "$FX" --data /tmp/lora.txt --seq-len 64 --steps 5 --lr 1e-2 --out /tmp/ours-adapter --json 2>/dev/null | tail -1 > /dev/null
    "$CLI" lora merge "$FX" /tmp/ours-adapter --out /tmp/ours-merged --json 2>/dev/null | tail -1 > /dev/null
    python3 "$ROOT/tests/reference/peft_check.py" "$FX" /tmp/ours-adapter /tmp/ours-merged /tmp/peft-adapter
    "$CLI" lora merge "$FX" /tmp/peft-adapter --out /tmp/peft-merged-by-us --json 2>/dev/null | tail -1 > /dev/null
    python3 "$ROOT/tests/reference/peft_check.py" --compare-merged "$FX" /tmp/peft-adapter /tmp/peft-merged-by-us
    ;;
  quant)
    # Issue #10: our GPTQ / AWQ against IST-DASLab/gptq and mit-han-lab/llm-awq (their per-layer code,
    # driven by tests/reference/quant_reference.py) on a TinyLlama-shaped model with the same
    # calibration tokens: codes / weights compared, perplexity of both with our evaluator, wall-clock
    # and peak GPU memory; RTN for scale; the packed folder in transformers; speed of the packed model.
    build
    CLI="$BUILD/app/cli/slimbench-cli"
    REF="$ROOT/.devcarry/ref"
    TL="$CKPT/tinyllama"
    [ -d "$TL" ] || python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only tinyllama "${TOKARG[@]}" 2>&1 | tail -1
    [ -f "$TL/tokenizer.json" ] || cp "$ROOT/.devcarry/demo-model/tokenizer.json" "$TL/"
    PPL=(--text "$WIKI" --context 2048 --max-tokens 65536 --device cuda --dtype fp32 --json)
    ppl() { "$CLI" perplexity "$1" "${PPL[@]}" 2>/dev/null | tail -1 | python3 -c "import json,sys; print('%.4f' % json.load(sys.stdin)['ppl'])"; }
    PARTS=${QUANT_PARTS:-base runs offload hf speed}   # a session of 10-minute commands runs them in turns
    has() { [[ " $PARTS " == *" $1 "* ]]; }
    if has base; then
    echo "dense ppl $(ppl "$TL")"
    "$CLI" quantize "$TL" --method rtn --bits 4 --group 128 --device cuda --dtype fp32 --out "$CKPT/q-rtn4" --json 2>/dev/null | tail -1 > "$OUT/q-rtn4.json"
    echo "rtn 4-bit g128 ppl $(ppl "$CKPT/q-rtn4")"
    fi
    has runs || QUANT_RUNS=" "
    IFS=';' read -ra RUNS <<< "${QUANT_RUNS:-gptq 4 128 128 2048;awq 4 128 128 512;gptq 3 128 128 2048}"
    for run in "${RUNS[@]}"; do
      [ -n "${run// /}" ] || continue
      set -- $run; m=$1; b=$2; g=$3; S=$4; L=$5; tag="$m$b-g$g"
      /usr/bin/time -f "%e s wall" "$CLI" quantize "$TL" --method $m --bits $b --group $g --calib "$WIKI" --calib-mode sequential \
        --calib-samples $S --calib-length $L --device cuda --dtype fp32 ${OURS_ARGS:-} --out "$CKPT/ours-$tag" --json 2> "$OUT/ours-$tag.err" | tail -1 > "$OUT/ours-$tag.json"
      tail -1 "$OUT/ours-$tag.err"
      python3 "$ROOT/tests/reference/quant_reference.py" "$TL" --ref "$REF" --method $m --bits $b --group $g --calib "$WIKI" \
        --samples $S --length $L --out "$CKPT/ref-$tag" > "$OUT/ref-$tag.log" 2>&1
      tail -1 "$OUT/ref-$tag.log" > "$OUT/ref-$tag.json"
      cmp=$(python3 "$ROOT/tests/reference/quant_reference.py" compare "$CKPT/ours-$tag" "$CKPT/ref-$tag" 2>&1 | tail -1)
      po=$(ppl "$CKPT/ours-$tag"); pr=$(ppl "$CKPT/ref-$tag")
      python3 - "$OUT/ours-$tag.json" "$OUT/ref-$tag.json" "$cmp" "$po" "$pr" "$run" <<'PY'
import json, sys
try:
    o = json.loads(open(sys.argv[1]).read()); r = json.loads(open(sys.argv[2]).read()); c = json.loads(sys.argv[3])
except Exception as e:
    print("failed:", e, open(sys.argv[2]).read()[-500:], sys.argv[3][-500:]); sys.exit()
po, pr = float(sys.argv[4]), float(sys.argv[5])
lw = o["report"].get("layerwise", {})
ph = lw.get("phase_seconds", {})
phases = " [" + " ".join(f"{k} {v:.1f}" for k, v in ph.items()) + "]" if ph else ""
print(f"{sys.argv[6]:18s} ours {lw.get('seconds', 0):7.1f} s{phases} peak {lw.get('peak_device_bytes', 0)/2**30:5.2f} GiB | reference {r['seconds']:7.1f} s "
      f"peak {r['peak_gpu_bytes']/2**30:5.2f} GiB | time ratio {lw.get('seconds', 0)/r['seconds']:.2f} | {json.dumps(c)} | ppl ours {po:.4f} ref {pr:.4f} ({(po/pr-1)*100:+.3f} %)")
PY
    done
    # Offload: GPTQ with the model in host memory, one layer on the GPU.
    has offload && "$CLI" quantize "$TL" --method gptq --bits 4 --group 128 --calib "$WIKI" --calib-samples 128 --calib-length 2048 --device cuda \
      --dtype bf16 --offload --out "$CKPT/ours-gptq4-offload" --json 2>/dev/null | tail -1 > "$OUT/ours-gptq4-offload.json"
    has offload && python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['report']; print('gptq bf16 --offload: %.1f s, peak GPU %.2f GiB, stored %.3f of bf16' % (r['layerwise']['seconds'], r['layerwise']['peak_device_bytes']/2**30, r['ratio']))" "$OUT/ours-gptq4-offload.json"
    # transformers reads the packed folder (needs a GPTQ backend: gptqmodel / optimum)?
    has hf && python3 - "$CKPT/ours-gptq4-g128" <<'PY' 2>&1 | tail -3
import sys, torch, transformers
try:
    m = transformers.AutoModelForCausalLM.from_pretrained(sys.argv[1], device_map="cuda")
    print("transformers loaded our GPTQ folder:", type(m.model.layers[0].self_attn.q_proj).__name__)
except Exception as e:
    print("transformers could not load the GPTQ folder:", type(e).__name__, str(e)[:300])
PY
    # Speed of the packed model (portable de-quantize + GEMM path) against bf16.
    has speed && for d in "$TL" "$CKPT/ours-gptq4-g128"; do
      "$CLI" bench "$d" --device cuda --dtype bf16 --batch 1 --gen-len 64 --ppl-windows 0 --json 2>/dev/null | tail -1 | python3 -c "
import json,sys; r=json.load(sys.stdin); g=r['generation'][0]
print(sys.argv[1], 'b1 decode %.1f tok/s, weights %.3f GiB' % (max(g['decode_tokens_per_s']['median'], g.get('static_decode_tokens_per_s', {}).get('median', 0)), r['weight_bytes']/2**30))" "$(basename $d)"
    done
    ;;
  w4a16)
    # The 4-bit decode kernels (core/cuda/decode_kernels.cu): the same greedy tokens as the de-quantize + GEMM
    # path, and batch-1 decode speed of the 4-bit model against bf16 (TinyLlama shape, RTN g128).
    build
    CLI="$BUILD/app/cli/slimbench-cli"
    TL="$CKPT/tinyllama"
    [ -d "$TL" ] || python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only tinyllama "${TOKARG[@]}" 2>&1 | tail -1
    [ -f "$TL/tokenizer.json" ] || cp "$ROOT/.devcarry/demo-model/tokenizer.json" "$TL/"
    Q="$CKPT/tl-rtn4"
    [ -d "$Q" ] || "$CLI" quantize "$TL" --method rtn --bits 4 --group 128 --device cuda --dtype bf16 --out "$Q" > /dev/null 2>&1
    gen() { "$CLI" generate "$Q" --prompt "The history of the city" --max-new-tokens 48 --device cuda --dtype bf16 --json 2>/dev/null | tail -1; }
    a=$(gen); b=$(SLIMBENCH_NO_W4A16=1 gen)
    python3 - "$a" "$b" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ka = a.get("new_ids"); kb = b.get("new_ids")
same = sum(1 for x, y in zip(ka, kb) if x == y) if isinstance(ka, list) else (ka == kb)
print("greedy generation, kernel vs de-quantize + GEMM:", "identical" if ka == kb else f"differs ({same} equal)", "|", str(a.get("text", ""))[:80].replace("\n", " "))
PY
    for run in "bf16 $TL" "int4-kernel $Q" "int4-dequant $Q"; do
      set -- $run
      env ${1/int4-dequant/SLIMBENCH_NO_W4A16=1} "$CLI" bench "$2" --device cuda --dtype bf16 --batch 1 --gen-len 128 --ppl-windows 0 --json 2>/dev/null | tail -1 | python3 -c "
import json,sys; r=json.load(sys.stdin); g=r['generation'][0]
d=max(g['decode_tokens_per_s']['median'], g.get('static_decode_tokens_per_s', {}).get('median', 0))
print('%-13s b1 decode %7.1f tok/s, weights %.3f GiB, bound %.0f tok/s, %.1f %% of it' % (sys.argv[1], d, r['weight_bytes']/2**30, g['bandwidth_bound_tokens_per_s'], 100*d/g['bandwidth_bound_tokens_per_s']))" "$1"
    done
    ;;
  stepbench)
    /usr/local/cuda/bin/nvcc -std=c++20 -arch=sm_90 -O3 -I"$ROOT" "$ROOT/tests/bench/cuda/decode_step_bench.cu" \
      "$ROOT/core/cuda/decode_kernels.cu" -o /tmp/dsb || exit 1
    for shape in ${SHAPES:-llama3-8b tinyllama}; do
      for plan in ${PLANS:-none o qkv gu:16 o,qkv,gu:16}; do
        echo "== $shape, prefetch $plan" | tee -a "$OUT/stepbench.txt"
        /tmp/dsb --shape "$shape" --formats "${FORMATS:-bf16,int4}" --prefetch "$plan" --reps 50 2>&1 | tee -a "$OUT/stepbench.txt" \
          | grep -E "check|step"
      done
      # The attention's combine in its split kernel (the last block of each kv head) instead of a launch.
      echo "== $shape, fused combine, prefetch none" | tee -a "$OUT/stepbench.txt"
      SLIMBENCH_ATTN_COMBINE=fused /tmp/dsb --shape "$shape" --formats "${FORMATS:-bf16,int4}" --prefetch none --reps 50 2>&1 \
        | tee -a "$OUT/stepbench.txt" | grep -E "check|step|attention"
    done
    # The fastest int4 whole step of the first shape and its variant.
    sh1=${SHAPES:-llama3-8b}
    awk '/^== /{h=$0} /^int4 +step/{for(i=1;i<=NF;i++) if($(i+1)=="tok/s"){print $i, h; break}}' "$OUT/stepbench.txt" \
      | awk -v s="${sh1%% *}" 'index($0, s)' | sort -gr | head -1 | tee "$OUT/best-int4.txt"
    ;;
  variants)
    # The 4-bit tile GEMV's tuning constants side by side: decode_step_bench built once per
    # VARIANTS entry "TILE_BYTES:MIN_BLOCKS" (codes in flight per lane; blocks per SM the registers
    # must allow), each variant's int4 step and per-launch times for SHAPES, and the SASS loop mix of
    # each variant's gate/up tile kernel (tests/bench/cuda/sass_loop_stats.py).  Each binary runs once per
    # environment in ENVS, entries separated by ";" (default: as configured, then without the strided
    # zero-point / scale addressing, then without the early K/V loads of the attention).
    VARIANTS=${VARIANTS:-64:2}
    for v in $VARIANTS; do
      /usr/local/cuda/bin/nvcc -std=c++20 -arch=sm_90 -O3 -I"$ROOT" -DSLIMBENCH_TILE_BYTES=${v%%:*} \
        -DSLIMBENCH_TILE_MIN_BLOCKS=${v##*:} "$ROOT/tests/bench/cuda/decode_step_bench.cu" "$ROOT/core/cuda/decode_kernels.cu" \
        -o "/tmp/dsb-${v/:/-}" &
    done
    wait
    for v in $VARIANTS; do
      [ -x "/tmp/dsb-${v/:/-}" ] || { echo "variant $v did not build"; continue; }
      cuobjdump -sass "/tmp/dsb-${v/:/-}" | python3 "$ROOT/tests/bench/cuda/sass_loop_stats.py" --match=gemvInt4TileKernelI13__nv_bfloat16Li2E \
        | sed "s/^/[$v] /" | tee -a "$OUT/variants.txt" | tail -2
      for shape in ${SHAPES:-llama3-8b tinyllama}; do
        IFS=';' read -ra ENVL <<< "${ENVS:-SLIMBENCH_NONE=1;SLIMBENCH_TILE_STRIDED=0;SLIMBENCH_ATTN_EARLY=0}"
        for e in "${ENVL[@]}"; do
          echo "== $shape, tile bytes:min blocks $v, $e" | tee -a "$OUT/variants.txt"
          # shellcheck disable=SC2086  # an entry may set several variables
          env $e "/tmp/dsb-${v/:/-}" --shape "$shape" --formats "${FORMATS:-int4}" --prefetch none --reps 50 2>&1 \
            | tee -a "$OUT/variants.txt" | grep -E "check|step|gemv|lm_head|attention|rope"
        done
      done
    done
    ;;
  profile)
    # Nsight Compute on the decode step's 4-bit GEMVs (decode_step_bench, 8B shape): speed of light, memory,
    # scheduler and warp-state statistics, source counters; and the SASS of the gate/up tile kernel.
    # ncu reads the hardware counters on the Firecracker machines only (device KINDS.md).  Its kernel filter
    # matches the base name; per layer the step launches q/k/v, o, gate/up and down, after the bench's check
    # launches: SKIP / COUNT pick which (ncu.txt shows each one's grid and bytes, which tell them apart).
    /usr/local/cuda/bin/nvcc -std=c++20 -arch=sm_90 -O3 -lineinfo -I"$ROOT" "$ROOT/tests/bench/cuda/decode_step_bench.cu" \
      "$ROOT/core/cuda/decode_kernels.cu" -o /tmp/dsb || exit 1
    cuobjdump -sass /tmp/dsb | awk '/Function : /{on = /gemvInt4TileKernelI13__nv_bfloat16Li2E/} on' > "$OUT/sass-tile-gate-up.txt"
    timeout "${PROFILE_TIMEOUT:-240}" ncu --clock-control none -k regex:gemvInt4Tile --launch-skip "${SKIP:-42}" --launch-count "${COUNT:-4}" \
      --section SpeedOfLight --section MemoryWorkloadAnalysis --section SchedulerStats --section WarpStateStats \
      --section Occupancy --section LaunchStats --section SourceCounters \
      /tmp/dsb --shape "${SHAPE:-llama3-8b}" --formats int4 --reps 1 > "$OUT/ncu.txt" 2>&1
    grep -E "Duration|DRAM Throughput|Memory Throughput|Issue Slots Busy|No Eligible|Warp Cycles Per Issued|Stall" "$OUT/ncu.txt" | head -40
    ;;
  offload8b)
    # Issues #9 / #10: Wanda, GPTQ, AWQ and SparseGPT on the Llama-3-8B shape with the model in host
    # memory and one layer at a time on the GPU: peak GPU memory (target <= 8 GiB) and wall-clock.
    # Calibration: OFF_SAMPLES x OFF_LENGTH sequential WikiText windows (default 32 x 2048); OFF_DTYPE
    # (default bf16; fp32 for the reference comparisons of gpu_session.sh reference).
    TARGETS="slimbench-cli" build
    CLI="$BUILD/app/cli/slimbench-cli"
    M="$CKPT/llama3-8b"
    [ -f "$M/config.json" ] || python3 "$ROOT/tests/bench/make_bench_checkpoints.py" --out "$CKPT" --only llama3-8b "${TOKARG[@]}" 2>&1 | grep -v "Writing model shards" | tail -1
    [ -f "$M/tokenizer.json" ] || cp "$ROOT/.devcarry/demo-model/tokenizer.json" "$M/"
    S=${OFF_SAMPLES:-32}; L=${OFF_LENGTH:-2048}
    CAL=(--calib "$WIKI" --calib-mode sequential --calib-samples "$S" --calib-length "$L" --device cuda --dtype "${OFF_DTYPE:-bf16}" --offload --json)
    IFS=';' read -ra RUNS <<< "${OFF_RUNS:-prune sparse --method wanda --sparsity 0.5;quantize --method gptq --bits 4 --group 128;quantize --method awq --bits 4 --group 128;prune sparse --method sparsegpt --pattern 2:4}"
    for run in "${RUNS[@]}"; do
      tag=$(echo "$run" | tr -s ' ' '-' | tr -d ':')
      # One summary line and one report line per run, in two files (the device tool returns few files).
      /usr/bin/time -f "%e s wall, host peak RSS %M KB" "$CLI" $run "$M" "${CAL[@]}" --out "$CKPT/off-$tag" 2> /tmp/off.err | tail -1 > /tmp/off.json
      python3 - /tmp/off.json "$run" "$(tail -1 /tmp/off.err)" "$S x $L" "$OUT/offload8b-reports.jsonl" <<'PY' | tee -a "$OUT/offload8b.txt"
import json, sys
try:
    r = json.loads(open(sys.argv[1]).read()); lw = r["report"]["layerwise"]
    r["report"].pop("layers", None); r["report"].pop("projections", None)
    open(sys.argv[5], "a").write(json.dumps({"run": sys.argv[2], "time": sys.argv[3], "report": r["report"], "settings": r.get("settings")}) + "\n")
    ph = lw.get("phase_seconds", {})
    phases = " [" + " ".join(f"{k} {v:.1f}" for k, v in ph.items()) + "]" if ph else ""
    print(f"8B {sys.argv[2]:45s} --offload, calib {sys.argv[4]}: layer-wise {lw['seconds']:.1f} s{phases}, peak GPU {lw['peak_device_bytes']/2**30:.2f} GiB | {sys.argv[3]}")
except Exception as e:
    print(f"8B {sys.argv[2]}: failed ({e}); {sys.argv[3]}")
PY
      rm -rf "$CKPT/off-$tag"
    done
    ;;
  *) echo "usage: $0 check | decode | stepbench | cpu | cpu-llamacpp | cuda-build | estimate | bench NAME | eval | prune | reference | quant | w4a16 | offload8b" >&2; exit 1 ;;
esac
