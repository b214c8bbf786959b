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
