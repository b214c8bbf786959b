#!/usr/bin/env python3
"""Instruction mix of each kernel's largest loop in `cuobjdump -sass` output (stdin or a file).

For kernels whose name contains one of the given substrings (default: the 4-bit tile kernels), prints
the kernel's instruction count, the address spans of its three largest backward branches (the round and step
loops of the GEMV kernels) and each loop's opcodes by count — the static cost of one trip, to compare kernel
variants without a profiler."""
import re
import sys
from collections import Counter


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--match=")]
    match = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--match=")] or ["Int4Tile", "Int4Rows"]
    text = open(args[0]).read() if args else sys.stdin.read()
    for func in re.split(r"(?:^|\n)\s*Function : ", text)[1:]:
        name = func.split("\n")[0].strip()
        if not any(m in name for m in match):
            continue
        ins = re.findall(r"/\*([0-9a-f]{4,})\*/\s+(.*?);", func)
        addrs = [int(a, 16) for a, _ in ins]
        loops = set()
        for a, op in zip(addrs, (o for _, o in ins)):
            m = re.search(r"BRA(?:\.\S+)?\s+(?:!?U?P\w+,\s*)?0x([0-9a-f]+)", op)
            if m and int(m.group(1), 16) < a:
                loops.add((int(m.group(1), 16), a))
        print(f"{name}\n  {len(ins)} instructions")
        for lo, hi in sorted(loops, key=lambda l: l[0] - l[1])[:3]:   # the three largest loops
            loop = [o for a, o in zip(addrs, (o for _, o in ins)) if lo <= a <= hi]
            mix = Counter(re.sub(r"^@!?U?P\w+\s+", "", o).split()[0].split(".")[0] for o in loop)
            print(f"  loop {lo:#x}-{hi:#x}: {len(loop)}: " + ", ".join(f"{k} {v}" for k, v in mix.most_common(14)))


if __name__ == "__main__":
    main()
