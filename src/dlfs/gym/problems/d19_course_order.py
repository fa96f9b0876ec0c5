"""Day 19 · An order for courses with prerequisites (topological sort)."""

from __future__ import annotations

import random
from itertools import permutations

from ..problem import Problem
from ..templates import topo_sort


def _parse(inp: str) -> tuple[int, list[tuple[int, int]]]:
    tok = list(map(int, inp.split()))
    n, m = tok[0], tok[1]
    return n, [(tok[2 + 2 * i] - 1, tok[3 + 2 * i] - 1) for i in range(m)]


def solve(inp: str) -> str:
    n, edges = _parse(inp)
    try:
        order = topo_sort(n, edges)
    except ValueError:
        return "IMPOSSIBLE\n"
    return " ".join(str(u + 1) for u in order) + "\n"


def brute(inp: str) -> str:
    n, edges = _parse(inp)
    for perm in permutations(range(n)):  # lexicographic order: the first valid one wins
        pos = {u: i for i, u in enumerate(perm)}
        if all(pos[u] < pos[v] for u, v in edges):
            return " ".join(str(u + 1) for u in perm) + "\n"
    return "IMPOSSIBLE\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 6)
    m = rng.randint(0, 7)
    edges = []
    for _ in range(m):
        u, v = rng.sample(range(1, n + 1), 2) if n > 1 else (1, 1)
        if rng.random() < 0.85 and u > v:
            u, v = v, u  # mostly forward edges, so that many cases have an answer
        edges.append(f"{u} {v}")
    return f"{n} {m}\n" + "".join(e + "\n" for e in edges)


PROBLEM = Problem(
    id="course-order", day=19, topic="graphs",
    title_en="An order for the courses", title_zh="课程表排序",
    statement_en=(
        "There are n courses numbered 1..n and m rules a b, each meaning course a must be "
        "taken before course b. Print an order that takes every course once and obeys all "
        "rules; if several exist, print the one that is smallest when compared number by "
        "number. Print IMPOSSIBLE if the rules contain a cycle."),
    statement_zh=(
        "有 n 门课（编号 1..n）和 m 条规则 a b，表示 a 必须在 b 之前学。输出一个满足全部规则的学习"
        "顺序；"
        "若有多个，输出逐项比较最小的那个；若规则成环，输出 IMPOSSIBLE。"),
    input_format="Line 1: n m. Next m lines: a b.",
    output_format="One line: n course numbers, or IMPOSSIBLE.",
    input_format_zh="第 1 行：n m。接下来 m 行：每行 a b。",
    output_format_zh="一行：n 个课程编号，或 `IMPOSSIBLE`。",
    examples=(("4 3\n3 1\n1 2\n4 2\n", "3 1 4 2\n"), ("2 2\n1 2\n2 1\n", "IMPOSSIBLE\n")),
    similar_to="LeetCode 210",
    header=("Kahn's algorithm with a min-heap of ready courses gives the smallest order: "
            "O((n + m) log n). Edge cases: a cycle (fewer than n courses come out); "
            "a rule a a; repeated rules."),
    header_zh=(
        "Kahn 算法，用最小堆存放当前可学的课程，得到的就是最小的顺序：O((n + m) log n)。边界情况："
        "有环（输出的课程少于 n 门）；规则 a a；重复的规则。"),
    solve=solve, brute=brute, generate=generate,
)
