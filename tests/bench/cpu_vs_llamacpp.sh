#!/usr/bin/env bash
# Batch-1 decode and prompt speed, Slimbench against llama.cpp, on the same weights in the same run:
# the CPU builds (issue #13), or with DEVICE=cuda both on the GPU (llama.cpp built with GGML_CUDA, all
# layers offloaded; Slimbench in bf16 with its fused decode step).  Each format pair runs back to back, alternating, so both see the same
# machine state; peak RSS of every run is measured with /usr/bin/time.
#
#   tests/bench/cpu_vs_llamacpp.sh [MODEL_DIR]
#
# MODEL_DIR: a bf16 Llama-family checkpoint (default: a random TinyLlama-1.1B-shaped one, written by
# make_random_tinyllama.py into $WORK; needs python3-numpy).  From it the script makes, once (cached in
# $WORK): Slimbench int8 and int4 variants (RTN, groups of 128, the output projection quantized too with
# --lm-head, as llama.cpp's files quantize output.weight) and GGUF files through our own exporter (F16,
# Q8_0, Q4_0 — the same weights llama.cpp then reads).
#
# Environment:
#   LLAMACPP_BIN  folder with llama-bench (how to get and build llama.cpp: docs/export.md, "Check with
#                 llama.cpp"; default /tmp/lc/build/bin).
#                 Without it the llama.cpp columns say "absent" and only Slimbench is measured.
#   SLIMBENCH_CLI default build/app/cli/slimbench-cli;  WORK default /tmp/slimbench-cpu-bench
#   TOKENIZER     a tokenizer.json for the random checkpoint (the GGUF export needs one; default: the
#                 demo model's, from `slimbench-cli paths`)
#   DEVICE (cpu | cuda; default cpu), QUANT_DEVICE (where the int variants are quantized; default DEVICE)
#   THREADS (default: nproc), PROMPT (64; 512 on cuda), GEN (32; 128 on cuda), REPS (3),
#   TG_DEPTH (default PROMPT): cached tokens before llama.cpp's decode test (llama-bench -d), so that
#   both decode at the same context (ours always decodes after the prompt),
#   FORMATS ("bf16 int8 int4"; "bf16 int4" on cuda),
#   ROUNDS (3): every pair is measured ROUNDS times, alternating, and the table shows the medians over
#   rounds with their range (a shared VM's bandwidth drifts by ±20 % within minutes).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
CLI="${SLIMBENCH_CLI:-$root/build/app/cli/slimbench-cli}"
LB="${LLAMACPP_BIN:-/tmp/lc/build/bin}"
WORK="${WORK:-/tmp/slimbench-cpu-bench}"
THREADS="${THREADS:-$(nproc)}"
DEVICE="${DEVICE:-cpu}"
if [ "$DEVICE" = cuda ]; then
  PROMPT="${PROMPT:-512}"; GEN="${GEN:-128}"; FORMATS="${FORMATS:-bf16 int4}"
  OURS=(--device cuda --dtype bf16); THEIRS=(-ngl 99)
else
  PROMPT="${PROMPT:-64}"; GEN="${GEN:-32}"; FORMATS="${FORMATS:-bf16 int8 int4}"
  OURS=(--device cpu); THEIRS=(-t "$THREADS")
fi
REPS="${REPS:-3}"
ROUNDS="${ROUNDS:-3}"
mkdir -p "$WORK"
[ -x "$CLI" ] || { echo "no slimbench-cli at $CLI (build first: packaging/build.sh build)" >&2; exit 2; }

model="${1:-}"
if [ -z "$model" ]; then
  model="$WORK/tinyllama-random"
  if [ ! -f "$model/model.safetensors" ]; then
    echo "== writing a random TinyLlama-shaped checkpoint to $model"
    mkdir -p "$model"
    python3 "$here/make_random_tinyllama.py" "$model"
  fi
  if [ ! -f "$model/tokenizer.json" ]; then
    tok="${TOKENIZER:-}"
    if [ -z "$tok" ]; then
      demo="$("$CLI" paths --json 2>/dev/null | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin).get("demo_model",""))' 2>/dev/null || true)"
      tok="$demo/tokenizer.json"
    fi
    [ -f "$tok" ] || { echo "no tokenizer.json for $model: set TOKENIZER (the GGUF export needs one)" >&2; exit 2; }
    cp "$tok" "$model/tokenizer.json"
  fi
fi

have_llama=1
[ -x "$LB/llama-bench" ] || { have_llama=0; echo "== llama.cpp absent ($LB/llama-bench): Slimbench only"; }
# Our decode runs after the prompt (positions PROMPT .. PROMPT+GEN); llama-bench's tg test starts from an
# empty cache unless given a depth, so its attention would read fewer cached keys.  TG_DEPTH (default
# PROMPT) puts both at the same context; builds of llama-bench without -d decode from depth 0 (said below).
DEPTH_ARG=()
TG_DEPTH="${TG_DEPTH:-$PROMPT}"
if [ $have_llama = 1 ] && [ "$TG_DEPTH" != 0 ]; then
  # The help text is read whole first: grep -q stops at the first match, and under pipefail the writer's
  # SIGPIPE would make a build that has -d look as if it had not (it did, with the CUDA build's longer output).
  lb_help=$("$LB/llama-bench" --help 2>&1 || true)
  if grep -q -- "--n-depth" <<< "$lb_help"; then DEPTH_ARG=(-d "$TG_DEPTH"); else TG_DEPTH=0; fi
fi

variant() {   # format -> Slimbench model folder
  case "$1" in
    bf16) echo "$model" ;;
    int8) echo "$WORK/int8-g128-head" ;;
    int4) echo "$WORK/int4-g128-head" ;;
  esac
}
gguf_type() { case "$1" in bf16) echo f16 ;; int8) echo q8_0 ;; int4) echo q4_0 ;; esac; }

for f in $FORMATS; do
  v="$(variant "$f")"
  if [ "$f" != bf16 ] && [ ! -f "$v/config.json" ]; then
    echo "== quantizing $f (RTN, group 128, lm_head too)"
    "$CLI" quantize "$model" --method rtn --bits "${f#int}" --group 128 --lm-head --device "${QUANT_DEVICE:-$DEVICE}" \
      --out "$v" > "$WORK/quantize-$f.log"
  fi
  g="$WORK/model-$(gguf_type "$f").gguf"
  if [ $have_llama = 1 ] && [ ! -f "$g" ]; then
    echo "== exporting GGUF $(gguf_type "$f")"
    "$CLI" export "$model" --format "gguf:$(gguf_type "$f")" --out "$g" > "$WORK/export-$f.log"
  fi
done

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $THREADS threads, $(nproc) cores"
[ "$DEVICE" = cuda ] && echo "== GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null)"
results="$WORK/results.jsonl"
: > "$results"
for round in $(seq 1 "$ROUNDS"); do
for f in $FORMATS; do
  v="$(variant "$f")"
  echo "== round $round, $f: Slimbench"
  /usr/bin/time -f "%M" -o "$WORK/rss" env SLIMBENCH_THREADS="$THREADS" "$CLI" bench "$v" "${OURS[@]}" --batch 1 \
    --prompt-len "$PROMPT" --gen-len "$GEN" --reps "$REPS" --ppl-windows 0 --json 2>/dev/null \
    | grep '"event":"result"' > "$WORK/ours.json"
  python3 - "$f" "$(cat "$WORK/rss")" "$WORK/ours.json" >> "$results" <<'EOF'
import json, sys
r = json.load(open(sys.argv[3])); g = r["generation"][0]
print(json.dumps({"format": sys.argv[1], "runtime": "slimbench", "decode": g["decode_tokens_per_s"]["median"],
                  "static_decode": g["static_decode_tokens_per_s"]["median"], "prompt": g["prefill_tokens_per_s"]["median"],
                  "rss_kb": int(sys.argv[2]), "weight_bytes": r["weight_bytes"],
                  "bandwidth": r["memory_bandwidth"]["used_bytes_per_s"], "bound": g["bandwidth_bound_tokens_per_s"]}))
EOF
  if [ $have_llama = 1 ]; then
    g="$WORK/model-$(gguf_type "$f").gguf"
    echo "== round $round, $f: llama.cpp $(gguf_type "$f")"
    # Prompt at depth 0; decode after TG_DEPTH cached tokens (-d), the context our decode runs at.
    /usr/bin/time -f "%M" -o "$WORK/rss" "$LB/llama-bench" -m "$g" "${THEIRS[@]}" -p "$PROMPT" -n 0 -r "$REPS" -o json \
      > "$WORK/llama-pp.json" 2>/dev/null
    /usr/bin/time -f "%M" -o "$WORK/rss-tg" "$LB/llama-bench" -m "$g" "${THEIRS[@]}" -p 0 -n "$GEN" "${DEPTH_ARG[@]}" -r "$REPS" \
      -o json > "$WORK/llama-tg.json" 2>/dev/null
    python3 - "$f" "$(cat "$WORK/rss")" "$WORK/llama-pp.json" "$g" "$(cat "$WORK/rss-tg")" "$WORK/llama-tg.json" >> "$results" <<'EOF'
import json, os, sys
pp = next(r for r in json.load(open(sys.argv[3])) if r["n_gen"] == 0)
tg = next(r for r in json.load(open(sys.argv[6])) if r["n_prompt"] == 0)
print(json.dumps({"format": sys.argv[1], "runtime": "llama.cpp", "decode": tg["avg_ts"], "decode_sd": tg["stddev_ts"],
                  "decode_depth": tg.get("n_depth", 0), "prompt": pp["avg_ts"],
                  "rss_kb": max(int(sys.argv[2]), int(sys.argv[5])), "file_bytes": os.path.getsize(sys.argv[4])}))
EOF
  fi
done
done

python3 - "$results" "$ROUNDS" "$PROMPT" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
fmt = {"bf16": "bf16 / F16", "int8": "int8-g128 / Q8_0", "int4": "int4-g128 / Q4_0"}
med = statistics.median
def rng(vals):
    return f" ({min(vals):.1f}–{max(vals):.1f})" if len(vals) > 1 else ""
print()
print("| format (Slimbench / llama.cpp) | Slimbench decode tok/s | llama.cpp decode tok/s | ratio | Slimbench prompt tok/s | llama.cpp prompt tok/s | ratio | Slimbench peak RSS | llama.cpp peak RSS | Slimbench share of bound |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for f in ["bf16", "int8", "int4"]:
    o = [r for r in rows if r["format"] == f and r["runtime"] == "slimbench"]
    l = [r for r in rows if r["format"] == f and r["runtime"] == "llama.cpp"]
    if not o:
        continue
    od = [max(r["decode"], r["static_decode"]) for r in o]
    op = [r["prompt"] for r in o]
    share = med([max(r["decode"], r["static_decode"]) / r["bound"] for r in o])
    orss = max(r["rss_kb"] for r in o) / 1e6
    if l:
        ld, lp = [r["decode"] for r in l], [r["prompt"] for r in l]
        lrss = max(r["rss_kb"] for r in l) / 1e6
        print(f"| {fmt[f]} | {med(od):.2f}{rng(od)} | {med(ld):.2f}{rng(ld)} | {med(od) / med(ld):.2f} | {med(op):.1f} | {med(lp):.1f} | {med(op) / med(lp):.2f} | {orss:.2f} GB | {lrss:.2f} GB | {100 * share:.0f} % |")
    else:
        print(f"| {fmt[f]} | {med(od):.2f}{rng(od)} | absent | - | {med(op):.1f} | - | - | {orss:.2f} GB | - | {100 * share:.0f} % |")
print()
depths = sorted({r.get("decode_depth", 0) for r in rows if r["runtime"] == "llama.cpp"})
if depths:
    print(f"Both decode after a prompt: Slimbench from position {sys.argv[3]}, llama.cpp's tg test at depth {', '.join(map(str, depths))} (llama-bench -d).")
print(f"Medians over {sys.argv[2]} rounds (range in brackets).  Slimbench decode: the faster of its two decode paths (dynamic")
print("and static KV cache); peak RSS: the largest of the rounds; share of bound: decode over the model's stored bytes /")
print("the machine's measured read bandwidth (bench's memory_bandwidth, measured at the start of each run).")
EOF
