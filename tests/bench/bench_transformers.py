#!/usr/bin/env python3
"""The transformers side of `slimbench-cli bench`: the same measurements, same shapes, same machine.

Decode: prefill a random (B, P) prompt with use_cache, then `gen` greedy single-token steps with the
DynamicCache (a hand-written loop: no generate() overhead, the most favourable setting for transformers).
Perplexity evaluation: forward of (batch, context) windows, log-softmax, gather — as ours does.
Prints one JSON object.

usage: bench_transformers.py MODEL_DIR [--attn eager|sdpa] [--batch 1,8] [--prompt-len 128] [--gen-len 128]
                             [--reps 3] [--ppl-context 2048] [--ppl-batch 4] [--ppl-windows 8]
"""
import argparse
import json
import statistics
import time

import torch
import transformers


def timed_generation(model, B, P, gen, vocab):
    prompt = torch.randint(vocab, (B, P), device="cuda")
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    out = model(input_ids=prompt, use_cache=True)
    nxt = out.logits[:, -1:].argmax(-1)
    past = out.past_key_values
    torch.cuda.synchronize()
    t1 = time.perf_counter()
    for _ in range(gen):
        out = model(input_ids=nxt, past_key_values=past, use_cache=True)
        past = out.past_key_values
        nxt = out.logits[:, -1:].argmax(-1)
    nxt.cpu()
    torch.cuda.synchronize()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def stats(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v)}


@torch.inference_mode()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--attn", default="eager")
    ap.add_argument("--batch", default="1,8")
    ap.add_argument("--prompt-len", type=int, default=128)
    ap.add_argument("--gen-len", type=int, default=128)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ppl-context", type=int, default=2048)
    ap.add_argument("--ppl-batch", type=int, default=4)
    ap.add_argument("--ppl-windows", type=int, default=8)
    a = ap.parse_args()
    model = transformers.AutoModelForCausalLM.from_pretrained(
        a.model, dtype=torch.bfloat16, attn_implementation=a.attn).cuda().eval()
    vocab = model.config.vocab_size
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    res = {"model": a.model, "impl": f"transformers {transformers.__version__} ({a.attn})",
           "weight_bytes": weight_bytes, "generation": []}
    for B in [int(x) for x in a.batch.split(",")]:
        torch.cuda.reset_peak_memory_stats()
        timed_generation(model, B, a.prompt_len, 8, vocab)   # warm-up
        pre, dec = [], []
        for _ in range(a.reps):
            p, d = timed_generation(model, B, a.prompt_len, a.gen_len, vocab)
            pre.append(B * a.prompt_len / p)
            dec.append(B * a.gen_len / d)
        res["generation"].append({"batch": B, "prefill_tokens_per_s": stats(pre), "decode_tokens_per_s": stats(dec),
                                  "peak_memory_bytes": torch.cuda.max_memory_allocated()})
    if a.ppl_windows > 0:
        torch.cuda.reset_peak_memory_stats()
        ids = torch.randint(vocab, (a.ppl_windows, a.ppl_context), device="cuda")

        def ppl_pass(n):
            nll = 0.0
            for i in range(0, n, a.ppl_batch):
                x = ids[i:i + a.ppl_batch]
                logits = model(input_ids=x).logits.float()
                lp = torch.log_softmax(logits[:, :-1], -1)
                nll += float(-lp.gather(-1, x[:, 1:].unsqueeze(-1)).sum())
            return nll

        ppl_pass(min(a.ppl_batch, a.ppl_windows))
        tps = []
        for _ in range(a.reps):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            ppl_pass(a.ppl_windows)
            torch.cuda.synchronize()
            tps.append(a.ppl_windows * a.ppl_context / (time.perf_counter() - t0))
        res["perplexity_eval"] = {"tokens_per_s": stats(tps), "peak_memory_bytes": torch.cuda.max_memory_allocated()}
    print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
