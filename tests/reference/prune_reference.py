#!/usr/bin/env python3
"""The reference implementations of Wanda (locuslab/wanda lib/layerwrapper.py + the mask of
lib/prune.py prune_wanda) and SparseGPT (IST-DASLab/sparsegpt sparsegpt.py, SparseGPT.add_batch /
fasterprune), run layer by layer on a transformers model with the same calibration tokens that
`slimbench-cli prune sparse --calib-mode sequential` uses, so that their output can be compared with
ours tensor by tensor.  The references' own scripts target transformers 4.3x (decoder layers called
with position_ids only) and download C4; this driver keeps their per-layer numerics and replaces the
loop around them for transformers 5 (position_embeddings).  Nothing of theirs is part of Slimbench:
pass the folder that holds their files with --ref (sparsegpt/sparsegpt.py, sparsegpt/quant.py,
wanda/layerwrapper.py).

usage: prune_reference.py MODEL_DIR --ref DIR --method wanda|sparsegpt (--sparsity R | --pattern N:M)
          --calib FILE --samples N --length L --out DIR [--device cuda] [--dtype fp32]
       prune_reference.py compare OURS_DIR THEIRS_DIR
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ref_common import calibration, safetensors_dir  # noqa: E402


def prune(args):
    sys.path.insert(0, os.path.join(args.ref, "sparsegpt"))
    sys.path.insert(0, os.path.join(args.ref, "wanda"))
    import transformers
    if not hasattr(transformers, "Conv1D"):   # sparsegpt.py checks isinstance(layer, transformers.Conv1D)
        from transformers import pytorch_utils
        transformers.Conv1D = pytorch_utils.Conv1D
    from sparsegpt import SparseGPT
    from layerwrapper import WrappedGPT
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[args.dtype]
    dev = torch.device(args.device)
    model = transformers.AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype, attn_implementation="sdpa").to(dev).eval()
    ids = calibration(args.model, args.calib, args.samples, args.length).to(dev)
    prune_n, prune_m = (map(int, args.pattern.split(":")) if args.pattern else (0, 0))
    sparsity = args.sparsity if args.sparsity is not None else prune_n / prune_m
    torch.cuda.synchronize() if dev.type == "cuda" else None
    t0 = time.time()
    with torch.no_grad():
        inps = [model.model.embed_tokens(ids[j : j + 1]) for j in range(ids.shape[0])]
        pos = torch.arange(ids.shape[1], device=dev).unsqueeze(0)
        pe = model.model.rotary_emb(inps[0], pos)

        def run(layer, x):
            out = layer(x, attention_mask=None, position_ids=pos, position_embeddings=pe)
            return out[0] if isinstance(out, tuple) else out

        for i, layer in enumerate(model.model.layers):
            subset = {n: m for n, m in layer.named_modules() if isinstance(m, torch.nn.Linear)}
            wrapped = {n: (WrappedGPT(m) if args.method == "wanda" else SparseGPT(m)) for n, m in subset.items()}
            handles = [subset[n].register_forward_hook(lambda _, inp, out, n=n: wrapped[n].add_batch(inp[0].data, out.data))
                       for n in subset]
            for j in range(len(inps)):   # one sample per forward, as both references do
                run(layer, inps[j])
            for h in handles:
                h.remove()
            for n, m in subset.items():
                if args.method == "wanda":
                    W_metric = torch.abs(m.weight.data) * torch.sqrt(wrapped[n].scaler_row.reshape((1, -1)))
                    W_mask = torch.zeros_like(W_metric) == 1
                    if prune_n:
                        for ii in range(W_metric.shape[1]):
                            if ii % prune_m == 0:
                                tmp = W_metric[:, ii : ii + prune_m].float()
                                W_mask.scatter_(1, ii + torch.topk(tmp, prune_n, dim=1, largest=False)[1], True)
                    else:
                        sort_res = torch.sort(W_metric, dim=-1, stable=True)
                        W_mask.scatter_(1, sort_res[1][:, : int(W_metric.shape[1] * sparsity)], True)
                    m.weight.data[W_mask] = 0
                else:
                    wrapped[n].fasterprune(sparsity, prunen=prune_n, prunem=prune_m, percdamp=0.01, blocksize=128)
                    wrapped[n].free()
            inps = [run(layer, x) for x in inps]
    torch.cuda.synchronize() if dev.type == "cuda" else None
    seconds = time.time() - t0
    peak = torch.cuda.max_memory_allocated(dev) if dev.type == "cuda" else -1
    # Saved in the checkpoint's own dtype, as `slimbench-cli prune` does, so the files compare 1:1.
    stored = json.load(open(os.path.join(args.model, "config.json"))).get("torch_dtype", "float32")
    model.to({"bfloat16": torch.bfloat16, "float16": torch.float16}.get(stored, torch.float32)).save_pretrained(
        args.out, safe_serialization=True)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        if os.path.exists(os.path.join(args.model, f)):
            import shutil
            shutil.copy(os.path.join(args.model, f), args.out)
    print(json.dumps({"reference": args.method, "seconds": seconds, "peak_gpu_bytes": peak, "out": args.out}))


def compare(ours_dir, theirs_dir):
    a, b = safetensors_dir(ours_dir), safetensors_dir(theirs_dir)
    worst_mask, worst_rel, n = 1.0, 0.0, 0
    for name in sorted(a):
        if not name.endswith("_proj.weight"):
            continue
        x, y = a[name].double(), b[name].double()
        agree = ((x == 0) == (y == 0)).double().mean().item()
        rel = ((x - y).norm() / y.norm().clamp_min(1e-30)).item()
        worst_mask, worst_rel, n = min(worst_mask, agree), max(worst_rel, rel), n + 1
    print(json.dumps({"projections": n, "min_mask_agreement": worst_mask, "max_relative_weight_difference": worst_rel}))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--ref", required=True)
    ap.add_argument("--method", choices=["wanda", "sparsegpt"], required=True)
    ap.add_argument("--sparsity", type=float)
    ap.add_argument("--pattern")
    ap.add_argument("--calib", required=True)
    ap.add_argument("--samples", type=int, default=128)
    ap.add_argument("--length", type=int, default=2048)
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtype", default="fp32")
    prune(ap.parse_args())


if __name__ == "__main__":
    main()
