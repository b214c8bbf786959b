#!/usr/bin/env python3
"""Random-weight checkpoints with the shapes of real models, for speed benchmarks (speed does not
depend on the weights).  Runs on the GPU machine with transformers.

usage: make_bench_checkpoints.py --out DIR [--only tinyllama|llama3-8b]
"""
import argparse
import os
import time

import torch
import transformers

SHAPES = {
    # TinyLlama-1.1B (TinyLlama/TinyLlama-1.1B-intermediate-step-1431k-3T config.json)
    "tinyllama": dict(vocab_size=32000, hidden_size=2048, intermediate_size=5632, num_hidden_layers=22,
                      num_attention_heads=32, num_key_value_heads=4, max_position_embeddings=2048,
                      rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False),
    # Meta-Llama-3-8B config.json
    "llama3-8b": dict(vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                      num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=8192,
                      rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=False),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None)
    ap.add_argument("--tokenizer", default=None, help="a folder whose tokenizer.json is copied in (vocab must match)")
    args = ap.parse_args()
    for name, shape in SHAPES.items():
        if args.only and name != args.only:
            continue
        t0 = time.time()
        kw = dict(shape, bos_token_id=1, eos_token_id=2)
        if int(transformers.__version__.split(".")[0]) >= 5:
            kw["rope_parameters"] = {"rope_type": "default", "rope_theta": kw.pop("rope_theta")}
        cfg = transformers.LlamaConfig(**kw)
        torch.set_default_dtype(torch.bfloat16)
        with torch.device("cuda"):
            model = transformers.LlamaForCausalLM(cfg)
        torch.set_default_dtype(torch.float32)
        with torch.no_grad():
            for p in model.parameters():
                p.normal_(0.0, 0.02) if p.dim() > 1 else p.fill_(1.0)
        model.config.dtype = torch.bfloat16
        out = os.path.join(args.out, name)
        model.save_pretrained(out, safe_serialization=True, max_shard_size="5GB")
        del model
        torch.cuda.empty_cache()
        if args.tokenizer:
            import shutil
            import sys
            import tempfile
            if os.path.exists(os.path.join(args.tokenizer, "tokenizer.json")):
                shutil.copy(os.path.join(args.tokenizer, "tokenizer.json"), os.path.join(out, "tokenizer.json"))
            else:
                # A sentencepiece tokenizer.model: transformers' own conversion to tokenizer.json.
                sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference"))
                from make_tokenizer_golden import convert_llama2_with_transformers
                backend, _, how = convert_llama2_with_transformers(os.path.join(args.tokenizer, "tokenizer.model"),
                                                                   tempfile.mkdtemp())
                backend.save(os.path.join(out, "tokenizer.json"))
                print(f"{name}: tokenizer.json from tokenizer.model via {how}", flush=True)
        print(f"{name}: written to {out} in {time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
