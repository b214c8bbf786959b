#!/usr/bin/env python3
"""Golden fixtures from Hugging Face transformers, the reference implementation.

Runs on the GPU machine (transformers 5.x, tokenizers, torch).  Builds small random-initialised
Llama / Mistral / Qwen2 checkpoints that exercise every config path the runtime supports, and
writes what transformers computes for them:

  <out>/<name>/              an HF checkpoint folder (config.json, *.safetensors, tokenizer.json)
  <out>/<name>/expected.safetensors
      ids      (B, T) int64    right-padded token ids
      mask     (B, T) int64    1 = real token
      logits   (B, T, V) fp32  transformers logits at real positions (padding rows zeroed)
      logits_fp32 (only for low-precision models) the same model upcast to fp32
  <out>/<name>/expected.json
      {"nll": [per-sequence sum of -log p over real tokens], "greedy_prompt": [...],
       "greedy_tokens": [...16 greedy tokens, full recompute each step...], "dtype": ..., ...}

Usage: python3 make_fixtures.py --out DIR [--device cuda|cpu]
"""
import argparse
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file

VOCAB = 512
SEQ = 24


def make_tokenizer(path, wiki_text):
    """A small sentencepiece-style BPE (byte fallback, Metaspace) trained with `tokenizers`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([
        decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    special = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=special, show_progress=False,
                                  limit_alphabet=80)
    tok.train_from_iterator([wiki_text], trainer=trainer)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", 1)])
    assert tok.get_vocab_size() <= VOCAB, tok.get_vocab_size()
    tok.save(path)
    return tok


FIXTURES = [
    # name, architecture, config kwargs, dtype, shard size
    ("llama-fp32", "llama", dict(num_attention_heads=4, num_key_value_heads=4, head_dim=32,
                                 rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                               "high_freq_factor": 4.0, "original_max_position_embeddings": 16},
                                 rope_theta=500000.0, tie_word_embeddings=False), torch.float32, None),
    ("mistral-bf16", "mistral", dict(num_attention_heads=4, num_key_value_heads=2, sliding_window=8,
                                     rope_theta=10000.0, tie_word_embeddings=False), torch.bfloat16, None),
    ("qwen2-sharded", "qwen2", dict(num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True,
                                    rope_scaling={"rope_type": "linear", "factor": 2.0}, rope_theta=1000000.0,
                                    use_sliding_window=False), torch.float32, "60KB"),
]


def build_config(arch, kw):
    common = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                  max_position_embeddings=256, rms_norm_eps=1e-5, initializer_range=0.3,
                  bos_token_id=1, eos_token_id=2, pad_token_id=0)
    common.update(kw)
    if int(transformers.__version__.split(".")[0]) >= 5:
        # transformers 5 spells RoPE settings as one `rope_parameters` dict.
        rs = common.pop("rope_scaling", None)
        theta = common.pop("rope_theta")
        common["rope_parameters"] = dict(rs or {"rope_type": "default"}, rope_theta=theta)
    cls = {"llama": transformers.LlamaConfig, "mistral": transformers.MistralConfig,
           "qwen2": transformers.Qwen2Config}[arch]
    return cls(**common)


@torch.no_grad()
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--wikitext", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../resources/data/wikitext-2-raw/wiki.test.raw"), help="WikiText-2 raw test split (shipped in resources/data)")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(1234)
    with open(args.wikitext, encoding="utf-8") as f:
        wiki = f.read()
    tok_path = os.path.join(args.out, "tokenizer.json")
    tok = make_tokenizer(tok_path, wiki[:200000])

    prompts = [wiki[1000:1400], wiki[5000:5300]]
    enc = [tok.encode(p).ids for p in prompts]        # with BOS (post-processor)
    lengths = [SEQ, SEQ - 7]
    ids = torch.zeros(2, SEQ, dtype=torch.long)
    mask = torch.zeros(2, SEQ, dtype=torch.long)
    for b in range(2):
        seq = enc[b][:lengths[b]]
        assert len(seq) == lengths[b], (len(seq), lengths[b])
        ids[b, :len(seq)] = torch.tensor(seq)
        mask[b, :len(seq)] = 1

    summary = {"transformers": transformers.__version__, "torch": torch.__version__, "fixtures": {}}
    for name, arch, kw, dtype, shard in FIXTURES:
        cfg = build_config(arch, kw)
        cls = {"llama": transformers.LlamaForCausalLM, "mistral": transformers.MistralForCausalLM,
               "qwen2": transformers.Qwen2ForCausalLM}[arch]
        torch.manual_seed(42)
        model = cls(cfg).to(torch.float32)
        # Random non-trivial norms and biases too, so their handling is checked.
        for n, p in model.named_parameters():
            if "norm" in n:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
            elif n.endswith(".bias"):
                p.copy_(0.3 * torch.randn_like(p))
        model = model.to(dtype).eval()
        out_dir = os.path.join(args.out, name)
        kwargs = {"max_shard_size": shard} if shard else {}
        model.save_pretrained(out_dir, safe_serialization=True, **kwargs)
        tok.save(os.path.join(out_dir, "tokenizer.json"))

        # References come from the checkpoint as users load it (from_pretrained in a dtype), not from
        # the in-memory model: `.to(bf16)` would also round the RoPE inv_freq buffer, which
        # from_pretrained keeps in fp32.
        model = cls.from_pretrained(out_dir, dtype=dtype).eval()

        def run(m):
            m = m.to(args.device)
            pos = (mask.cumsum(-1) - 1).clamp(min=0)
            out = m(input_ids=ids.to(args.device), attention_mask=mask.to(args.device),
                    position_ids=pos.to(args.device))
            return out.logits.float().cpu()

        logits = run(model)
        logits = logits * mask.unsqueeze(-1)
        tensors = {"ids": ids, "mask": mask, "logits": logits.contiguous()}
        if dtype != torch.float32:
            m32 = cls.from_pretrained(out_dir, dtype=torch.float32).eval()
            tensors["logits_fp32"] = (run(m32) * mask.unsqueeze(-1)).contiguous()
            del m32
        nll = []
        for b in range(2):
            L = int(mask[b].sum())
            lp = torch.log_softmax(logits[b, :L - 1].double(), -1)
            nll.append(float(-lp.gather(-1, ids[b, 1:L].unsqueeze(-1)).sum()))
        # Greedy continuation, recomputing the full sequence each step (no cache, no EOS handling).
        seq = ids[0, :12].tolist()
        greedy = []
        m = model.to(args.device)
        for _ in range(16):
            lg = m(input_ids=torch.tensor([seq], device=args.device)).logits[0, -1].float()
            nxt = int(lg.argmax())
            greedy.append(nxt)
            seq.append(nxt)
        save_file(tensors, os.path.join(out_dir, "expected.safetensors"))
        p = torch.softmax(logits[0, :lengths[0]], -1)
        entropy = float(-(p * p.clamp_min(1e-30).log()).sum(-1).mean())
        info = {"nll": nll, "lengths": lengths, "greedy_prompt": ids[0, :12].tolist(), "greedy_tokens": greedy,
                "dtype": str(dtype).replace("torch.", ""), "architecture": cls.__name__,
                "mean_entropy_nats": entropy, "uniform_entropy_nats": float(torch.log(torch.tensor(VOCAB * 1.0))),
                "max_abs_logit": float(logits.abs().max()), "device": args.device,
                "prompt_text": prompts[0]}
        with open(os.path.join(out_dir, "expected.json"), "w") as f:
            json.dump(info, f, indent=1)
        summary["fixtures"][name] = {k: info[k] for k in ("nll", "mean_entropy_nats", "max_abs_logit")}
        print(name, json.dumps(summary["fixtures"][name]), flush=True)
    with open(os.path.join(args.out, "versions.json"), "w") as f:
        json.dump(summary, f, indent=1)
    os.remove(tok_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
