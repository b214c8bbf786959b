#!/usr/bin/env python3
"""LibTorch's 2:4 semi-structured sparse matmul against the dense one, on this GPU (issue #9).

For the Llama-3-8B projection shapes and a range of token counts (1 = batch-1 decode, up to a 2048-token
prompt), y = x·Wᵀ with W 2:4-sparse is timed dense (cuBLAS) and through torch.sparse's semi-structured
tensor (CUTLASS, and cuSPARSELt when this PyTorch has it), in bf16 and fp16.  Prints times, the speed-up
and the largest difference from the dense product.  Usage: semi_structured_bench.py [--json FILE]
"""
import argparse
import json
import sys

import torch


def timed(fn, reps=50):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for _ in range(reps):
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    times.sort()
    return times[len(times) // 2]


def two_four(w):
    """Keep the 2 largest |w| of every 4 consecutive inputs."""
    g = w.reshape(-1, 4)
    idx = g.abs().topk(2, dim=1).indices
    mask = torch.zeros_like(g, dtype=torch.bool).scatter_(1, idx, True)
    return (g * mask).reshape(w.shape)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json")
    args = ap.parse_args()
    from torch.sparse import to_sparse_semi_structured, SparseSemiStructuredTensor

    print(f"{torch.cuda.get_device_name()}, PyTorch {torch.__version__}, CUDA {torch.version.cuda}, "
          f"cuSPARSELt available: {torch.backends.cusparselt.is_available()}")
    backends = ["cutlass"] + (["cusparselt"] if torch.backends.cusparselt.is_available() else [])
    shapes = {"q/o (4096x4096)": (4096, 4096), "gate/up (14336x4096)": (14336, 4096), "down (4096x14336)": (4096, 14336)}
    rows = []
    for dtype in (torch.bfloat16, torch.float16):
        for name, (out_f, in_f) in shapes.items():
            w = two_four(torch.randn(out_f, in_f, device="cuda", dtype=dtype) * 0.02)
            for backend in backends:
                SparseSemiStructuredTensor._FORCE_CUTLASS = backend == "cutlass"
                try:
                    ws = to_sparse_semi_structured(w)
                except Exception as e:  # noqa: BLE001 - reported, not fatal
                    print(f"  {backend}: {name} {dtype}: cannot convert: {type(e).__name__}: {str(e)[:200]}")
                    continue
                for tokens in (1, 8, 64, 512, 2048):
                    x = torch.randn(tokens, in_f, device="cuda", dtype=dtype)
                    # The sparse kernels need a token count padded to a multiple of 16 or so; pad like a user would.
                    pad = (-tokens) % 64
                    xp = torch.nn.functional.pad(x, (0, 0, 0, pad)) if pad else x
                    dense_ms = timed(lambda: torch.nn.functional.linear(x, w))
                    try:
                        sparse_ms = timed(lambda: torch.nn.functional.linear(xp, ws))
                        y = torch.nn.functional.linear(xp, ws)[:tokens]
                        err = (y.float() - torch.nn.functional.linear(x, w).float()).abs().max().item()
                    except Exception as e:  # noqa: BLE001
                        print(f"  {backend}: {name} {dtype} tokens {tokens}: {type(e).__name__}: {str(e)[:200]}")
                        continue
                    r = dict(dtype=str(dtype).split(".")[-1], backend=backend, matrix=name, tokens=tokens,
                             dense_ms=dense_ms, sparse_ms=sparse_ms, speedup=dense_ms / sparse_ms, max_abs_diff=err)
                    rows.append(r)
                    print(f"{r['dtype']:8s} {backend:10s} {name:22s} tokens {tokens:5d}: dense {dense_ms*1e3:8.1f} us, "
                          f"2:4 {sparse_ms*1e3:8.1f} us, speed-up {r['speedup']:.2f}x, max |diff| {err:.2e}")
            # memory: what the compressed tensor really stores
            ws = to_sparse_semi_structured(w)
            parts = [getattr(ws, a) for a in ws.__tensor_flatten__()[0]]
            stored = sum(t.numel() * t.element_size() for t in parts if t is not None)
            print(f"  {name} {dtype}: dense {w.numel()*w.element_size()/1e6:.1f} MB, semi-structured stores {stored/1e6:.1f} MB")
    if args.json:
        json.dump(rows, open(args.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
