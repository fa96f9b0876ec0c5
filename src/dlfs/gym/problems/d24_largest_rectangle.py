"""Day 24 · Largest rectangle in a histogram (monotonic stack)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import largest_rectangle


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    return f"{largest_rectangle(tok[1:1 + tok[0]])}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    h = tok[1:1 + tok[0]]
    best = 0
    for i in range(len(h)):
        low = h[i]
        for j in range(i, len(h)):
            low = min(low, h[j])
            best = max(best, low * (j - i + 1))
    return f"{best}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 15)
    return f"{n}\n{' '.join(str(rng.randint(0, 8)) for _ in range(n))}\n"


def large(rng: random.Random) -> str:
    n = 100_000
    return f"{n}\n{' '.join(str(rng.randint(0, 10**4)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="largest-rectangle", day=24, topic="monotonic stack",
    title_en="Largest rectangle in a histogram", title_zh="柱状图中最大的矩形",
    statement_en=(
        "A histogram has n bars of width 1 standing side by side with the given heights. "
        "What is the largest area of an axis-aligned rectangle that fits inside the bars?"),
    statement_zh="n 根宽为 1 的柱子并排而立，高度给定。能放进柱状图内部的最大矩形面积是多少？",
    input_format="Line 1: n (n <= 10^5). Line 2: n non-negative heights.",
    output_format="One integer.",
    input_format_zh="第 1 行：n（n <= 10^5）。第 2 行：n 个非负整数高度。",
    output_format_zh="一个整数。",
    examples=(("6\n2 1 5 6 2 3\n", "10\n"), ("3\n0 0 0\n", "0\n")),
    similar_to="LeetCode 84",
    header=("Stack of bars with increasing heights; popping a bar fixes its widest extent: "
            "O(n). Edge cases: a sentinel 0 at the end flushes the stack; zero heights."),
    header_zh=(
        "栈中柱子的高度递增；弹出一根柱子时，它能向两侧延伸的最大宽度就确定了：O(n)。边界情况："
        "末尾加一个高度为 0 的哨兵把栈清空；高度为 0 的柱子。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
