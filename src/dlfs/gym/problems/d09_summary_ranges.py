"""Day 9 · Summarise consecutive segments (groupby on value - index)."""

from __future__ import annotations

import random
from itertools import groupby

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    a = tok[1:1 + tok[0]]
    parts = []
    for _, g in groupby(enumerate(a), key=lambda iv: iv[1] - iv[0]):
        run = [v for _, v in g]
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}->{run[-1]}")
    return ",".join(parts) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    a = tok[1:1 + tok[0]]
    parts = []
    for i, v in enumerate(a):
        starts = i == 0 or a[i - 1] != v - 1
        if starts:
            parts.append([v, v])
        else:
            parts[-1][1] = v
    return ",".join(str(s) if s == e else f"{s}->{e}" for s, e in parts) + "\n"


def generate(rng: random.Random) -> str:
    a = sorted(rng.sample(range(-5, 20), rng.randint(1, 12)))
    return f"{len(a)}\n{' '.join(map(str, a))}\n"


PROBLEM = Problem(
    id="summary-ranges", day=9, topic="groupby",
    title_en="Summarise consecutive segments", title_zh="连续区间汇总",
    statement_en=(
        "Given strictly increasing integers, describe them as maximal segments of consecutive "
        "values: a segment from x to y is written x->y, a lone value just x. Separate "
        "segments by commas."),
    statement_zh=(
        "给定严格递增的整数，把它们描述为极长的连续段：从 x 到 y 的段写作 x->y，单个数直接写 x，各"
        "段以逗号分隔。"),
    input_format="Line 1: n (>= 1). Line 2: n strictly increasing integers.",
    output_format="One line, e.g. 0->2,4->5,7.",
    input_format_zh="第 1 行：n（>= 1）。第 2 行：n 个严格递增的整数。",
    output_format_zh="一行，例如 `0->2,4->5,7`。",
    examples=(("6\n0 1 2 4 5 7\n", "0->2,4->5,7\n"), ("3\n-2 -1 3\n", "-2->-1,3\n")),
    similar_to="LeetCode 228",
    header=("In a run of consecutive values, value - index is constant: groupby on it: O(n). "
            "Edge cases: negative values; single-value segments."),
    header_zh=(
        "在一段连续的值中，`value - index` 保持不变：按它做 `groupby`：O(n)。边界情况：负数；"
        "只含一个值的段。"),
    solve=solve, brute=brute, generate=generate,
)
