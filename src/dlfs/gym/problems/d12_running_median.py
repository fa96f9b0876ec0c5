"""Day 12 · Median after every number (two heaps)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import running_median


def _fmt(m: float) -> str:
    return f"{m:.1f}"


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    return " ".join(_fmt(m) for m in running_median(tok[1:1 + tok[0]])) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    a = tok[1:1 + tok[0]]
    out = []
    for i in range(1, len(a) + 1):
        s = sorted(a[:i])
        out.append(_fmt(s[i // 2] if i % 2 else (s[i // 2 - 1] + s[i // 2]) / 2))
    return " ".join(out) + "\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 15)
    return f"{n}\n{' '.join(str(rng.randint(-20, 20)) for _ in range(n))}\n"


def large(rng: random.Random) -> str:
    n = 100_000
    return f"{n}\n{' '.join(str(rng.randint(-10**6, 10**6)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="running-median", day=12, topic="heapq",
    title_en="Median after every number", title_zh="数据流的中位数",
    statement_en=(
        "Integers arrive one at a time. After each arrival print the median of everything "
        "seen so far: the middle value for an odd count, the average of the two middle values "
        "for an even count. Print every median with one digit after the decimal point."),
    statement_zh=(
        "整数逐个到达。每到达一个，输出目前所有数的中位数：个数为奇数取中间值，为偶数取中间两数的"
        "平均值。保留一位小数。"),
    input_format="Line 1: n (n <= 10^5). Line 2: n integers.",
    output_format="One line: n medians such as 2.0 2.5.",
    input_format_zh="第 1 行：n（n <= 10^5）。第 2 行：n 个整数。",
    output_format_zh="一行：n 个中位数，形如 2.0 2.5。",
    examples=(("4\n5 15 1 3\n", "5.0 10.0 5.0 4.0\n"), ("2\n-1 -2\n", "-1.0 -1.5\n")),
    similar_to="LeetCode 295",
    header=("A max-heap for the lower half and a min-heap for the upper half, sizes differ by "
            "at most one: O(log n) per number. Edge cases: negative halves like -1.5."),
    header_zh=(
        "较小的一半放进最大堆，较大的一半放进最小堆，两堆大小最多相差一：每个数 O(log n)。"
        "边界情况：结果为负的半整数，如 -1.5。"),
    solve=solve, brute=brute, generate=generate, large=large, float_tol=1e-6,
)
