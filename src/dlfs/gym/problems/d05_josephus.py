"""Day 5 · Counting-out game (deque.rotate)."""

from __future__ import annotations

import random
from collections import deque

from ..problem import Problem


def solve(inp: str) -> str:
    n, k = map(int, inp.split())
    circle = deque(range(1, n + 1))
    out = []
    while circle:
        circle.rotate(-(k - 1))  # the k-th person moves to the front
        out.append(circle.popleft())
    return " ".join(map(str, out)) + "\n"


def brute(inp: str) -> str:
    n, k = map(int, inp.split())
    alive = list(range(1, n + 1))
    pos, out = 0, []
    while alive:
        pos = (pos + k - 1) % len(alive)
        out.append(alive.pop(pos))
    return " ".join(map(str, out)) + "\n"


def generate(rng: random.Random) -> str:
    return f"{rng.randint(1, 20)} {rng.randint(1, 25)}\n"


PROBLEM = Problem(
    id="counting-out", day=5, topic="deque",
    title_en="The counting-out game", title_zh="报数出圈",
    statement_en=(
        "n people numbered 1..n stand in a circle. Starting from person 1, they count 1, 2, "
        "…; whoever says k leaves the circle, and counting restarts at 1 with the next "
        "person. Print the numbers of the people in the order they leave."),
    statement_zh=(
        "n 个人（编号 1..n）围成一圈，从 1 号开始报数，报到 k 的人出圈，下一个人重新从 1 开始报数"
        "。按出圈顺序输出编号。"),
    input_format="One line: n k (n >= 1, k >= 1).",
    output_format="One line: n integers.",
    input_format_zh="一行：n k（n >= 1，k >= 1）。",
    output_format_zh="一行：n 个整数。",
    examples=(("5 2\n", "2 4 1 5 3\n"), ("3 1\n", "1 2 3\n")),
    similar_to="the Josephus problem",
    similar_to_zh="约瑟夫问题",
    header=("deque.rotate(-(k-1)) then popleft: O(n·min(k, n)). "
            "Edge cases: k = 1; k larger than n (count wraps around several times)."),
    header_zh=(
        "先 `deque.rotate(-(k-1))`，再 `popleft()`：O(n·min(k, n))。边界情况：k = 1；"
        "k 大于 n（报数要绕好几圈）。"),
    solve=solve, brute=brute, generate=generate,
)
