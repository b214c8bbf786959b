#!/usr/bin/env python3
"""Print ours vs transformers eager for the `gpu_session.sh eval` outputs: values, relative
differences, seconds and speed ratios (same machine, same run)."""
import json
import os
import sys

o = sys.argv[1]


def load(name):
    p = os.path.join(o, name)
    return json.load(open(p)) if os.path.exists(p) and os.path.getsize(p) else None


for tag, label in (("demo", "demo model fp32"), ("tl", "TinyLlama shape bf16")):
    ours = load(f"ours-{tag}.json")
    if not ours:
        print(f"{label}: ours missing")
        continue
    tasks = {t["task"]: t for t in ours["tasks"]}
    for conv, task, metric in (("token-gptq", "ppl", "ppl"), ("llama.cpp", "ppl-llamacpp", "ppl"),
                               ("lm-eval", "wikitext", "word_perplexity")):
        hf = load(f"hf-{tag}-{conv}.json")
        t = tasks.get(task)
        if not hf or not t:
            print(f"{label} {conv}: missing")
            continue
        v, h = t["metrics"][metric]["value"], hf[metric]
        print(f"{label:22s} {conv:10s} {metric:16s} ours {v:12.4f}  transformers {h:12.4f}  rel {abs(v - h) / h:.1e}  "
              f"time ours {t['seconds']:7.2f} s vs {hf['seconds']:7.2f} s eager ({hf['seconds'] / t['seconds']:.1f}x)  "
              f"ours {t['tokens_per_s']:.0f} tok/s, peak {t['peak_memory_bytes'] / 2**30:.2f} GiB")
    kl = load(f"ours-{tag}-kl.json")
    if kl:
        m = kl["metrics"]
        print(f"{label:22s} KL(fp32 || bf16) mean {m['kl_mean']['value']:.3e} nats, top-1 agreement "
              f"{100 * m['top1_agreement']['value']:.2f} %, mean dp {m['delta_p_mean']['value']:+.2e}, "
              f"{kl['tokens']} tokens in {kl['seconds']:.2f} s")


# Multiple choice, demo model: CUDA vs CPU loglikelihoods.
cpu, cuda = load("ours-demo-mc-cpu.json"), load("ours-demo-mc-cuda.json")
if cpu and cuda:
    worst = 0.0
    same = True
    for a, b in zip(cpu["tasks"], cuda["tasks"]):
        for da, db in zip(a["documents"], b["documents"]):
            for x, y in zip(da["loglikelihoods"], db["loglikelihoods"]):
                worst = max(worst, abs(x - y) / max(1.0, abs(x)))
            same = same and da["prediction"] == db["prediction"]
        m = a["metrics"]
        print(f"demo MC {a['task']:15s} " + ", ".join(f"{k} {v['value']:.3f}" for k, v in m.items()) +
              f"  ({a['settings']['documents']} docs, {a['requests']} requests)")
    print(f"demo MC cuda vs cpu: worst relative loglikelihood difference {worst:.1e}, predictions identical: {same}")

for tag in ("tl", "demo"):
    b = load(f"ours-{tag}-bench.json")
    if not b:
        continue
    for run in b["generation"]:
        e = run["energy"]
        energy = (f"{e['joules_per_token']:.4f} J/token ({e['mean_watts']:.0f} W mean, {e['source']})"
                  if e.get("available") else f"energy not available: {e.get('reason')}")
        print(f"bench {tag} batch {run['batch']}: decode {run['decode_tokens_per_s']['median']:.1f} tok/s "
              f"(static {run['static_decode_tokens_per_s']['median']:.1f}), prefill {run['prefill_tokens_per_s']['median']:.0f} tok/s, "
              f"TTFT {1000 * run['time_to_first_token_s']['median']:.2f} ms, KV {run['kv_cache_bytes'] / 2**20:.1f} MiB, "
              f"peak {run['peak_memory_bytes'] / 2**30:.2f} GiB, {energy}")
