"""Day 11 · Longest strictly increasing subsequence (bisect on tails)."""

from __future__ import annotations

import random
from itertools import combinations

from ..problem import Problem
from ..templates import lis_length


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    return f"{lis_length(tok[1:1 + tok[0]])}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    a = tok[1:1 + tok[0]]
    for r in range(len(a), 0, -1):
        if any(all(x < y for x, y in zip(c, c[1:])) for c in combinations(a, r)):
            return f"{r}\n"
    return "0\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 10)
    return f"{n}\n{' '.join(str(rng.randint(-5, 5)) for _ in range(n))}\n"


def large(rng: random.Random) -> str:
    n = 100_000
    return f"{n}\n{' '.join(str(rng.randint(0, 10**9)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="longest-increasing", day=11, topic="bisect",
    title_en="Longest strictly increasing subsequence", title_zh="最长严格递增子序列",
    statement_en=(
        "Pick as many elements of an integer array as possible, keeping their order, so that "
        "each picked value is strictly larger than the one picked before it. Print how many "
        "you can pick."),
    statement_zh=(
        "从整数数组中按原顺序挑出尽量多的元素，使每个值都严格大于前一个被挑的值。输出最多能挑几个"
        "。"),
    input_format="Line 1: n (1 <= n <= 10^5). Line 2: n integers.",
    output_format="One integer.",
    input_format_zh="第 1 行：n（1 <= n <= 10^5）。第 2 行：n 个整数。",
    output_format_zh="一个整数。",
    examples=(("8\n10 9 2 5 3 7 101 18\n", "4\n"), ("3\n7 7 7\n", "1\n")),
    similar_to="LeetCode 300",
    header=("tails[L] = smallest tail of an increasing run of length L+1; bisect_left keeps it "
            "strict: O(n log n). Edge cases: equal values do not count (use bisect_left)."),
    header_zh=(
        "`tails[L]` = 长度为 L+1 的递增子序列的最小结尾值；用 `bisect_left` 保证严格递增："
        "O(n log n)。边界情况：相等的值不算递增（要用 `bisect_left`）。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
