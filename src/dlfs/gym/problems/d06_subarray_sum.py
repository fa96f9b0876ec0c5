"""Day 6 · Count subarrays with sum k (prefix sums + Counter)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import count_subarrays_with_sum


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    return f"{count_subarrays_with_sum(tok[2:2 + n], k)}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    a = tok[2:2 + n]
    return f"{sum(sum(a[i:j]) == k for i in range(n) for j in range(i + 1, n + 1))}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 20)
    a = [rng.randint(-3, 3) for _ in range(n)]
    return f"{n} {rng.randint(-4, 4)}\n{' '.join(map(str, a))}\n"


def large(rng: random.Random) -> str:
    n = 200_000
    return f"{n} {rng.randint(-5, 5)}\n{' '.join(str(rng.randint(-3, 3)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="subarray-sum-k", day=6, topic="prefix sums",
    title_en="Count subarrays with sum k", title_zh="和为 k 的子数组个数",
    statement_en=(
        "Count the non-empty contiguous pieces a[i..j] of an integer array (values may be "
        "negative or zero) whose elements add up to exactly k."),
    statement_zh="统计整数数组（可含负数和 0）中元素之和恰为 k 的非空连续子数组的个数。",
    input_format="Line 1: n k (n <= 2·10^5). Line 2: n integers.",
    output_format="One integer.",
    input_format_zh="第 1 行：n k（n <= 2·10^5）。第 2 行：n 个整数。",
    output_format_zh="一个整数。",
    examples=(("3 2\n1 1 1\n", "2\n"), ("4 0\n0 0 1 -1\n", "6\n")),
    similar_to="LeetCode 560",
    header=("Running prefix sum; add how many earlier prefixes equal sum - k (Counter seeded "
            "with {0: 1}): O(n). Edge cases: zeros and negatives (sliding windows fail); k = 0."),
    header_zh=(
        "维护前缀和；每一步加上此前有多少个前缀和等于 `sum - k`（`Counter` 初始为 `{0: 1}`）："
        "O(n)。边界情况：0 和负数（滑动窗口会失效）；k = 0。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
