#!/usr/bin/env python3
"""The reference implementations of GPTQ (IST-DASLab/gptq gptq.py + quant.py: GPTQ.add_batch /
fasterquant with Quantizer, the loop of llama.py llama_sequential) and AWQ (mit-han-lab/llm-awq
awq/quantize: auto_scale_block + apply_scale, auto_clip_block + apply_clip, pseudo_quantize_tensor, the
loop of pre_quant.py run_awq), run layer by layer on a transformers Llama model with the same calibration
tokens that `slimbench-cli quantize --calib-mode sequential` uses; the fake-quantized (quantize then
de-quantize) model is saved so that it can be compared with our GPTQ-layout output tensor by tensor.
The references' own scripts target transformers 4.3x and download C4 / pile-val; this driver keeps
their per-layer numerics and replaces the loop around them for transformers 5 (position_embeddings).
Nothing of theirs is part of Slimbench: pass the folder that holds their files with --ref
(gptq/gptq.py, gptq/quant.py, llm-awq/awq/...).  Both need a CUDA device (their code calls .cuda()).

usage: quant_reference.py MODEL_DIR --ref DIR --method gptq|awq --bits 4 --group 128 --calib FILE
          --samples N --length L --out DIR [--device cuda] [--dtype fp32|bf16|fp16] [--act-order] [--sym]
       quant_reference.py compare OURS_DIR THEIRS_DIR
"""
import argparse
import json
import os
import shutil
import sys
import time
import types

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ref_common import calibration, safetensors_dir  # noqa: E402


def import_awq(ref):
    """llm-awq's auto_scale / auto_clip / quantizer, with three shims for what they import but we do not use."""
    import importlib
    root = os.path.join(ref, "llm-awq", "awq")
    # (1) awq/quantize/__init__.py imports w8a8_linear and smooth (compiled kernels, VILA): register the
    #     packages bare, so that only the submodules imported below run (and an installed AutoAWQ, also
    #     called `awq`, cannot shadow the namespace package of the reference).
    for name, path in (("awq", root), ("awq.quantize", os.path.join(root, "quantize")), ("awq.utils", os.path.join(root, "utils"))):
        pkg = types.ModuleType(name)
        pkg.__path__ = [path]
        sys.modules[name] = pkg
    # (2) qmodule.py (ScaledActivation, imported by auto_scale.py and quantizer.py) imports the compiled
    #     awq_inference_engine at import time; its kernels serve only the real-quantized WQLinear.
    try:
        import awq_inference_engine  # noqa: F401
    except ImportError:
        sys.modules["awq_inference_engine"] = types.ModuleType("awq_inference_engine")
    # (3) auto_scale.py / quantizer.py import Bloom / OPT / Qwen2 classes for isinstance checks only: any
    #     that this transformers lacks becomes a fresh placeholder class (never matched by a Llama layer).
    for mod, names in (("transformers.models.bloom.modeling_bloom", ("BloomBlock", "BloomGelu")),
                       ("transformers.models.opt.modeling_opt", ("OPTDecoderLayer",)),
                       ("transformers.models.qwen2.modeling_qwen2", ("Qwen2RMSNorm", "Qwen2DecoderLayer")),
                       ("transformers.activations", ("GELUActivation",))):
        try:
            m = importlib.import_module(mod)
        except ImportError:
            m = sys.modules[mod] = types.ModuleType(mod)
        for n in names:
            if not hasattr(m, n):
                setattr(m, n, type(n, (torch.nn.Module,), {}))
    from awq.quantize.auto_scale import auto_scale_block, apply_scale
    from awq.quantize.auto_clip import auto_clip_block, apply_clip
    from awq.quantize.quantizer import pseudo_quantize_tensor
    return auto_scale_block, apply_scale, auto_clip_block, apply_clip, pseudo_quantize_tensor


def quantize(args):
    import transformers
    if args.method == "gptq":
        sys.path.insert(0, os.path.join(args.ref, "gptq"))
        if not hasattr(transformers, "Conv1D"):   # gptq.py checks isinstance(layer, transformers.Conv1D)
            from transformers import pytorch_utils
            transformers.Conv1D = pytorch_utils.Conv1D
        from gptq import GPTQ   # sets torch.backends.cuda.matmul.allow_tf32 = False, as in the reference
        from quant import Quantizer
    else:
        if args.sym:   # its zero_point=False branch reads min_val before assigning it ("we actually never used this")
            sys.exit("llm-awq's pseudo_quantize_tensor has no working symmetric mode: drop --sym")
        auto_scale_block, apply_scale, auto_clip_block, apply_clip, pseudo_quantize_tensor = import_awq(args.ref)
        q_config = {"zero_point": not args.sym, "q_group_size": args.group}
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[args.dtype]
    dev = torch.device(args.device)
    model = transformers.AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype, attn_implementation="sdpa").to(dev).eval()
    ids = calibration(args.model, args.calib, args.samples, args.length).to(dev)
    torch.cuda.synchronize() if dev.type == "cuda" else None
    t0 = time.time()
    with torch.no_grad():
        pos = torch.arange(ids.shape[1], device=dev).unsqueeze(0)

        def run(layer, x):
            out = layer(x, attention_mask=None, position_ids=pos, position_embeddings=pe)
            return out[0] if isinstance(out, tuple) else out

        if args.method == "gptq":   # llama_sequential: one sample per forward, quantized outputs feed the next layer
            inps = [model.model.embed_tokens(ids[j : j + 1]) for j in range(ids.shape[0])]
            pe = model.model.rotary_emb(inps[0], pos)
            for layer in model.model.layers:
                subset = {n: m for n, m in layer.named_modules() if isinstance(m, torch.nn.Linear)}
                gptq = {}
                for n, m in subset.items():
                    gptq[n] = GPTQ(m)
                    gptq[n].quantizer = Quantizer()
                    gptq[n].quantizer.configure(args.bits, perchannel=True, sym=args.sym, mse=False)
                handles = [subset[n].register_forward_hook(lambda _, inp, out, n=n: gptq[n].add_batch(inp[0].data, out.data))
                           for n in subset]
                for x in inps:
                    run(layer, x)
                for h in handles:
                    h.remove()
                for n in subset:
                    gptq[n].fasterquant(percdamp=0.01, groupsize=args.group, actorder=args.act_order, static_groups=False)
                    gptq[n].free()
                del gptq
                inps = [run(layer, x) for x in inps]
        else:   # run_awq: all samples as one batch; next inputs are the outputs before scaling / clipping
            inps = model.model.embed_tokens(ids)
            pe = model.model.rotary_emb(inps, pos)
            for layer in model.model.layers:
                named = {n: m for n, m in layer.named_modules() if isinstance(m, torch.nn.Linear)}   # get_named_linears
                feats = {n: [] for n in named}
                # cache_input_hook: x[0].detach().cpu() (a copy per module, so apply_scale's in-place division
                # of q/k/v's features does not compound)
                handles = [named[n].register_forward_hook(lambda _, inp, out, n=n: feats[n].append(inp[0].detach().cpu()))
                           for n in named]
                inps = run(layer, inps)
                for h in handles:
                    h.remove()
                input_feat = {n: torch.cat(v, dim=0) for n, v in feats.items()}
                del feats
                torch.cuda.empty_cache()
                kwargs = {"attention_mask": None, "position_ids": pos, "position_embeddings": pe}
                scales_list = auto_scale_block(layer, kwargs, w_bit=args.bits, q_config=q_config, input_feat=input_feat)
                apply_scale(layer, scales_list, input_feat_dict=input_feat)
                torch.cuda.empty_cache()
                clip_list = auto_clip_block(layer, w_bit=args.bits, q_config=q_config, input_feat=input_feat)
                apply_clip(layer, clip_list)
                layer.to(dev)   # apply_scale / apply_clip leave the modules they touched on the CPU
                for m in named.values():   # pseudo_quantize_model_weight, one layer at a time
                    m.weight.data = pseudo_quantize_tensor(m.weight.data, n_bit=args.bits, **q_config)
                del input_feat
                torch.cuda.empty_cache()
    torch.cuda.synchronize() if dev.type == "cuda" else None
    seconds = time.time() - t0
    peak = torch.cuda.max_memory_allocated(dev) if dev.type == "cuda" else -1
    # Saved in the checkpoint's own dtype (config torch_dtype, or dtype in transformers 5), so the files compare 1:1.
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    stored = cfg.get("torch_dtype") or cfg.get("dtype") or "float32"
    model.to({"bfloat16": torch.bfloat16, "float16": torch.float16}.get(stored, torch.float32)).save_pretrained(
        args.out, safe_serialization=True)
    for f in ("tokenizer.json", "tokenizer_config.json"):
        if os.path.exists(os.path.join(args.model, f)):
            shutil.copy(os.path.join(args.model, f), args.out)
    print(json.dumps({"reference": args.method, "seconds": seconds, "peak_gpu_bytes": peak, "out": args.out}))


def unpack_rows(packed, bits):
    """(rows*bits/32, cols) int32 -> (rows, cols) int64 codes: each block of `bits` words is one little-endian
    bit stream of 32 codes, code j at bits [bits*j, bits*j + bits)."""
    words = (packed.to(torch.int64) & 0xFFFFFFFF).view(-1, bits, packed.shape[1])
    mask = (1 << bits) - 1
    codes = []
    for j in range(32):
        w, off = divmod(bits * j, 32)
        v = words[:, w] >> off
        if off + bits > 32:   # the code straddles two words
            v = v | (words[:, w + 1] << (32 - off))
        codes.append(v & mask)
    return torch.stack(codes, dim=1).reshape(-1, packed.shape[1])


def compare(ours_dir, theirs_dir):
    a, b = safetensors_dir(ours_dir), safetensors_dir(theirs_dir)
    q = json.load(open(os.path.join(ours_dir, "config.json"))).get("quantization_config") or {}
    if q and q.get("quant_method", "gptq") != "gptq":
        sys.exit(f"{ours_dir}: quant_method {q.get('quant_method')!r}, only the GPTQ layout is read here")
    bits, group = int(q.get("bits", 4)), int(q.get("group_size", 128))
    zeros_minus_one = q.get("checkpoint_format", "gptq") == "gptq"
    rels, agrees, codes, others = [], [], [], [0.0]
    for name in sorted(b):
        if not name.endswith(".weight"):
            continue
        prefix = name[: -len(".weight")]
        y = b[name].double()
        if prefix + ".qweight" in a:
            qw = unpack_rows(a[prefix + ".qweight"], bits)                      # (in, out)
            n_in = qw.shape[0]
            zero = unpack_rows(a[prefix + ".qzeros"].t().contiguous(), bits).t()  # (groups, out)
            if zeros_minus_one:   # "gptq" stores zero - 1 masked to `bits`; zero lies in [0, 2^bits - 1]
                zero = (zero + 1) & ((1 << bits) - 1)
            gi = (a[prefix + ".g_idx"].long() if prefix + ".g_idx" in a else
                  torch.arange(n_in) // (group if group > 0 else n_in))
            scale = a[prefix + ".scales"].double()[gi]                           # (in, out)
            x = (scale * (qw - zero[gi]).double()).t()                           # (out, in)
            x = x.to(b[name].dtype).double()   # rounded as THEIRS is stored
            step = scale.t().abs()
        elif name in a and prefix.endswith("_proj"):
            x, step = a[name].double(), None
        else:
            if name in a and a[name].shape == b[name].shape:   # norms, embeddings: AWQ moves scales into norms
                others.append(((a[name].double() - y).norm() / y.norm().clamp_min(1e-30)).item())
            continue
        rels.append(((x - y).norm() / y.norm().clamp_min(1e-30)).item())
        if step is not None:
            diff = (x - y).abs()
            agrees.append((diff <= 1e-3 * step).double().mean().item())
            codes.append((diff < 0.5 * step).double().mean().item())   # same quantization level
    print(json.dumps({"projections": len(rels),
                      "max_relative_weight_difference": max(rels, default=0.0),
                      "mean_relative_weight_difference": sum(rels) / max(len(rels), 1),
                      "min_agreement": min(agrees, default=1.0),
                      "min_code_agreement": min(codes, default=1.0),
                      "max_relative_other_difference": max(others)}))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--ref", required=True)
    ap.add_argument("--method", choices=["gptq", "awq"], required=True)
    ap.add_argument("--bits", type=int, default=4)
    ap.add_argument("--group", type=int, default=128)
    ap.add_argument("--calib", required=True)
    ap.add_argument("--samples", type=int, default=128)
    ap.add_argument("--length", type=int, default=2048)
    ap.add_argument("--out", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtype", choices=["fp32", "bf16", "fp16"], default="fp32")
    ap.add_argument("--act-order", action="store_true")
    ap.add_argument("--sym", action="store_true")
    quantize(ap.parse_args())


if __name__ == "__main__":
    main()
