"""Day 27 · Pack the most valuable bag (0/1 knapsack)."""

from __future__ import annotations

import random
from itertools import combinations

from ..problem import Problem
from ..templates import knapsack_01


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, cap = tok[0], tok[1]
    w = [tok[2 + 2 * i] for i in range(n)]
    v = [tok[3 + 2 * i] for i in range(n)]
    return f"{knapsack_01(w, v, cap)}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, cap = tok[0], tok[1]
    items = [(tok[2 + 2 * i], tok[3 + 2 * i]) for i in range(n)]
    best = max(sum(v for _, v in c) for r in range(n + 1) for c in combinations(items, r)
               if sum(w for w, _ in c) <= cap)
    return f"{best}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 8)
    rows = [f"{rng.randint(1, 10)} {rng.randint(0, 20)}" for _ in range(n)]
    return f"{n} {rng.randint(0, 25)}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="knapsack", day=27, topic="dynamic programming",
    title_en="Pack the most valuable bag", title_zh="0/1 背包",
    statement_en=(
        "Each of n items has a weight and a value. Choose some items, each at most once, "
        "with total weight at most the capacity, so that their total value is as large as "
        "possible. Print that value. Talk it through first: state, transition, order of "
        "the loop."),
    statement_zh=(
        "n 件物品各有重量与价值。每件至多选一次，总重量不超过容量，使总价值最大，输出该价值。先讲"
        "清楚：状态、转移、循环顺序。"),
    input_format="Line 1: n capacity. Next n lines: weight value.",
    output_format="One integer.",
    input_format_zh=(
        "第 1 行：`n capacity`（物品数与容量）。接下来 n 行：每行 `weight value`（重量与价值）。"),
    output_format_zh="一个整数。",
    examples=(("3 4\n1 15\n3 20\n4 30\n", "35\n"), ("1 0\n1 5\n", "0\n")),
    similar_to="the classic 0/1 knapsack",
    similar_to_zh="经典的 0/1 背包问题",
    header=("best[c] over capacities, items outer, capacity loop downwards so each item is "
            "used once: O(n · capacity). Edge cases: capacity 0; an upward loop silently "
            "solves the unbounded version instead."),
    header_zh=(
        "对各个容量 c 维护 `best[c]`，外层循环物品，内层容量从大到小循环，使每件物品只用一次："
        "`O(n · capacity)`。边界情况：容量为 0；若容量从小到大循环，"
        "会悄悄变成求解每件物品可选无限次的完全背包。"),
    solve=solve, brute=brute, generate=generate,
)
