"""Day 24 · Days until a warmer day (monotonic stack)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import next_greater


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    nxt = next_greater(tok[1:1 + tok[0]])
    return " ".join(str(j - i if j >= 0 else 0) for i, j in enumerate(nxt)) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    t = tok[1:1 + tok[0]]
    out = []
    for i in range(len(t)):
        out.append(next((j - i for j in range(i + 1, len(t)) if t[j] > t[i]), 0))
    return " ".join(map(str, out)) + "\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 20)
    return f"{n}\n{' '.join(str(rng.randint(30, 40)) for _ in range(n))}\n"


def large(rng: random.Random) -> str:
    n = 100_000  # mostly falling: each day waits long, the naive scan is quadratic
    vals = [n - i + rng.randint(0, 3) for i in range(n)]
    return f"{n}\n{' '.join(map(str, vals))}\n"


PROBLEM = Problem(
    id="daily-temperatures", day=24, topic="monotonic stack",
    title_en="Days until a warmer day", title_zh="每日温度",
    statement_en=(
        "For each day's temperature, print how many days you must wait until a strictly "
        "warmer day, or 0 if no warmer day follows."),
    statement_zh="对每天的温度，输出还要等几天才会出现严格更高的温度；之后没有更暖的日子则输出 0。",
    input_format="Line 1: n (n <= 10^5). Line 2: n integers.",
    output_format="One line: n integers.",
    input_format_zh="第 1 行：n（n <= 10^5）。第 2 行：n 个整数。",
    output_format_zh="一行：n 个整数。",
    examples=(("8\n73 74 75 71 69 72 76 73\n", "1 1 4 2 1 1 0 0\n"),),
    similar_to="LeetCode 739",
    header=("A stack of days still waiting, temperatures decreasing; a warmer day pops and "
            "answers them: O(n). Edge cases: equal temperatures are not warmer."),
    header_zh=(
        "栈中保存仍在等待的日子，温度从栈底到栈顶递减；更暖的一天到来时把它们弹出并给出答案：O(n)。"
        "边界情况：温度相同不算更暖。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
