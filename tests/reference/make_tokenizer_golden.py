#!/usr/bin/env python3
"""Golden tokenizer data for tests/core/tst_tokenizer.cpp (run on the GPU machine).

Needs: tokenizers (required); transformers (for the Llama-2 conversion), sentencepiece and
protobuf (optional: without them the Llama-2 tokenizer.json is built here with `tokenizers`
from the sentencepiece model, parsed by hand).  Never touches the network.

    python3 tests/reference/make_tokenizer_golden.py --llama2-spm DIR --out OUT

writes OUT/<set>/tokenizer.json and OUT/<set>/golden.json for each set below, and
OUT/SUMMARY.txt.  Copy the <set> folders into tests/data/tokenizer/golden/ (the Llama-2
tokenizer.json is about 1.8 MB; the others are small).  golden.json holds
  {"texts": [...], "ids_with_special": [[...]], "ids_no_special": [[...]],
   "decoded": [...],               # decode(ids_with_special, skip_special_tokens=False)
   "decoded_skip_special": [...],  # decode(ids_with_special, skip_special_tokens=True)
   "meta": {...}}                  # versions, how the set was made, reference ids
The ids are what `tokenizers` computes from the saved tokenizer.json itself, so every set is
self-consistent whatever transformers version made it.

Sets:
  llama2            transformers' conversion of a Llama-2 tokenizer.model you supply (Meta's licence:
                    not part of this repository)
                    (falls back to llama2_metaspace's recipe when transformers cannot convert)
  llama2_legacy     the same vocabulary built here: legacy Prepend + Replace normalizer
  llama3_bytelevel  byte-level BPE trained on WikiText-2 with the Llama-3 split pattern,
                    ignore_merges, BOS template, added tokens with lstrip/rstrip/single_word
  qwen2_bytelevel   byte-level BPE with the Qwen2 pattern and the NFC normalizer
  gpt2_roberta      ByteLevel(add_prefix_space=True) with GPT-2's built-in regex, RobertaProcessing
  metaspace_split   sentencepiece-style BPE: Metaspace(always, split), byte_fallback, <s> $A </s>
"""
import argparse
import json
import os
import shutil
import struct
import sys
import tempfile
import traceback

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SP = "\u2581"
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")

BASE_TEXTS = [
    "", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\t\n",
    "Hello world", " Hello world", "  two leading spaces", "multiple   spaces   inside  ",
    "tabs\tand\t\ttabs", "line one\r\nline two\r\n", "new\nlines\n\n\nhere", "trailing space ",
    "\u00c4pfel, \u00d6l und \u00dcberma\u00df \u2014 sch\u00f6n!", "Gr\u00fc\u00dfe aus M\u00fcnchen",
    "\u4e2d\u6587\u6587\u672c\u6d4b\u8bd5", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8",
    "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8", "emoji \U0001F600\U0001F999\U0001F680 and \U0001F468\u200d\U0001F469\u200d\U0001F467",
    "digits 0 12 345 6789 1234567890 3.14159 1,000,000", "I'm sure he's there, we'll see; they'd've",
    "WE'RE SHOUTING, AREN'T WE", "it\u017f long s", "literal <s> and </s> and <unk>", "<s>starts with bos",
    "ends with eos</s>", "caf\u00e9 vs cafe\u0301", "x\u00a0y\u2003z\u3000w", "\u03a9 \u2248 \u00e7 \u221a \u222b",
    "code: def f(x):\n    return x**2  # comment", "<|endoftext|> literal", "<|im_start|>user\nhi<|im_end|>",
    "a <tool>  b", "Robert Roberts Robert_", "=" * 20, "...!!!???", "\u0930\u093e\u092e \u0915\u094d\u0937",
]


def log(msg):
    print(msg, flush=True)


# ---- sentencepiece model without sentencepiece / protobuf ------------------------------------------

def _varint(buf, pos):
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def _skip(buf, pos, wire):
    if wire == 0:
        return _varint(buf, pos)[1]
    if wire == 1:
        return pos + 8
    if wire == 2:
        n, pos = _varint(buf, pos)
        return pos + n
    if wire == 5:
        return pos + 4
    raise ValueError("unsupported protobuf wire type %d" % wire)


def read_spm_pieces(path):
    """[(piece, score, type)] of a sentencepiece ModelProto (field 1: repeated SentencePiece
    {1: piece, 2: score, 3: type}); type 1 normal, 2 unknown, 3 control, 4 user defined, 6 byte."""
    buf = open(path, "rb").read()
    pieces, pos = [], 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if field == 1 and wire == 2:
            n, pos = _varint(buf, pos)
            sub, end = pos, pos + n
            piece, score, ptype = "", 0.0, 1
            while sub < end:
                k, sub = _varint(buf, sub)
                f, w = k >> 3, k & 7
                if f == 1 and w == 2:
                    m, sub = _varint(buf, sub)
                    piece = buf[sub:sub + m].decode("utf-8")
                    sub += m
                elif f == 2 and w == 5:
                    score = struct.unpack("<f", buf[sub:sub + 4])[0]
                    sub += 4
                elif f == 3 and w == 0:
                    ptype, sub = _varint(buf, sub)
                else:
                    sub = _skip(buf, sub, w)
            pieces.append((piece, score, ptype))
            pos = end
        else:
            pos = _skip(buf, pos, wire)
    return pieces


def generate_merges(vocab, scores):
    """transformers' generate_merges (convert_slow_tokenizer.py): every split of a piece into two
    pieces is a merge, ordered by the piece's score, then by the parts' lengths (longest first)."""
    merges = []
    for piece, score in scores.items():
        local = []
        for i in range(1, len(piece)):
            left, right = piece[:i], piece[i:]
            if left in vocab and right in vocab:
                local.append((left, right, score))
        local.sort(key=lambda x: (vocab[x[0]], vocab[x[1]]))
        merges.extend(local)
    merges.sort(key=lambda v: (v[2], len(v[0]), len(v[1])), reverse=True)
    return [(a, b) for a, b, _ in merges]


def build_llama2_manual(model_path, legacy):
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    pieces = read_spm_pieces(model_path)
    vocab = {p: i for i, (p, _, _) in enumerate(pieces)}
    scores = {p: s for p, s, _ in pieces}
    bpe = models.BPE(vocab=vocab, merges=generate_merges(vocab, scores), unk_token="<unk>", fuse_unk=True,
                     byte_fallback=True, dropout=None)
    tok = Tokenizer(bpe)
    if legacy:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend(SP), normalizers.Replace(" ", SP)])
        tok.pre_tokenizer = None
    else:
        tok.normalizer = None
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=SP, prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace(SP, " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    specials = [AddedToken(p, special=True, normalized=False) for p, _, t in pieces if t in (2, 3)]
    tok.add_special_tokens(specials)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                       special_tokens=[("<s>", vocab["<s>"])])
    return tok


def convert_llama2_with_transformers(model_path, work):
    """(tokenizers.Tokenizer, transformers tokenizer, how) or raises with every attempt's error."""
    import transformers
    from tokenizers import Tokenizer
    src = os.path.join(work, "llama2_src")
    os.makedirs(src, exist_ok=True)
    shutil.copy(model_path, os.path.join(src, "tokenizer.model"))
    with open(os.path.join(src, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>",
                   "unk_token": "<unk>", "add_bos_token": True, "add_eos_token": False}, f)

    def backend(t):
        for attr in ("backend_tokenizer", "_tokenizer"):
            b = getattr(t, attr, None)
            if isinstance(b, Tokenizer):
                return b
        raise TypeError("%s has no tokenizers backend" % type(t).__name__)

    attempts = [
        ("AutoTokenizer.from_pretrained(folder with tokenizer.model)",
         lambda: transformers.AutoTokenizer.from_pretrained(src, use_fast=True)),
        ("LlamaTokenizerFast(vocab_file=...)",
         lambda: transformers.LlamaTokenizerFast(vocab_file=model_path)),
        ("LlamaTokenizer(vocab_file=...)",
         lambda: transformers.LlamaTokenizer(vocab_file=model_path)),
    ]
    errors = []
    for how, make in attempts:
        try:
            t = make()
            return backend(t), t, how
        except Exception as e:  # try the next recipe
            errors.append("%s: %s: %s" % (how, type(e).__name__, e))
    try:
        from transformers.convert_slow_tokenizer import LlamaConverter

        class Shim:
            vocab_file = model_path
            legacy = False
            add_prefix_space = True
            handle_byte_fallback = True

        return LlamaConverter(Shim()).converted(), None, "convert_slow_tokenizer.LlamaConverter"
    except Exception as e:
        errors.append("LlamaConverter: %s: %s" % (type(e).__name__, e))
    raise RuntimeError("transformers could not convert the sentencepiece model:\n  " + "\n  ".join(errors))


# ---- byte-level tokenizers trained here ---------------------------------------------------------

def wiki_lines(wiki_path, start, size):
    with open(wiki_path, "rb") as f:
        data = f.read()
    text = data[start:start + size].decode("utf-8", errors="ignore")
    return [line for line in text.splitlines() if line.strip()]


def train_bpe(pre_tokenizer, normalizer, decoder, corpus, vocab_size, specials, model_kwargs=None):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    tok = Tokenizer(models.BPE(**(model_kwargs or {})))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoder
    alphabet = pre_tokenizers.ByteLevel.alphabet() if decoder.__class__.__name__ == "ByteLevel" else []
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  special_tokens=specials, initial_alphabet=alphabet)
    tok.train_from_iterator(corpus, trainer=trainer)
    return tok


def with_json(tok, edit):
    from tokenizers import Tokenizer
    j = json.loads(tok.to_str())
    edit(j)
    return Tokenizer.from_str(json.dumps(j))


def make_llama3(wiki_path):
    from tokenizers import AddedToken, Regex, decoders, pre_tokenizers, processors
    pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
                                   pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False)])
    tok = train_bpe(pre, None, decoders.ByteLevel(), wiki_lines(wiki_path, 0, 400000), 2000,
                    ["<|begin_of_text|>", "<|end_of_text|>"])
    tok.add_special_tokens([AddedToken("<tool>", lstrip=True, rstrip=True, special=True, normalized=False)])
    tok.add_tokens([AddedToken("Robert", single_word=True, normalized=True)])
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                      special_tokens=[("<|begin_of_text|>", bos)])])

    def edit(j):
        j["model"]["ignore_merges"] = True
    return with_json(tok, edit)


def make_qwen2(wiki_path):
    from tokenizers import AddedToken, Regex, decoders, normalizers, pre_tokenizers, processors
    pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
                                   pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    tok = train_bpe(pre, normalizers.NFC(), decoders.ByteLevel(), wiki_lines(wiki_path, 400000, 400000), 2000,
                    ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    tok.add_special_tokens([AddedToken("<tool>", lstrip=True, special=True, normalized=False)])
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    return tok


def make_gpt2_roberta(wiki_path):
    from tokenizers import decoders, pre_tokenizers, processors
    tok = train_bpe(pre_tokenizers.ByteLevel(add_prefix_space=True), None, decoders.ByteLevel(),
                    wiki_lines(wiki_path, 800000, 300000), 1500, ["<s>", "</s>", "<unk>"])
    # Positional: tokenizers 0.23's Python binding takes no `sep=` / `cls=` keywords.
    tok.post_processor = processors.RobertaProcessing(("</s>", tok.token_to_id("</s>")),
                                                      ("<s>", tok.token_to_id("<s>")))
    return tok


def make_metaspace_split(wiki_path):
    from tokenizers import decoders, pre_tokenizers, processors
    pre = pre_tokenizers.Metaspace(replacement=SP, prepend_scheme="always", split=True)
    tok = train_bpe(pre, None, decoders.Metaspace(replacement=SP, prepend_scheme="always", split=True),
                    wiki_lines(wiki_path, 1000000, 250000), 1200, ["<unk>", "<s>", "</s>"],
                    {"unk_token": "<unk>", "fuse_unk": True, "byte_fallback": True})

    def edit(j):
        vocab = j["model"]["vocab"]
        next_id = max(vocab.values()) + 1
        for b in range(256):  # byte-fallback tokens, as sentencepiece models have them
            name = "<0x%02X>" % b
            if name not in vocab:
                vocab[name] = next_id
                next_id += 1
    tok = with_json(tok, edit)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>",
        special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])
    return tok


# ---- golden files -------------------------------------------------------------------------------

def write_set(out, name, tok, texts, meta, reference=None):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "tokenizer.json")
    tok.save(path, pretty=False)
    from tokenizers import Tokenizer
    saved = Tokenizer.from_file(path)  # golden ids come from the file the C++ test reads
    golden = {"texts": texts, "ids_with_special": [], "ids_no_special": [], "decoded": [],
              "decoded_skip_special": [], "meta": meta}
    for t in texts:
        ids = saved.encode(t, add_special_tokens=True).ids
        golden["ids_with_special"].append(ids)
        golden["ids_no_special"].append(saved.encode(t, add_special_tokens=False).ids)
        golden["decoded"].append(saved.decode(ids, skip_special_tokens=False))
        golden["decoded_skip_special"].append(saved.decode(ids, skip_special_tokens=True))
    if reference:
        for key, fn in reference.items():
            try:
                golden["meta"][key] = [fn(t) for t in texts]
            except Exception as e:
                golden["meta"][key + "_error"] = "%s: %s" % (type(e).__name__, e)
        mine = golden["ids_with_special"]
        for key in reference:
            ref = golden["meta"].get(key)
            if ref is not None:
                same = sum(1 for a, b in zip(mine, ref) if list(a) == list(b))
                log("  %s: %s agrees with tokenizers on %d/%d texts" % (name, key, same, len(texts)))
    with open(os.path.join(d, "golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False)
    log("  wrote %s (%d texts, tokenizer.json %.0f KB)" % (d, len(texts), os.path.getsize(path) / 1024))


def versions():
    v = {"python": sys.version.split()[0]}
    for mod in ("tokenizers", "transformers", "sentencepiece", "google.protobuf"):
        try:
            m = __import__(mod, fromlist=["__version__"])
            v[mod] = getattr(m, "__version__", "?")
        except Exception:
            v[mod] = None
    return v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--llama2-spm", required=True, help="folder holding the Llama-2 sentencepiece tokenizer.model")
    ap.add_argument("--wikitext", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../resources/data/wikitext-2-raw/wiki.test.raw"))
    ap.add_argument("--out", required=True, help="output folder (one sub-folder per set)")
    args = ap.parse_args()
    wiki_path, out = os.path.abspath(args.wikitext), os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    ver = versions()
    log("versions: %s" % ver)
    if ver["tokenizers"] is None:
        log("error: the `tokenizers` package is required")
        return 2
    model_path = os.path.join(args.llama2_spm, "tokenizer.model")
    with open(wiki_path, "rb") as f:
        wiki = f.read()
    long_text = wiki[1200000:1204000].decode("utf-8", errors="ignore")
    texts = BASE_TEXTS + [long_text]

    sp_ids = None
    try:
        import sentencepiece as spm
        sp = spm.SentencePieceProcessor()
        sp.Load(model_path)
        sp_ids = lambda t: [sp.bos_id()] + sp.encode(t)  # noqa: E731
    except Exception as e:
        log("note: sentencepiece reference ids unavailable (%s)" % e)

    results = {}
    work = tempfile.mkdtemp(prefix="tokgolden-")

    def attempt(name, make, meta, reference=None):
        try:
            tok, extra_meta, ref = make()
            meta = dict(meta, **extra_meta, versions=ver)
            write_set(out, name, tok, texts, meta, dict(reference or {}, **(ref or {})))
            results[name] = "ok (%s)" % meta.get("how", "")
        except Exception:
            results[name] = "FAILED:\n" + traceback.format_exc()
            log("  %s failed:\n%s" % (name, traceback.format_exc()))

    sp_ref = {"sentencepiece_ids_with_bos": sp_ids} if sp_ids else None

    def llama2():
        try:
            tok, hf, how = convert_llama2_with_transformers(model_path, work)
            ref = {"transformers_ids_with_special": (lambda t: list(hf.encode(t, add_special_tokens=True)))} if hf else None
            return tok, {"how": how}, ref
        except Exception as e:
            log("  transformers conversion failed, building the tokenizer here instead: %s" % e)
            return build_llama2_manual(model_path, legacy=False), {"how": "manual Metaspace(first)",
                                                                   "transformers_error": str(e)}, None

    log("llama2 ...")
    attempt("llama2", llama2, {"source": "llama2-spm/tokenizer.model"}, sp_ref)
    log("llama2_legacy ...")
    attempt("llama2_legacy", lambda: (build_llama2_manual(model_path, legacy=True), {"how": "manual legacy"}, None),
            {"source": "llama2-spm/tokenizer.model"}, sp_ref)
    for name, make in (("llama3_bytelevel", make_llama3), ("qwen2_bytelevel", make_qwen2),
                       ("gpt2_roberta", make_gpt2_roberta), ("metaspace_split", make_metaspace_split)):
        log("%s ..." % name)
        attempt(name, lambda make=make: (make(wiki_path), {"how": "trained with tokenizers"}, None),
                {"source": "wiki.test.raw"})
    shutil.rmtree(work, ignore_errors=True)

    with open(os.path.join(out, "SUMMARY.txt"), "w") as f:
        f.write("versions: %s\n" % ver)
        for name, status in results.items():
            f.write("%s: %s\n" % (name, status))
    log("summary:")
    for name, status in results.items():
        log("  %s: %s" % (name, status.splitlines()[0]))
    return 0 if any(s.startswith("ok") for s in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
