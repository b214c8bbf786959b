#!/usr/bin/env python3
"""LoRA adapters between Slimbench and Hugging Face peft (run on the GPU machine, where peft exists).

  peft_check.py MODEL OURS_ADAPTER OURS_MERGED PEFT_OUT
      peft loads the adapter `slimbench-cli lora train` wrote; its logits (adapter applied on the
      fly) are compared with the model `slimbench-cli lora merge` wrote.  Then peft makes and saves an
      adapter of its own (random B) with its logits, for the second check.
  peft_check.py --compare-merged MODEL PEFT_ADAPTER MERGED_BY_US
      the model `slimbench-cli lora merge MODEL PEFT_ADAPTER` wrote gives peft's logits.
"""
import json
import os
import sys

import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model


def load(d):
    return transformers.AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()


def ids_for(model):
    g = torch.Generator().manual_seed(0)
    return torch.randint(0, model.config.vocab_size, (2, 24), generator=g)


def report(name, a, b):
    d = (a - b).abs().max().item()
    scale = b.abs().max().item()
    print(json.dumps({"check": name, "max_abs_logit_difference": d, "max_abs_logit": scale, "relative": d / max(scale, 1e-30)}))


def main():
    torch.manual_seed(0)
    if sys.argv[1] == "--compare-merged":
        model_dir, adapter, merged = sys.argv[2:5]
        ref = torch.load(os.path.join(adapter, "peft_logits.pt"))
        with torch.no_grad():
            ours = load(merged)(ref["ids"]).logits
        report("peft adapter merged by slimbench vs peft", ours, ref["logits"])
        return
    model_dir, ours_adapter, ours_merged, peft_out = sys.argv[1:5]
    base = load(model_dir)
    pm = PeftModel.from_pretrained(base, ours_adapter).eval()
    ids = ids_for(base)
    with torch.no_grad():
        via_peft = pm(ids).logits
        merged = load(ours_merged)(ids).logits
    report("slimbench adapter applied by peft vs slimbench merge", merged, via_peft)

    base2 = load(model_dir)
    cfg = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj", "down_proj"], task_type="CAUSAL_LM")
    pm2 = get_peft_model(base2, cfg)
    with torch.no_grad():
        for n, p in pm2.named_parameters():
            if "lora_B" in n:
                p.normal_(0.0, 0.05)
    pm2.eval()
    pm2.save_pretrained(peft_out, safe_serialization=True)
    with torch.no_grad():
        torch.save({"ids": ids, "logits": pm2(ids).logits}, os.path.join(peft_out, "peft_logits.pt"))
    print(json.dumps({"peft_adapter": sorted(os.listdir(peft_out))}))


if __name__ == "__main__":
    main()
