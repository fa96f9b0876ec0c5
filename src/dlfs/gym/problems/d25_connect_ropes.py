"""Day 25 · Cheapest way to join ropes (greedy with a min-heap)."""

from __future__ import annotations

import heapq
import random
from functools import cache

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    heap = tok[1:1 + tok[0]]
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        joined = heapq.heappop(heap) + heapq.heappop(heap)
        cost += joined
        heapq.heappush(heap, joined)
    return f"{cost}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))

    @cache
    def best(ropes: tuple[int, ...]) -> int:  # try every pair to join next
        if len(ropes) <= 1:
            return 0
        out = None
        for i in range(len(ropes)):
            for j in range(i + 1, len(ropes)):
                rest = ropes[:i] + ropes[i + 1:j] + ropes[j + 1:]
                joined = ropes[i] + ropes[j]
                c = joined + best(tuple(sorted((*rest, joined))))
                out = c if out is None else min(out, c)
        return out

    return f"{best(tuple(sorted(tok[1:1 + tok[0]])))}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 6)
    return f"{n}\n{' '.join(str(rng.randint(1, 20)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="connect-ropes", day=25, topic="heapq",
    title_en="Cheapest way to join ropes", title_zh="连接绳子的最小代价",
    statement_en=(
        "You may join two ropes into one; it costs the sum of their lengths. Join all n "
        "ropes into a single rope at the smallest possible total cost."),
    statement_zh=(
        "每次可以把两根绳子接成一根，代价为两者长度之和。把 n 根绳子接成一根，求最小总代价。"),
    input_format="Line 1: n. Line 2: n positive lengths.",
    output_format="One integer.",
    input_format_zh="第 1 行：n。第 2 行：n 个正整数长度。",
    output_format_zh="一个整数。",
    examples=(("4\n4 3 2 6\n", "29\n"), ("1\n5\n", "0\n")),
    similar_to="LeetCode 1167 (Huffman coding)",
    similar_to_zh="LeetCode 1167（哈夫曼编码）",
    header=("Always join the two shortest (Huffman's argument): a min-heap, O(n log n). "
            "Edge cases: a single rope costs 0; sorting once is not enough (joined ropes "
            "re-enter the pool)."),
    header_zh=(
        "每次都连接最短的两根（与哈夫曼编码同样的论证）：用最小堆，O(n log n)。边界情况："
        "只有一根绳子时代价为 0；只排序一次不够（接成的绳子要放回去重新参与挑选）。"),
    solve=solve, brute=brute, generate=generate,
)
