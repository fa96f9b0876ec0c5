"""Day 20 · How long a signal takes to reach everyone (Dijkstra)."""

from __future__ import annotations

import random
from collections import defaultdict

from ..problem import Problem
from ..templates import dijkstra


def _parse(inp: str) -> tuple[int, int, list[tuple[int, int, int]]]:
    tok = list(map(int, inp.split()))
    n, m, s = tok[0], tok[1], tok[2]
    return n, s, [tuple(tok[3 + 3 * i:6 + 3 * i]) for i in range(m)]


def solve(inp: str) -> str:
    n, s, edges = _parse(inp)
    graph: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    for u, v, w in edges:
        graph[u].append((v, w))
    dist = dijkstra(graph, s)
    return f"{max(dist.values()) if len(dist) == n else -1}\n"


def brute(inp: str) -> str:
    n, s, edges = _parse(inp)
    inf = float("inf")
    dist = [inf] * (n + 1)
    dist[s] = 0
    for _ in range(n - 1):  # Bellman-Ford
        for u, v, w in edges:
            if dist[u] + w < dist[v]:
                dist[v] = dist[u] + w
    worst = max(dist[1:])
    return f"{-1 if worst == inf else int(worst)}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 7)
    m = rng.randint(0, 14)
    rows = [f"{rng.randint(1, n)} {rng.randint(1, n)} {rng.randint(0, 9)}" for _ in range(m)]
    return f"{n} {m} {rng.randint(1, n)}\n" + "".join(r + "\n" for r in rows)


PROBLEM = Problem(
    id="network-delay", day=20, topic="graphs",
    title_en="Time for a signal to reach everyone", title_zh="网络延迟时间",
    statement_en=(
        "A network has n nodes (1..n) and m one-way links u v w: a signal sent from u reaches "
        "v after w time units (w >= 0). Node s sends a signal at time 0. When has every node "
        "received it? Print -1 if some node never does."),
    statement_zh=(
        "网络有 n 个节点（1..n）和 m 条单向链路 u v w：信号从 u 出发 w 个时间单位后到达 v（w >= 0"
        "）。s 在时刻 0 发出信号，所有节点何时都能收到？若有节点收不到，输出 -1。"),
    input_format="Line 1: n m s. Next m lines: u v w.",
    output_format="One integer.",
    input_format_zh="第 1 行：n m s。接下来 m 行：每行 u v w。",
    output_format_zh="一个整数。",
    examples=(("4 3 2\n2 1 1\n2 3 1\n3 4 1\n", "2\n"), ("2 1 2\n1 2 1\n", "-1\n")),
    similar_to="LeetCode 743",
    header=("Dijkstra with a heap, answer = the largest distance: O((n + m) log n). "
            "Edge cases: unreachable node (-1); zero-weight links; parallel links; n = 1 (0)."),
    header_zh=(
        "用堆实现 Dijkstra 算法，答案 = 最大的最短距离：O((n + m) log n)。边界情况："
        "有节点不可达（-1）；权重为 0 的链路；平行链路；n = 1（答案为 0）。"),
    solve=solve, brute=brute, generate=generate,
)
