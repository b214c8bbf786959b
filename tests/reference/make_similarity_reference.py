#!/usr/bin/env python3
"""Reference layer-similarity metrics from Hugging Face transformers (issue #4).

Runs on the GPU machine (transformers 5.x, tokenizers, torch, numpy).  For every fixture folder
(tests/data/fixtures/<name>) it:

  1. builds the calibration tokens exactly as Slimbench's `sequential` mode does: the whole
     wiki.test.raw read byte-exact (UTF-8, no newline translation), tokenized ONCE with the
     fixture's tokenizer.json through the `tokenizers` library with add_special_tokens=False,
     then the first N consecutive windows of L tokens (sample i = tokens [i*L, (i+1)*L));
  2. runs the model with transformers in float32 (bf16 checkpoints are upcast, as Slimbench does
     on the CPU), eager attention, TF32 off, in batches of B sequences, and takes the hidden
     states x_0 .. x_L: transformers' `output_hidden_states` for x_0 .. x_{L-1}, and for x_L the
     INPUT of the final norm (a forward pre-hook on model.model.norm) — transformers' last hidden
     state is the normed one, which Slimbench deliberately does not use;
  3. computes, in numpy float64, independently of Slimbench:
       distance[i][j] = per batch, the mean over the selected tokens of arccos(clip(cos, -1, 1))/pi,
                        then the mean over batches (PruneMe's averaging), for
                        "last" (the last token of each sequence, PruneMe's default) and "all" tokens;
       block_influence[i] = mean over all tokens of 1 - cos(x_i, x_{i+1}) (ShortGPT; NaN -> 0.5);
       argmin_start_n1 = argmin over l of distance[l][l+1];
  4. writes tests/data/similarity/<name>.json:
       {"fixture", "samples", "length", "batch_size", "ids": N x L,
        "last": {"distance", "argmin_start_n1"}, "all": {...}, "block_influence",
        "transformers_version", "torch_version", "device"}
tests/core/tst_layer_similarity.cpp compares Slimbench against these files (within 1e-4) and
skips that comparison while they do not exist.

Usage: python3 make_similarity_reference.py [--fixtures DIR] [--out DIR] [--wikitext FILE]
                                            [--samples 8] [--length 64] [--batch 3] [--device cuda]
"""
import argparse
import json
import os

import numpy as np
import torch
import transformers
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def calibration_ids(fixture_dir, text, samples, length):
    tok = Tokenizer.from_file(os.path.join(fixture_dir, "tokenizer.json"))
    stream = tok.encode(text, add_special_tokens=False).ids
    need = samples * length
    if len(stream) < need:
        raise SystemExit(f"{fixture_dir}: {len(stream)} tokens, need {need}")
    return np.asarray(stream[:need], dtype=np.int64).reshape(samples, length)


def hidden_states(model, ids, device):
    """x_0 .. x_L as float64 numpy arrays (B, T, H); x_L = the final norm's input."""
    captured = {}

    def pre_hook(_module, args):
        captured["x_L"] = args[0].detach()

    handle = model.model.norm.register_forward_pre_hook(pre_hook)
    try:
        with torch.no_grad():
            out = model(input_ids=torch.from_numpy(ids).to(device), output_hidden_states=True)
    finally:
        handle.remove()
    hs = list(out.hidden_states[:-1]) + [captured["x_L"]]
    assert len(hs) == model.config.num_hidden_layers + 1
    return [h.double().cpu().numpy() for h in hs]


def cosines(a, b):
    """Row-wise cosine of (..., H) arrays; NaN (zero norm) -> 0.5 as ShortGPT does."""
    c = (a * b).sum(-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.where(np.isnan(c), 0.5, c)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", default=os.path.join(HERE, "../data/fixtures"))
    ap.add_argument("--out", default=os.path.join(HERE, "../data/similarity"))
    ap.add_argument("--wikitext", default=os.path.join(HERE, "../../resources/data/wikitext-2-raw/wiki.test.raw"))
    ap.add_argument("--samples", type=int, default=8)
    ap.add_argument("--length", type=int, default=64)
    ap.add_argument("--batch", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--only", nargs="*", help="fixture names (default: all)")
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    os.makedirs(args.out, exist_ok=True)

    # Byte-exact text (Slimbench reads the file as bytes): no newline translation.
    with open(args.wikitext, encoding="utf-8", newline="") as f:
        text = f.read()

    names = args.only or sorted(d for d in os.listdir(args.fixtures)
                                if os.path.isfile(os.path.join(args.fixtures, d, "config.json")))
    for name in names:
        fdir = os.path.join(args.fixtures, name)
        ids = calibration_ids(fdir, text, args.samples, args.length)
        model = transformers.AutoModelForCausalLM.from_pretrained(
            fdir, dtype=torch.float32, attn_implementation="eager").to(args.device).eval()
        L = model.config.num_hidden_layers
        S = L + 1
        batch_means = {"last": [], "all": []}
        bi_sum = np.zeros(L)
        bi_tokens = 0
        for b0 in range(0, args.samples, args.batch):
            hs = hidden_states(model, ids[b0:b0 + args.batch], args.device)   # S x (B, T, H)
            B, T, _ = hs[0].shape
            for mode in ("last", "all"):
                sel = [h[:, -1:, :] if mode == "last" else h for h in hs]    # (B, t, H)
                m = np.zeros((S, S))
                for i in range(S):
                    for j in range(i + 1, S):
                        d = np.arccos(np.clip(cosines(sel[i], sel[j]), -1.0, 1.0)) / np.pi
                        m[i, j] = m[j, i] = d.mean()
                batch_means[mode].append(m)
            for i in range(L):
                bi_sum[i] += (1.0 - cosines(hs[i], hs[i + 1])).sum()
            bi_tokens += B * T
        result = {
            "fixture": name,
            "samples": args.samples,
            "length": args.length,
            "batch_size": args.batch,
            "calibration": "wiki.test.raw tokenized once without special tokens, first N windows of L tokens",
            "ids": ids.tolist(),
            "block_influence": (bi_sum / bi_tokens).tolist(),
            "transformers_version": transformers.__version__,
            "torch_version": torch.__version__,
            "device": args.device,
        }
        for mode in ("last", "all"):
            dist = np.mean(batch_means[mode], axis=0)
            result[mode] = {
                "distance": dist.tolist(),
                "argmin_start_n1": int(np.argmin([dist[l, l + 1] for l in range(L)])),
            }
        path = os.path.join(args.out, name + ".json")
        with open(path, "w") as f:
            json.dump(result, f, indent=1)
        print(f"{name}: wrote {path}; BI {result['block_influence']}; "
              f"d(l,1) last {[result['last']['distance'][l][l + 1] for l in range(L)]}")
        del model


if __name__ == "__main__":
    main()
