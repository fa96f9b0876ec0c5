"""Day 11 · How many values fall in a range (bisect on a sorted copy)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import lower_bound, upper_bound


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, q = tok[0], tok[1]
    a = sorted(tok[2:2 + n])
    qs = tok[2 + n:2 + n + 2 * q]
    counts = [max(0, upper_bound(a, hi) - lower_bound(a, lo)) for lo, hi in zip(qs[::2], qs[1::2])]
    return "\n".join(map(str, counts)) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, q = tok[0], tok[1]
    a = tok[2:2 + n]
    qs = tok[2 + n:]
    return "\n".join(str(sum(qs[2 * i] <= v <= qs[2 * i + 1] for v in a)) for i in range(q)) + "\n"


def generate(rng: random.Random) -> str:
    n, q = rng.randint(1, 15), rng.randint(1, 6)
    a = [rng.randint(-10, 10) for _ in range(n)]
    rows = []
    for _ in range(q):
        lo = rng.randint(-12, 12)
        rows.append(f"{lo} {lo + rng.randint(-2, 10)}")
    return f"{n} {q}\n{' '.join(map(str, a))}\n" + "\n".join(rows) + "\n"


def large(rng: random.Random) -> str:
    n = q = 100_000
    vals = " ".join(str(rng.randint(-10**9, 10**9)) for _ in range(n))
    rows = []
    for _ in range(q):
        lo = rng.randint(-10**9, 10**9)
        rows.append(f"{lo} {lo + rng.randint(0, 10**8)}")
    return f"{n} {q}\n{vals}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="count-in-range", day=11, topic="bisect",
    title_en="How many values fall in a range", title_zh="区间计数",
    statement_en=(
        "You are given n integers and q questions. Question lo hi asks how many of the "
        "integers v satisfy lo <= v <= hi. If lo > hi the answer is 0."),
    statement_zh=(
        "给定 n 个整数与 q 个询问。询问 lo hi：有多少个数 v 满足 lo <= v <= hi？若 lo > hi 答案为 "
        "0。"),
    input_format="Line 1: n q (both <= 10^5). Line 2: n integers. Next q lines: lo hi.",
    output_format="q lines, one count each.",
    input_format_zh="第 1 行：n q（均 <= 10^5）。第 2 行：n 个整数。接下来 q 行：每行 `lo hi`。",
    output_format_zh="q 行，每行一个计数。",
    examples=(("5 3\n1 5 2 5 9\n2 5\n6 8\n9 1\n", "3\n0\n0\n"),),
    header=("Sort once, then bisect_right(hi) - bisect_left(lo) per question: "
            "O((n + q) log n). Edge cases: lo > hi makes the difference negative, clamp it "
            "at 0; duplicates on the borders."),
    header_zh=(
        "先排序一次，每个询问计算 `bisect_right(hi) - bisect_left(lo)`：O((n + q) log n)。"
        "边界情况：`lo > hi` 时差为负数，要截为 0；边界上的重复值。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
