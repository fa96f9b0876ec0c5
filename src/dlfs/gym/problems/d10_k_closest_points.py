"""Day 10 · The k points closest to the origin (heapq.nsmallest)."""

from __future__ import annotations

import heapq
import random

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    pts = [(tok[2 + 2 * i], tok[3 + 2 * i], i) for i in range(n)]
    best = heapq.nsmallest(k, pts, key=lambda p: (p[0] ** 2 + p[1] ** 2, p[2]))
    return "\n".join(f"{x} {y}" for x, y, _ in best) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    pts = [(tok[2 + 2 * i], tok[3 + 2 * i]) for i in range(n)]
    order = sorted(range(n), key=lambda i: (pts[i][0] ** 2 + pts[i][1] ** 2, i))
    return "\n".join(f"{pts[i][0]} {pts[i][1]}" for i in order[:k]) + "\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 12)
    rows = [f"{rng.randint(-4, 4)} {rng.randint(-4, 4)}" for _ in range(n)]
    return f"{n} {rng.randint(1, n)}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="k-closest-points", day=10, topic="heapq",
    title_en="The k points closest to the origin", title_zh="离原点最近的 k 个点",
    statement_en=(
        "Given n points with integer coordinates, print the k closest to (0, 0) by straight-"
        "line distance, closest first. Points at equal distance keep their input order."),
    statement_zh="给定 n 个整点，按到原点的距离从近到远输出最近的 k 个；距离相同的按输入顺序。",
    input_format="Line 1: n k (1 <= k <= n). Next n lines: x y.",
    output_format="k lines: x y.",
    input_format_zh="第 1 行：n k（1 <= k <= n）。接下来 n 行：每行 x y。",
    output_format_zh="k 行：每行 x y。",
    examples=(("3 2\n3 3\n5 -1\n-2 4\n", "3 3\n-2 4\n"), ("2 1\n1 0\n0 1\n", "1 0\n")),
    similar_to="LeetCode 973",
    header=("Compare squared distances (no sqrt, exact ints); heapq.nsmallest with the index "
            "as tie-break: O(n log k). Edge cases: ties; duplicate points; k = n."),
    header_zh=(
        "比较距离的平方（不开方，全是精确的整数）；用 `heapq.nsmallest`，距离相同时以下标决定先后："
        "O(n log k)。边界情况：距离相同；重复的点；k = n。"),
    solve=solve, brute=brute, generate=generate,
)
