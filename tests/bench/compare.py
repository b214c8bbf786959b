#!/usr/bin/env python3
"""Print ours vs transformers from the JSON lines of slimbench-cli bench and bench_transformers.py.

usage: compare.py OURS.json HF_EAGER.json [HF_SDPA.json] [--bandwidth 3.35e12]
"""
import argparse
import json


def load(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                obj = json.loads(line)
                if obj.get("event", "result") == "result":
                    last = obj
    return last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ours")
    ap.add_argument("hf", nargs="+")
    ap.add_argument("--bandwidth", type=float, default=3.35e12, help="HBM bytes/s (H100 SXM: 3.35 TB/s)")
    a = ap.parse_args()
    ours = load(a.ours)
    hfs = [load(p) for p in a.hf]
    wb = ours["weight_bytes"]
    bound = a.bandwidth / wb
    print(f"model {ours['model']}: weights {wb / 1e9:.2f} GB, batch-1 bandwidth bound {bound:.1f} tok/s")
    for run in ours["generation"]:
        B = run["batch"]
        line = [f"batch {B}:",
                f"ours prefill {run['prefill_tokens_per_s']['median']:.0f} tok/s,",
                f"decode eager {run['decode_tokens_per_s']['median']:.1f},",
                f"static/graph {run['static_decode_tokens_per_s']['median']:.1f} tok/s"]
        best = max(run['decode_tokens_per_s']['median'], run['static_decode_tokens_per_s']['median'])
        for hf in hfs:
            h = next(r for r in hf["generation"] if r["batch"] == B)
            line.append(f"| {hf['impl']}: prefill {h['prefill_tokens_per_s']['median']:.0f}, "
                        f"decode {h['decode_tokens_per_s']['median']:.1f} tok/s, ratio ours/hf {best / h['decode_tokens_per_s']['median']:.2f}x")
        if B == 1:
            line.append(f"| fraction of bound {best / bound * 100:.1f}%")
        print(" ".join(line))
        print(f"   peak memory ours {run['peak_memory_bytes'] / 2**30:.2f} GiB" +
              "".join(f", {hf['impl']} {next(r for r in hf['generation'] if r['batch'] == B)['peak_memory_bytes'] / 2**30:.2f} GiB" for hf in hfs))
    if "perplexity_eval" in ours:
        o = ours["perplexity_eval"]["tokens_per_s"]["median"]
        line = f"perplexity eval: ours {o:.0f} tok/s"
        for hf in hfs:
            if "perplexity_eval" in hf:
                h = hf["perplexity_eval"]["tokens_per_s"]["median"]
                line += f" | {hf['impl']} {h:.0f} tok/s, ratio {o / h:.2f}x"
        print(line)


if __name__ == "__main__":
    main()
