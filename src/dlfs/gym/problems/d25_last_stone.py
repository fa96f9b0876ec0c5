"""Day 25 · Smash the two heaviest stones (a max-heap)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import MaxHeap


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    heap = MaxHeap(tok[1:1 + tok[0]])
    while len(heap) > 1:
        a, b = heap.pop(), heap.pop()
        if a != b:
            heap.push(a - b)
    return f"{heap.pop() if len(heap) else 0}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    stones = tok[1:1 + tok[0]]
    while len(stones) > 1:
        stones.sort()
        a, b = stones.pop(), stones.pop()
        if a != b:
            stones.append(a - b)
    return f"{stones[0] if stones else 0}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 12)
    return f"{n}\n{' '.join(str(rng.randint(1, 20)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="last-stone", day=25, topic="heapq",
    title_en="Smash the two heaviest stones", title_zh="最后一块石头的重量",
    statement_en=(
        "Repeatedly take the two heaviest stones and smash them together: equal weights "
        "destroy both, otherwise one stone remains weighing the difference. When at most one "
        "stone is left, print its weight (0 if none is left)."),
    statement_zh=(
        "反复取出最重的两块石头相撞：重量相同则都粉碎，否则剩下一块重量为两者之差的石头。最后至多"
        "剩一块，输出其重量（没有则输出 0）。"),
    input_format="Line 1: n. Line 2: n positive weights.",
    output_format="One integer.",
    input_format_zh="第 1 行：n。第 2 行：n 个正整数重量。",
    output_format_zh="一个整数。",
    examples=(("6\n2 7 4 1 8 1\n", "1\n"), ("2\n3 3\n", "0\n")),
    similar_to="LeetCode 1046",
    header=("A max-heap (heapq with negated values or dlfs MaxHeap): O(n log n). "
            "Edge cases: all stones destroyed (0); a single stone."),
    header_zh=(
        "最大堆（对取负后的值用 `heapq`，或用 dlfs 的 `MaxHeap`）：O(n log n)。边界情况："
        "石头全部粉碎（0）；只有一块石头。"),
    solve=solve, brute=brute, generate=generate,
)
