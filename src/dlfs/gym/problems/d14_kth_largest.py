"""Day 14 · The k-th largest value (a size-k min-heap)."""

from __future__ import annotations

import heapq
import random

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    heap: list[int] = []
    for v in tok[2:2 + n]:
        if len(heap) < k:
            heapq.heappush(heap, v)
        elif v > heap[0]:
            heapq.heapreplace(heap, v)
    return f"{heap[0]}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    return f"{sorted(tok[2:2 + n], reverse=True)[k - 1]}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 20)
    return f"{n} {rng.randint(1, n)}\n{' '.join(str(rng.randint(-9, 9)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="kth-largest", day=14, topic="heapq",
    title_en="The k-th largest value", title_zh="第 k 大的数",
    statement_en=(
        "Print the value that would be at position k if the array were sorted from largest to "
        "smallest (duplicates count separately)."),
    statement_zh="若把数组从大到小排序，输出第 k 个位置上的值（重复值分别计数）。",
    input_format="Line 1: n k (1 <= k <= n). Line 2: n integers.",
    output_format="One integer.",
    input_format_zh="第 1 行：n k（1 <= k <= n）。第 2 行：n 个整数。",
    output_format_zh="一个整数。",
    examples=(("6 2\n3 2 1 5 6 4\n", "5\n"), ("4 3\n2 2 2 1\n", "2\n")),
    similar_to="LeetCode 215",
    header=("Keep the k largest in a min-heap; its root is the answer: O(n log k). "
            "Edge cases: duplicates; k = n (the minimum); k = 1 (the maximum)."),
    header_zh=(
        "用最小堆保留最大的 k 个数，堆顶就是答案：O(n log k)。边界情况：重复值；k = n（即最小值）；"
        "k = 1（即最大值）。"),
    solve=solve, brute=brute, generate=generate,
)
