"""Day 13 · Largest sum of a non-empty subarray (Kadane)."""

from __future__ import annotations

import random

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    best = cur = tok[1]
    for v in tok[2:1 + tok[0]]:
        cur = max(v, cur + v)  # extend the run or start a new one here
        best = max(best, cur)
    return f"{best}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    a = tok[1:1 + tok[0]]
    return f"{max(sum(a[i:j]) for i in range(len(a)) for j in range(i + 1, len(a) + 1))}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 20)
    return f"{n}\n{' '.join(str(rng.randint(-9, 6)) for _ in range(n))}\n"


def large(rng: random.Random) -> str:
    n = 200_000
    return f"{n}\n{' '.join(str(rng.randint(-10_000, 9_000)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="max-subarray", day=13, topic="dynamic programming",
    title_en="Largest sum of a contiguous piece", title_zh="最大子数组和",
    statement_en=(
        "Find the largest possible sum of a non-empty contiguous piece of an integer array. "
        "If all numbers are negative the answer is the largest single number."),
    statement_zh="求整数数组中非空连续子数组的最大和。若全为负数，答案是最大的那个数。",
    input_format="Line 1: n (1 <= n <= 2·10^5). Line 2: n integers (|v| <= 10^4).",
    output_format="One integer.",
    input_format_zh="第 1 行：n（1 <= n <= 2·10^5）。第 2 行：n 个整数（|v| <= 10^4）。",
    output_format_zh="一个整数。",
    examples=(("9\n-2 1 -3 4 -1 2 1 -5 4\n", "6\n"), ("2\n-3 -1\n", "-1\n")),
    similar_to="LeetCode 53",
    header=("Kadane: the best piece ending here either extends the previous one or starts "
            "fresh: O(n). Edge cases: all negative (do not answer 0); n = 1."),
    header_zh=(
        "Kadane 算法：以当前位置结尾的最优子数组，要么接在前一个后面，要么从这里重新开始：O(n)。"
        "边界情况：全是负数（答案不是 0）；n = 1。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
