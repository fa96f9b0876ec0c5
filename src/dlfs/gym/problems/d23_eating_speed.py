"""Day 23 · Slowest eating speed that finishes in time (binary search on the answer)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import first_true


def _hours(piles: list[int], speed: int) -> int:
    return sum((p + speed - 1) // speed for p in piles)


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, h = tok[0], tok[1]
    piles = tok[2:2 + n]
    return f"{first_true(1, max(piles) + 1, lambda k: _hours(piles, k) <= h)}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, h = tok[0], tok[1]
    piles = tok[2:2 + n]
    k = 1
    while _hours(piles, k) > h:
        k += 1
    return f"{k}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 6)
    piles = [rng.randint(1, 30) for _ in range(n)]
    return f"{n} {rng.randint(n, n + 10)}\n{' '.join(map(str, piles))}\n"


PROBLEM = Problem(
    id="eating-speed", day=23, topic="binary search",
    title_en="Slowest speed that finishes in time", title_zh="爱吃香蕉的珂珂",
    statement_en=(
        "There are n piles of bananas. Each hour you choose one pile and eat up to k bananas "
        "from it (if it has fewer, you finish it and wait for the hour to end). Find the "
        "smallest integer speed k that eats everything within h hours (h >= n)."),
    statement_zh=(
        "有 n 堆香蕉。每小时选一堆吃最多 k 根（不足 k 根则吃完该堆并等待这一小时结束）。求能在 h "
        "小时内（h >= n）吃完的最小整数速度 k。"),
    input_format="Line 1: n h. Line 2: n positive pile sizes.",
    output_format="One integer.",
    input_format_zh="第 1 行：n h。第 2 行：n 个正整数，即各堆的大小。",
    output_format_zh="一个整数。",
    examples=(("4 8\n3 6 7 11\n", "4\n"), ("5 5\n30 11 23 4 20\n", "30\n")),
    similar_to="LeetCode 875",
    header=("hours(k) = sum of ceil(p / k) falls as k grows: binary search k in [1, max]: "
            "O(n log max). Edge cases: h = n (answer max); ceil with (p + k - 1) // k."),
    header_zh=(
        "`hours(k)` = 所有 `ceil(p / k)` 之和，随 k 增大而减小：在 `[1, max]` 上二分 k："
        "`O(n log max)`。边界情况：h = n（答案为 `max`）；用 `(p + k - 1) // k` 向上取整。"),
    solve=solve, brute=brute, generate=generate,
)
