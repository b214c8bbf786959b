"""Shared by the reference drivers (prune_reference.py, quant_reference.py)."""
import os
import sys

import torch


def calibration(model_dir, text_file, n, length):
    """The first n × length tokens of the file, as `slimbench-cli --calib-mode sequential` takes them."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    with open(text_file, encoding="utf-8", newline="") as f:   # byte-exact, as Slimbench reads it
        text = f.read()
    ids = tok.encode(text, add_special_tokens=False).ids
    if len(ids) < n * length:
        sys.exit(f"{text_file}: {len(ids)} tokens < {n} x {length}")
    return torch.tensor(ids[: n * length]).view(n, length)


def safetensors_dir(d):
    """Every tensor of a checkpoint folder's *.safetensors files, by name."""
    from safetensors.torch import load_file
    out = {}
    for f in sorted(os.listdir(d)):
        if f.endswith(".safetensors"):
            out.update(load_file(os.path.join(d, f)))
    return out
