"""Day 2 · How many nodes can a message reach (adjacency lists via defaultdict)."""

from __future__ import annotations

import random
from collections import defaultdict

from ..problem import Problem
from ..templates import bfs


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    m, s = tok[1], tok[2]
    graph: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(m):
        graph[tok[3 + 2 * i]].append(tok[4 + 2 * i])
    return f"{len(bfs(graph, s)) - 1}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, m, s = tok[0], tok[1], tok[2]
    edges = [(tok[3 + 2 * i], tok[4 + 2 * i]) for i in range(m)]
    reach = {s}
    for _ in range(n):  # grow the set until it stops changing
        reach |= {v for u, v in edges if u in reach}
    return f"{len(reach) - 1}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 10)
    m = rng.randint(0, 15)
    edges = [(rng.randint(1, n), rng.randint(1, n)) for _ in range(m)]
    body = "".join(f"{u} {v}\n" for u, v in edges)
    return f"{n} {m} {rng.randint(1, n)}\n{body}"


PROBLEM = Problem(
    id="reachable-count", day=2, topic="defaultdict",
    title_en="How far a message spreads", title_zh="消息能传给多少人",
    statement_en=(
        "There are n people numbered 1..n and m one-way links: a link u v means u forwards "
        "every message to v. Person s starts a message. How many other people eventually "
        "receive it? Links may repeat and may point from a person to themself."),
    statement_zh=(
        "有 n 个人（编号 1..n）和 m 条单向转发关系：u v 表示 u 会把消息转给 v。s 发出一条消息，"
        "最终有多少个其他人会收到？关系可能重复，也可能自己指向自己。"),
    input_format="Line 1: n m s. Next m lines: u v.",
    output_format="One integer: the number of people other than s that get the message.",
    input_format_zh="第 1 行：n m s。接下来 m 行：每行 u v。",
    output_format_zh="一个整数：除 s 以外收到消息的人数。",
    examples=(("5 4 1\n1 2\n2 3\n4 5\n3 1\n", "2\n"), ("3 0 2\n", "0\n")),
    header=("Build adjacency lists with defaultdict(list), then BFS: O(n + m). "
            "Edge cases: no links; self-loops; cycles back to s; isolated s."),
    header_zh=(
        "用 `defaultdict(list)` 建邻接表，再做 BFS：O(n + m)。边界情况：没有任何转发关系；自环；"
        "绕回 s 的环；s 是孤立的（没有人可转发）。"),
    solve=solve, brute=brute, generate=generate,
)
