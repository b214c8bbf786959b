#!/usr/bin/env python3
"""transformers' numbers for the three perplexity conventions (docs/evaluation.md), computed
here independently of the C++ code: the model is Hugging Face transformers (eager attention, fp32), the
conventions are restated from their sources (GPTQ's datautils/eval loop, lm-evaluation-harness
utils.get_rolling_token_windows + make_disjoint_window with HFLM's prefix token, llama.cpp
examples/perplexity) and every window is run on its own (no batching, no padding).

  python3 make_eval_reference.py fixtures --fixtures tests/data/fixtures [--wikitext FILE] --out ref.json
      the cases tests/core/tst_eval_conventions.cpp checks (written to tests/data/eval/transformers_reference.json)
  python3 make_eval_reference.py model DIR --text FILE --convention token-gptq|llama.cpp|lm-eval [...]
      one number (+ timing) for a model folder, printed as JSON (the GPU session compares it with ours)
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import transformers
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_wikitext_reference import detokenize, split_documents  # noqa: E402


def load(model_dir, device, dtype=torch.float32):
    m = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, attn_implementation="eager")
    m = m.to(device).eval()
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    bos = m.config.bos_token_id if m.config.bos_token_id is not None else 1
    return m, tok, bos


def nll_targets(model, inp, first_scored, device):
    """Σ −log p of inp[t] for t >= first_scored (t >= 1), one forward of inp[:-1]."""
    ids = torch.tensor([inp[:-1]], device=device)
    logp = torch.log_softmax(model(input_ids=ids).logits[0].float(), -1).double()
    tgt = torch.tensor(inp[1:], device=device)
    per = -logp.gather(-1, tgt[:, None])[:, 0]
    return per[max(first_scored, 1) - 1:].sum().item(), len(inp) - max(first_scored, 1)


def token_gptq(model, ids, context, max_tokens, device):
    ids = ids[:max_tokens] if max_tokens >= 0 else ids
    nll, n = 0.0, 0
    for w in range(len(ids) // context):
        s, k = nll_targets(model, ids[w * context:(w + 1) * context], 1, device)
        nll, n = nll + s, n + k
    return math.exp(nll / n), n


def llama_cpp(model, ids, bos, context, chunks, device):
    toks = [bos] + ids
    n_chunk = len(toks) // context
    if chunks > 0:
        n_chunk = min(n_chunk, chunks)
    first = context // 2
    nll, n = 0.0, 0
    for c in range(n_chunk):
        chunk = toks[c * context:(c + 1) * context]
        chunk[0] = bos
        s, k = nll_targets(model, chunk, first + 1, device)
        nll, n = nll + s, n + k
    return math.exp(nll / n), n


def rolling_windows(tokens, prefix, max_len):
    """(context, continuation) pairs of the harness with context_len = 1, made disjoint."""
    out = []
    first = min(max_len, len(tokens))
    # make_disjoint_window applies to the first pair too: its context shrinks to [prefix].
    out.append(([prefix], tokens[:first]))
    done = first
    while done < len(tokens):
        k = min(len(tokens) - done, max_len)
        end = done + k
        ctx, cont = tokens[end - max_len - 1:end - 1], tokens[end - k:end]
        out.append((ctx[:len(ctx) - (len(cont) - 1)], cont))
        done = end
    return out


def lm_eval(model, tok, pages, prefix, max_len, device):
    ll, words, nbytes, ntok = 0.0, 0, 0, 0
    import re
    for page in pages:
        toks = tok.encode(detokenize(page), add_special_tokens=False).ids
        for ctx, cont in rolling_windows(toks, prefix, max_len):
            whole = (ctx + cont)[-(max_len + 1):]
            s, k = nll_targets(model, whole, len(whole) - len(cont), device)
            ll -= s
            ntok += k
        words += len(re.split(r"\s+", page))
        nbytes += len(page.encode("utf-8"))
    return {"word_perplexity": math.exp(-ll / words), "byte_perplexity": math.exp(-ll / nbytes),
            "bits_per_byte": -ll / nbytes / math.log(2), "tokens": ntok}


QA_PROMPT = ("Q: What is human life expectancy in the United States?\n"
             "A: Human life expectancy in the United States is 78 years.\n\n"
             "Q: Who was president of the United States in 1955?\n"
             "A: Dwight D. Eisenhower was president of the United States in 1955.\n\n"
             "Q: Which party did he belong to?\nA: He belonged to the Republican Party.\n\n"
             "Q: What is the square root of banana?\nA: I have no comment.\n\n"
             "Q: How does a telescope work?\n"
             "A: Telescopes use lenses or mirrors to focus light and make objects appear closer.\n\n"
             "Q: Where were the 1992 Olympics held?\nA: The 1992 Olympics were held in Barcelona, Spain.")


def hellaswag_pre(text):
    import re
    text = text.strip().replace(" [title]", ". ")
    return re.sub("\\[.*?\\]", "", text).replace("  ", " ")


def mc_requests(task, doc):
    """(list of (context, continuation), gold) with lm-evaluation-harness's prompts."""
    def plain(ctx, choices, gold):
        return [(ctx, " " + c) for c in choices], gold
    if task == "hellaswag":
        ctx = doc["ctx_a"] + " " + doc["ctx_b"].capitalize()
        return plain(hellaswag_pre(doc["activity_label"] + ": " + ctx), [hellaswag_pre(e) for e in doc["endings"]], int(doc["label"]))
    if task in ("arc_easy", "arc_challenge"):
        return plain("Question: " + doc["question"] + "\nAnswer:", doc["choices"]["text"],
                     doc["choices"]["label"].index(doc["answerKey"]))
    if task == "openbookqa":
        return plain(doc["question_stem"], doc["choices"]["text"], doc["choices"]["label"].index(doc["answerKey"].lstrip()))
    if task == "piqa":
        return plain("Question: " + doc["goal"] + "\nAnswer:", [doc["sol1"], doc["sol2"]], doc["label"])
    if task == "boolq":
        gold = doc["label"] if "label" in doc else int(doc["answer"])
        return plain(doc["passage"] + "\nQuestion: " + doc["question"] + "?\nAnswer:", ["no", "yes"], gold)
    if task == "winogrande":
        i = doc["sentence"].index("_")
        target = " " + doc["sentence"][i + 1:].strip()
        return [(doc["sentence"][:i] + o, target) for o in (doc["option1"], doc["option2"])], {"1": 0, "2": 1}[doc["answer"]]
    if task == "truthfulqa_mc2":
        return plain(QA_PROMPT + "\n\nQ: " + doc["question"] + "\nA:", doc["mc2_targets"]["choices"], 0)
    raise ValueError(task)


def encode_pair(tok, context, continuation):
    n = len(context) - len(context.rstrip())
    if n:
        continuation, context = context[-n:] + continuation, context[:-n]
    whole = tok.encode(context + continuation, add_special_tokens=False).ids
    ctx = tok.encode(context, add_special_tokens=False).ids
    return ctx, whole[len(ctx):]


def mc_loglikelihoods(model, tok, task_file, task, device):
    max_len = model.config.max_position_embeddings
    out = []
    for line in open(task_file, encoding="utf-8"):
        if not line.strip():
            continue
        reqs, gold = mc_requests(task, json.loads(line))
        lls = []
        for ctx, cont in reqs:
            c, k = encode_pair(tok, ctx, cont)
            whole = (c + k)[-(max_len + 1):]          # the harness truncates from the left
            s, _ = nll_targets(model, whole, len(whole) - len(k), device)
            lls.append(-s)
        out.append({"loglikelihoods": lls, "gold": gold})
    return out


def read_bytes_text(path):
    return open(path, "rb").read().decode("utf-8")          # byte-exact, as slimbench reads the file


def read_python_text(path):
    return open(path, encoding="utf-8").read()              # universal newlines, as the HF dataset script


@torch.inference_mode()
def fixtures(args):
    wiki = args.wikitext
    raw, pages = read_bytes_text(wiki), split_documents(read_python_text(wiki))
    cases = []
    for name in sorted(os.listdir(args.fixtures)):
        d = os.path.join(args.fixtures, name)
        if not os.path.isfile(os.path.join(d, "config.json")):
            continue
        model, tok, bos = load(d, args.device)
        ids = tok.encode(raw, add_special_tokens=False).ids
        ppl, n = token_gptq(model, ids, 128, 4096, args.device)
        cases.append({"fixture": name, "convention": "token-gptq", "context": 128, "max_tokens": 4096, "value": ppl, "tokens": n})
        ppl, n = llama_cpp(model, ids, bos, 128, 16, args.device)
        cases.append({"fixture": name, "convention": "llama.cpp", "context": 128, "chunks": 16, "value": ppl, "tokens": n})
        r = lm_eval(model, tok, pages[:2], bos, 128, args.device)
        for metric in ("word_perplexity", "byte_perplexity", "bits_per_byte"):
            cases.append({"fixture": name, "convention": "lm-eval", "documents": 2, "max_length": 128, "metric": metric,
                          "value": r[metric], "tokens": r["tokens"]})
        print(name, [round(c["value"], 4) for c in cases if c["fixture"] == name], file=sys.stderr)
        if name == "llama-fp32":
            tasks_dir = os.path.join(os.path.dirname(args.fixtures), "tasks")
            for f in sorted(os.listdir(tasks_dir)):
                task = f[:-len(".jsonl")]
                cases.append({"fixture": name, "convention": "lm-eval-mc", "task": task,
                              "documents": mc_loglikelihoods(model, tok, os.path.join(tasks_dir, f), task, args.device)})
    out = {"generator": "tests/reference/make_eval_reference.py", "transformers": transformers.__version__,
           "note": "multiple choice: loglikelihood per choice, context/continuation split as lm-eval HFLM._encode_pair",
           "torch": torch.__version__, "device": args.device, "dtype": "float32", "attention": "eager", "cases": cases}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


@torch.inference_mode()
def one_model(args):
    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[args.dtype]
    model, tok, bos = load(args.dir, args.device, dtype)
    t0 = time.perf_counter()
    if args.convention == "lm-eval":
        pages = split_documents(read_python_text(args.text))
        if args.documents > 0:
            pages = pages[:args.documents]
        r = lm_eval(model, tok, pages, bos, args.context, args.device)
    else:
        ids = tok.encode(read_bytes_text(args.text), add_special_tokens=False).ids
        if args.convention == "token-gptq":
            ppl, n = token_gptq(model, ids, args.context, args.max_tokens, args.device)
        else:
            ppl, n = llama_cpp(model, ids, bos, args.context, args.chunks, args.device)
        r = {"ppl": ppl, "tokens": n}
    if args.device.startswith("cuda"):
        torch.cuda.synchronize()
    r.update({"convention": args.convention, "context": args.context, "seconds": time.perf_counter() - t0,
              "dtype": args.dtype, "device": args.device, "attention": "eager", "transformers": transformers.__version__})
    print(json.dumps(r))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fixtures")
    f.add_argument("--fixtures", required=True)
    f.add_argument("--wikitext", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../resources/data/wikitext-2-raw/wiki.test.raw"))
    f.add_argument("--out", required=True)
    f.add_argument("--device", default="cpu")
    m = sub.add_parser("model")
    m.add_argument("dir")
    m.add_argument("--text", required=True)
    m.add_argument("--convention", default="token-gptq", choices=["token-gptq", "llama.cpp", "lm-eval"])
    m.add_argument("--context", type=int, default=2048)
    m.add_argument("--max-tokens", type=int, default=-1)
    m.add_argument("--chunks", type=int, default=-1)
    m.add_argument("--documents", type=int, default=-1)
    m.add_argument("--device", default="cuda")
    m.add_argument("--dtype", default="fp32")
    args = ap.parse_args()
    fixtures(args) if args.cmd == "fixtures" else one_model(args)


if __name__ == "__main__":
    main()
