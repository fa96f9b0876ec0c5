"""Day 26 · Fewest coins for an amount (DP over amounts)."""

from __future__ import annotations

import random
from itertools import combinations_with_replacement

from ..problem import Problem
from ..templates import coin_change_min


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, amount = tok[0], tok[1]
    return f"{coin_change_min(tok[2:2 + n], amount)}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, amount = tok[0], tok[1]
    coins = tok[2:2 + n]
    for count in range(amount + 1):
        if any(sum(c) == amount for c in combinations_with_replacement(coins, count)):
            return f"{count}\n"
    return "-1\n"


def generate(rng: random.Random) -> str:
    coins = rng.sample(range(2, 12), rng.randint(1, 3))
    return f"{len(coins)} {rng.randint(0, 25)}\n{' '.join(map(str, coins))}\n"


def large(rng: random.Random) -> str:
    coins = rng.sample(range(3, 200), 8)
    return f"8 10000\n{' '.join(map(str, coins))}\n"


PROBLEM = Problem(
    id="coin-change", day=26, topic="dynamic programming",
    title_en="Fewest coins for an amount", title_zh="零钱兑换",
    statement_en=(
        "With an unlimited supply of coins of the given values, what is the smallest number "
        "of coins that add up to exactly the amount? Print -1 if it cannot be done."),
    statement_zh=(
        "每种面值的硬币都有无限个，凑出恰好等于金额所需的最少硬币数是多少？无法凑出则输出 -1。"),
    input_format=("Line 1: n amount (n <= 10, amount <= 10^4). "
                  "Line 2: n distinct positive coin values."),
    output_format="One integer.",
    input_format_zh=(
        "第 1 行：`n amount`（n <= 10，`amount <= 10^4`）。第 2 行：n 个互不相同的正整数面值。"),
    output_format_zh="一个整数。",
    examples=(("3 11\n1 2 5\n", "3\n"), ("1 3\n2\n", "-1\n"), ("1 0\n7\n", "0\n")),
    similar_to="LeetCode 322",
    header=("best[a] = 1 + min over coins of best[a - c]: O(n · amount). Edge cases: "
            "amount 0 needs 0 coins; impossible amounts; greedy by largest coin is wrong "
            "(coins 1 3 4, amount 6)."),
    header_zh=(
        "`best[a]` = 1 + 对所有面值 c 取 `best[a - c]` 的最小值：`O(n · amount)`。边界情况："
        "金额为 0 时需要 0 枚硬币；凑不出的金额；总拿最大面值的贪心是错的（面值 1 3 4，金额 6）。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
