#!/usr/bin/env python3
"""Reference for core/eval/wikitext.{h,cpp}: WikiText-2 test split into articles the way the HF
dataset EleutherAI/wikitext_document_level does, detokenized with lm-evaluation-harness's
wikitext_detokenizer, with the harness's word and byte counts.  Pure Python with `re` (the
harness uses Python's re), no other dependency; runs anywhere:

    python3 tests/reference/make_wikitext_reference.py resources/data/wikitext-2-raw/wiki.test.raw \
        > tests/data/eval/wikitext2_test_documents.json

The C++ test (tst_eval_conventions) compares every article's SHA-256 before and after
detokenization and its counts with this file.
"""
import hashlib
import json
import re
import sys


def split_documents(raw):
    # The dataset's generator: a level-1 heading line " = Title = " starts a new article.
    docs, lines = [], []
    for line in raw.split("\n"):
        probe = line.replace("= = =", "===").replace("= =", "==").strip()
        if probe.startswith("= ") and probe.strip().endswith(" ="):
            page = "\n".join(lines)
            if page.strip():
                docs.append(page)
            lines = []
        lines.append(line)
    docs.append("\n".join(lines))
    return docs


def detokenize(s):
    # lm-eval lm_eval/tasks/wikitext/preprocess_wikitext.py, rule by rule.
    s = s.replace("s '", "s'")
    s = re.sub(r"/' [0-9]/", r"/'[0-9]/", s)
    for a, b in ((" @-@ ", "-"), (" @,@ ", ","), (" @.@ ", "."), (" : ", ": "), (" ; ", "; "),
                 (" . ", ". "), (" ! ", "! "), (" ? ", "? "), (" , ", ", ")):
        s = s.replace(a, b)
    s = re.sub(r"\(\s*([^\)]*?)\s*\)", r"(\1)", s)
    s = re.sub(r"\[\s*([^\]]*?)\s*\]", r"[\1]", s)
    s = re.sub(r"{\s*([^}]*?)\s*}", r"{\1}", s)
    s = re.sub(r"\"\s*([^\"]*?)\s*\"", r'"\1"', s)
    s = re.sub(r"'\s*([^']*?)\s*'", r"'\1'", s)
    for a, b in (("= = = =", "===="), ("= = =", "==="), ("= =", "=="), (" " + chr(176) + " ", chr(176)),
                 (" \n", "\n"), ("\n ", "\n"), (" N ", " 1 "), (" 's", "'s")):
        s = s.replace(a, b)
    return s


def main():
    raw = open(sys.argv[1], encoding="utf-8").read()
    docs = split_documents(raw)
    out = {"source": "wiki.test.raw", "documents": []}
    for d in docs:
        det = detokenize(d)
        out["documents"].append({
            "words": len(re.split(r"\s+", d)),
            "bytes": len(d.encode("utf-8")),
            "sha256": hashlib.sha256(d.encode("utf-8")).hexdigest(),
            "detokenized_sha256": hashlib.sha256(det.encode("utf-8")).hexdigest(),
            "detokenized_bytes": len(det.encode("utf-8")),
            "title": d.split("\n")[0].strip(),
        })
    out["total_words"] = sum(x["words"] for x in out["documents"])
    out["total_bytes"] = sum(x["bytes"] for x in out["documents"])
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
