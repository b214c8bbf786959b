#!/usr/bin/env python3
# A random TinyLlama-1.1B-shaped bf16 checkpoint (safetensors written with numpy only, no torch), for CPU
# decode benchmarks.  Usage: make_random_tinyllama.py OUT_DIR [TOKENIZER_JSON]
import json, struct, numpy as np, os, shutil, sys
out = sys.argv[1]
H, I, L, NH, KV, V = 2048, 5632, 22, 32, 4, 32000
d = H // NH
rng = np.random.default_rng(0)
tensors = []
def add(name, shape, scale=0.02, ones=False):
    tensors.append((name, shape, scale, ones))
add("model.embed_tokens.weight", (V, H))
for l in range(L):
    p = f"model.layers.{l}."
    add(p + "input_layernorm.weight", (H,), ones=True)
    add(p + "post_attention_layernorm.weight", (H,), ones=True)
    add(p + "self_attn.q_proj.weight", (H, H)); add(p + "self_attn.k_proj.weight", (KV * d, H))
    add(p + "self_attn.v_proj.weight", (KV * d, H)); add(p + "self_attn.o_proj.weight", (H, H))
    add(p + "mlp.gate_proj.weight", (I, H)); add(p + "mlp.up_proj.weight", (I, H)); add(p + "mlp.down_proj.weight", (H, I))
add("model.norm.weight", (H,), ones=True)
add("lm_head.weight", (V, H))
header, off = {}, 0
for name, shape, _, _ in tensors:
    n = int(np.prod(shape)) * 2
    header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [off, off + n]}
    off += n
hb = json.dumps(header).encode()
hb += b" " * ((8 - len(hb) % 8) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(hb))); f.write(hb)
    for name, shape, scale, ones in tensors:
        a = np.ones(shape, np.float32) if ones else (rng.standard_normal(shape, dtype=np.float32) * scale)
        f.write((a.view(np.uint32) >> 16).astype(np.uint16).tobytes())
json.dump({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": H, "intermediate_size": I,
           "num_hidden_layers": L, "num_attention_heads": NH, "num_key_value_heads": KV, "vocab_size": V,
           "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "torch_dtype": "bfloat16",
           "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": False}, open(os.path.join(out, "config.json"), "w"))
# Any tokenizer with ids below the vocabulary serves for speed: the demo model's, when given.
if len(sys.argv) > 2:
    shutil.copy(sys.argv[2], out)
print("written")
