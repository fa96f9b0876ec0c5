"""Day 4 · Merge overlapping intervals (sort, then sweep)."""

from __future__ import annotations

import random

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n = tok[0]
    spans = sorted((tok[1 + 2 * i], tok[2 + 2 * i]) for i in range(n))
    merged: list[list[int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return "\n".join(f"{lo} {hi}" for lo, hi in merged) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n = tok[0]
    spans = [(tok[1 + 2 * i], tok[2 + 2 * i]) for i in range(n)]
    lo, hi = min(s[0] for s in spans), max(s[1] for s in spans)
    # mark covered unit segments [x, x+1] and covered points, then read off runs
    pts = {x for a, b in spans for x in range(a, b + 1)}
    seg = {x for a, b in spans for x in range(a, b)}
    out, x = [], lo
    while x <= hi:
        if x in pts:
            start = x
            while x in seg:
                x += 1
            out.append(f"{start} {x}")
        x += 1
    return "\n".join(out) + "\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 8)
    rows = []
    for _ in range(n):
        a = rng.randint(0, 20)
        rows.append(f"{a} {a + rng.randint(0, 5)}")
    return f"{n}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="merge-intervals", day=4, topic="sorting",
    title_en="Merge overlapping intervals", title_zh="合并区间",
    statement_en=(
        "You get n closed intervals [a, b] with a <= b. Merge every group of intervals that "
        "overlap or touch (sharing an end point counts) and print the resulting disjoint "
        "intervals from left to right."),
    statement_zh=(
        "给定 n 个闭区间 [a, b]（a <= b）。把重叠或首尾相接（共享端点也算）的区间合并，按从左到右"
        "输出结果。"),
    input_format="Line 1: n. Next n lines: a b.",
    output_format="One line per merged interval: a b, in increasing order.",
    input_format_zh="第 1 行：n。接下来 n 行：每行 a b。",
    output_format_zh="每个合并后的区间一行：a b，按从小到大的顺序。",
    examples=(("4\n1 3\n8 10\n2 6\n15 18\n", "1 6\n8 10\n15 18\n"), ("2\n1 4\n4 5\n", "1 5\n")),
    similar_to="LeetCode 56",
    header=("Sort by start, then extend the last merged interval while starts <= its end: "
            "O(n log n). Edge cases: touching ends; an interval inside another; a = b."),
    header_zh=(
        "按起点排序，只要下一个区间的起点 <= 最后一个已合并区间的终点，就延长该区间：O(n log n)。"
        "边界情况：首尾相接；一个区间包含在另一个之内；a = b。"),
    solve=solve, brute=brute, generate=generate,
)
