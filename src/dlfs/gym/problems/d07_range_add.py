"""Day 7 · Many range additions (difference array)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import diff_array_apply


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, q = tok[0], tok[1]
    ups = [(tok[2 + 3 * i] - 1, tok[3 + 3 * i] - 1, tok[4 + 3 * i]) for i in range(q)]
    return " ".join(map(str, diff_array_apply(n, ups))) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, q = tok[0], tok[1]
    a = [0] * n
    for i in range(q):
        l, r, d = tok[2 + 3 * i:5 + 3 * i]
        for x in range(l - 1, r):
            a[x] += d
    return " ".join(map(str, a)) + "\n"


def generate(rng: random.Random) -> str:
    n, q = rng.randint(1, 12), rng.randint(0, 8)
    rows = []
    for _ in range(q):
        l, r = sorted((rng.randint(1, n), rng.randint(1, n)))
        rows.append(f"{l} {r} {rng.randint(-5, 5)}")
    return f"{n} {q}\n" + "".join(r + "\n" for r in rows)


PROBLEM = Problem(
    id="range-add", day=7, topic="prefix sums",
    title_en="Many range additions", title_zh="区间加法",
    statement_en=(
        "Start from an array of n zeros. Apply q updates; update l r d adds d to every "
        "position from l to r inclusive (1-based). Print the final array."),
    statement_zh=(
        "从 n 个 0 开始，执行 q 次操作：l r d 表示把第 l 到第 r 个位置（含，从 1 开始）都加上 d。"
        "输出最终数组。"),
    input_format="Line 1: n q. Next q lines: l r d with 1 <= l <= r <= n.",
    output_format="One line: n integers.",
    input_format_zh="第 1 行：n q。接下来 q 行：每行 l r d，满足 1 <= l <= r <= n。",
    output_format_zh="一行：n 个整数。",
    examples=(("5 3\n1 3 2\n2 4 3\n5 5 -1\n", "2 5 5 3 -1\n"), ("2 0\n", "0 0\n")),
    similar_to="LeetCode 370",
    header=("Difference array: +d at l, -d after r, one prefix sum at the end: O(n + q). "
            "Edge cases: q = 0; r = n (the -d falls off the end); negative d."),
    header_zh=(
        "差分数组：在 l 处 +d，在 r 之后 -d，最后求一次前缀和：O(n + q)。边界情况：q = 0；"
        "r = n（-d 落在数组末尾之外）；d 为负数。"),
    solve=solve, brute=brute, generate=generate,
)
