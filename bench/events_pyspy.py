"""Summarise a py-spy ``--format raw`` (collapsed stacks) file: the share of samples in which
each function is on the stack (inclusive) and on top (self).

Run: ``.venv/bin/python -m bench.events_pyspy /tmp/jw_bench_sqlite/pyspy-intake-w2.txt [--top 40]``
"""

from __future__ import annotations

import argparse
import re
from collections import Counter


def summarise(path: str, top: int = 40, match: str = "") -> str:
    incl, self_ = Counter(), Counter()
    total = 0
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if not line:
            continue
        stack, _, n = line.rpartition(" ")
        try:
            n = int(n)
        except ValueError:
            continue
        # "function (file:line)" frames; drop line numbers so that a function counts once
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        total += n
        for f in set(frames):
            incl[f] += n
        if frames:
            self_[frames[-1]] += n
    out = [f"{total} samples"]
    out.append("inclusive:")
    for f, n in incl.most_common():
        if match and not re.search(match, f):
            continue
        out.append(f"  {100 * n / total:5.1f} %  {f}")
        if len(out) > top + 2:
            break
    out.append("self:")
    for f, n in self_.most_common(top // 2):
        out.append(f"  {100 * n / total:5.1f} %  {f}")
    return "\n".join(out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--match", default="", help="regex on frames for the inclusive list")
    a = ap.parse_args()
    print(summarise(a.path, a.top, a.match))
