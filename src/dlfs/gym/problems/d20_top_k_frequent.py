"""Day 20 · The k most frequent numbers (Counter + top_k)."""

from __future__ import annotations

import random
from collections import Counter

from ..problem import Problem
from ..templates import top_k


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    counts = Counter(tok[2:2 + n])
    best = top_k(sorted(counts.items()), k, key=lambda kv: kv[1])  # ties: smaller value first
    return " ".join(str(v) for v, _ in best) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    a = tok[2:2 + n]
    values = sorted(set(a), key=lambda v: (-a.count(v), v))
    return " ".join(map(str, values[:k])) + "\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 25)
    a = [rng.randint(-3, 5) for _ in range(n)]
    return f"{n} {rng.randint(1, len(set(a)))}\n{' '.join(map(str, a))}\n"


PROBLEM = Problem(
    id="top-k-frequent", day=20, topic="heapq",
    title_en="The k most frequent numbers", title_zh="前 k 个高频元素",
    statement_en=(
        "Print the k values that occur most often in an integer array, most frequent first; "
        "values that occur equally often are ordered from smallest to largest. k never "
        "exceeds the number of distinct values."),
    statement_zh=(
        "输出整数数组中出现次数最多的 k 个值，次数多的在前；次数相同的按数值从小到大。k 不超过不同"
        "值的个数。"),
    input_format="Line 1: n k. Line 2: n integers.",
    output_format="One line: k values.",
    input_format_zh="第 1 行：n k。第 2 行：n 个整数。",
    output_format_zh="一行：k 个值。",
    examples=(("6 2\n1 1 1 2 2 3\n", "1 2\n"), ("4 2\n5 -1 5 -1\n", "-1 5\n")),
    similar_to="LeetCode 347",
    header=("Counter, then a size-k heap over (count, value) items: O(n + u log k). "
            "Edge cases: ties (here: smaller value first); negative values."),
    header_zh=(
        "先用 `Counter` 计数，再对 `(count, value)` 项维护大小为 k 的堆：O(n + u log k)。边界情况："
        "次数相同（本题规定数值小的在前）；负数。"),
    solve=solve, brute=brute, generate=generate,
)
