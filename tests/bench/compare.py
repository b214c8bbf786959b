#!/usr/bin/env python3
"""Print ours vs transformers from the JSON lines of slimbench-cli bench and bench_transformers.py.

usage: compare.py OURS.json HF_EAGER.json [HF_SDPA.json] [--bandwidth BYTES_PER_S]

The batch-1 bound uses the memory bandwidth that `slimbench-cli bench` read from the GPU it ran on
(NVML: memory clock x bus width; or a measured copy on the CPU), unless --bandwidth overrides it.
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
    ap.add_argument("--bandwidth", type=float, default=None,
                    help="bytes/s; default: the bandwidth bench reports for the device it ran on")
    a = ap.parse_args()
    ours = load(a.ours)
    hfs = [load(p) for p in a.hf]
    wb = ours["weight_bytes"]
    bw = ours.get("memory_bandwidth", {})
    if a.bandwidth:
        bandwidth, how = a.bandwidth, "--bandwidth"
    elif bw.get("used_bytes_per_s"):
        bandwidth, how = bw["used_bytes_per_s"], f"{bw.get('used')}: {bw.get('spec_source', '')}"
    else:
        raise SystemExit("the bench output has no memory_bandwidth: pass --bandwidth BYTES_PER_S")
    bound = bandwidth / wb
    print(f"device {bw.get('device', ours.get('device'))}: bandwidth {bandwidth / 1e12:.3f} TB/s ({how})"
          + (f", measured copy {bw['measured_copy_bytes_per_s'] / 1e12:.3f} TB/s" if bw.get("measured_copy_bytes_per_s") else ""))
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
