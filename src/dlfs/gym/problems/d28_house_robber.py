"""Day 28 · Best haul without adjacent houses (DP with two variables)."""

from __future__ import annotations

import random
from itertools import product

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    take, skip = 0, 0  # best totals whose last house is taken / not taken
    for v in tok[1:1 + tok[0]]:
        take, skip = skip + v, max(take, skip)
    return f"{max(take, skip)}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    a = tok[1:1 + tok[0]]
    best = 0
    for pick in product((0, 1), repeat=len(a)):
        if all(not (x and y) for x, y in zip(pick, pick[1:])):
            best = max(best, sum(v for v, p in zip(a, pick) if p))
    return f"{best}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 12)
    return f"{n}\n{' '.join(str(rng.randint(0, 20)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="house-robber", day=28, topic="dynamic programming",
    title_en="Best haul without neighbours", title_zh="打家劫舍",
    statement_en=(
        "Houses stand in a row, each holding some money. You may take money from any set of "
        "houses as long as no two chosen houses are next to each other. What is the largest "
        "total you can collect?"),
    statement_zh=(
        "一排房子各有一定金额。可以从任意一组房子取钱，但不能选相邻的两间。最多能拿到多少？"),
    input_format="Line 1: n (>= 1). Line 2: n non-negative integers.",
    output_format="One integer.",
    input_format_zh="第 1 行：n（>= 1）。第 2 行：n 个非负整数。",
    output_format_zh="一个整数。",
    examples=(("5\n2 7 9 3 1\n", "12\n"), ("1\n4\n", "4\n")),
    similar_to="LeetCode 198",
    header=("take/skip pair rolled along the row: O(n) time, O(1) memory. "
            "Edge cases: n = 1; zeros; taking every other house is not always best (2 1 1 2)."),
    header_zh=(
        "沿着这排房子滚动维护 `take`/`skip` 两个值：时间 O(n)，内存 O(1)。边界情况：n = 1；"
        "金额为 0 的房子；隔一间取一间并不总是最优（2 1 1 2）。"),
    solve=solve, brute=brute, generate=generate,
)
