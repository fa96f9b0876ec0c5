"""Day 23 · Smallest ship that delivers on time (binary search on the answer)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import first_true


def _days_needed(weights: list[int], cap: int) -> int:
    days, load = 1, 0
    for w in weights:
        if load + w > cap:
            days, load = days + 1, 0
        load += w
    return days


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, d = tok[0], tok[1]
    w = tok[2:2 + n]
    return f"{first_true(max(w), sum(w) + 1, lambda cap: _days_needed(w, cap) <= d)}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, d = tok[0], tok[1]
    w = tok[2:2 + n]
    cap = max(w)
    while _days_needed(w, cap) > d:  # try every capacity upwards
        cap += 1
    return f"{cap}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 10)
    return f"{n} {rng.randint(1, n)}\n{' '.join(str(rng.randint(1, 12)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="ship-capacity", day=23, topic="binary search",
    title_en="Smallest ship that delivers on time", title_zh="在 D 天内送达的最低运载能力",
    statement_en=(
        "Packages with weights w1..wn must be shipped in this order within d days. Each day "
        "the ship loads the next packages in line as long as their total weight stays within "
        "its capacity. What is the smallest capacity that finishes within d days?"),
    statement_zh=(
        "重量为 w1..wn 的包裹须按顺序在 d 天内运完。每天船按顺序装载，只要总重不超过运载能力。能在"
        " d 天内运完的最小运载能力是多少？"),
    input_format="Line 1: n d (1 <= d <= n). Line 2: n positive weights.",
    output_format="One integer.",
    input_format_zh="第 1 行：n d（1 <= d <= n）。第 2 行：n 个正整数重量。",
    output_format_zh="一个整数。",
    examples=(("10 5\n1 2 3 4 5 6 7 8 9 10\n", "15\n"), ("4 3\n3 2 2 4\n", "4\n")),
    similar_to="LeetCode 1011",
    header=("days_needed(cap) only falls as cap grows: binary search cap in "
            "[max(w), sum(w)]: O(n log sum). Edge cases: lower bound is max(w), not 1; d = n; "
            "d = 1 (answer sum)."),
    header_zh=(
        "`days_needed(cap)` 随 `cap` 增大只减不增：在 `[max(w), sum(w)]` 上二分 `cap`："
        "`O(n log sum)`。边界情况：下界是 `max(w)`，不是 1；d = n；d = 1（答案为 `sum(w)`）。"),
    solve=solve, brute=brute, generate=generate,
)
