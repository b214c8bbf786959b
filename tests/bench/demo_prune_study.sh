#!/bin/bash
# The pruning study on the demo model, on the CPU (a few minutes on 2 cores): perplexity of the
# held-out text after magnitude / Wanda / SparseGPT at 50 % and 2:4, and the depth-pruning ->
# LoRA recovery curve.  The demo model's heldout.txt is split: the first 1000 verses calibrate and
# train, the rest is only evaluated.
#   tests/bench/demo_prune_study.sh [DEMO_DIR] [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CLI=${CLI:-$ROOT/build/app/cli/slimbench-cli}
DEMO=${1:-$HOME/.local/share/slimbench/demo-model}
OUT=${2:-/tmp/demo-prune-study}
mkdir -p "$OUT"
head -n 1000 "$DEMO/heldout.txt" > "$OUT/calib.txt"
tail -n +1001 "$DEMO/heldout.txt" > "$OUT/eval.txt"
ppl() { "$CLI" eval "$1" --task "ppl:$OUT/eval.txt:context=256" --json 2>/dev/null | tail -1 |
        python3 -c "import json,sys; t=json.load(sys.stdin)['tasks'][0]; print('%.3f' % t['metrics']['ppl']['value'])"; }
CAL=(--calib "$OUT/calib.txt" --calib-samples 64 --calib-length 256 --calib-mode random --seed 0)
echo "model                          held-out token ppl (context 256)"
printf "%-30s %s\n" dense "$(ppl "$DEMO")"
for target in "--sparsity 0.5" "--pattern 2:4"; do
  for m in magnitude wanda sparsegpt; do
    tag="$m-${target##* }"; tag=${tag/:/of}
    t0=$(python3 -c "import time; print(time.time())")
    "$CLI" prune sparse "$DEMO" --method $m $target "${CAL[@]}" --out "$OUT/$tag" > /dev/null 2>&1
    t1=$(python3 -c "import time; print(time.time())")
    printf "%-30s %s   (%.1f s)\n" "$m ${target##* }" "$(ppl "$OUT/$tag")" "$(python3 -c "print($t1 - $t0)")"
  done
done
# Depth: the angular criterion picks one of the 4 layers; LoRA on the calibration half heals it.
"$CLI" prune depth "$DEMO" --criterion angular --count 1 "${CAL[@]}" --out "$OUT/depth1" --json 2>/dev/null | tail -1 |
  python3 -c "import json,sys; r=json.load(sys.stdin); print('depth: removed layers', r['settings']['removed_layers'], '(0-based, angular)')"
printf "%-30s %s\n" "depth -1 layer" "$(ppl "$OUT/depth1")"
# The same LoRA on the dense model: what the text alone teaches (the calibration half is in-domain),
# so the gap between the two rows is the damage the pruning leaves.
"$CLI" lora train "$DEMO" --data "$OUT/calib.txt" --seq-len 128 --steps 150 --batch 8 --grad-accum 1 --lr 2e-3 \
  --rank 8 --alpha 16 --eval-samples 16 --out "$OUT/dense-lora150" > /dev/null 2>&1
"$CLI" lora merge "$DEMO" "$OUT/dense-lora150" --out "$OUT/dense-lora150-merged" > /dev/null 2>&1
printf "%-30s %s\n" "dense + LoRA 150 steps" "$(ppl "$OUT/dense-lora150-merged")"
for steps in 50 150 300; do
  "$CLI" lora train "$OUT/depth1" --data "$OUT/calib.txt" --seq-len 128 --steps $steps --batch 8 --grad-accum 1 --lr 2e-3 \
    --rank 8 --alpha 16 --eval-samples 16 --out "$OUT/lora$steps" > /dev/null 2>&1
  "$CLI" lora merge "$OUT/depth1" "$OUT/lora$steps" --out "$OUT/depth1-lora$steps" > /dev/null 2>&1
  printf "%-30s %s\n" "depth -1 + LoRA $steps steps" "$(ppl "$OUT/depth1-lora$steps")"
done
"$CLI" distill --teacher "$DEMO" --student "$OUT/depth1" --data "$OUT/calib.txt" --seq-len 128 --steps 150 --batch 8 \
  --grad-accum 1 --lr 2e-3 --alpha-kd 0.5 --temperature 2 --eval-samples 16 --out "$OUT/depth1-kd150" > /dev/null 2>&1
printf "%-30s %s\n" "depth -1 + KD/LoRA 150 steps" "$(ppl "$OUT/depth1-kd150")"
