"""Day 3 · Shortest path in a maze (BFS with a deque)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import bfs_grid


def _parse(inp: str) -> tuple[list[str], tuple[int, int], tuple[int, int]]:
    lines = inp.split("\n")
    r, _ = map(int, lines[0].split())
    grid = [line.strip() for line in lines[1:1 + r]]
    cells = {ch: (i, j) for i, row in enumerate(grid) for j, ch in enumerate(row) if ch in "SE"}
    return grid, cells["S"], cells["E"]


def solve(inp: str) -> str:
    grid, start, end = _parse(inp)
    dist = bfs_grid(grid, [start], lambda ch: ch != "#")
    return f"{dist[end[0]][end[1]]}\n"


def brute(inp: str) -> str:
    grid, start, end = _parse(inp)
    rows, cols = len(grid), len(grid[0])
    frontier, seen, steps = {start}, {start}, 0
    while frontier:  # layer by layer with plain sets
        if end in frontier:
            return f"{steps}\n"
        nxt = set()
        for r, c in frontier:
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] != "#" \
                        and (nr, nc) not in seen:
                    nxt.add((nr, nc))
        seen |= nxt
        frontier, steps = nxt, steps + 1
    return "-1\n"


def generate(rng: random.Random) -> str:
    r, c = rng.randint(1, 7), rng.randint(2, 7)
    grid = [["#" if rng.random() < 0.3 else "." for _ in range(c)] for _ in range(r)]
    cells = rng.sample([(i, j) for i in range(r) for j in range(c)], 2)
    (si, sj), (ei, ej) = cells
    grid[si][sj], grid[ei][ej] = "S", "E"
    return f"{r} {c}\n" + "\n".join("".join(row) for row in grid) + "\n"


PROBLEM = Problem(
    id="maze-shortest-path", day=3, topic="deque",
    title_en="Shortest way out of a maze", title_zh="迷宫最短路",
    statement_en=(
        "A maze is a grid of r rows and c columns: '.' is open floor, '#' is a wall, 'S' is "
        "where you stand and 'E' is the exit (both open). Each step moves to one of the four "
        "neighbouring open cells. Print the fewest steps from S to E, or -1 if E cannot be "
        "reached."),
    statement_zh=(
        "迷宫是 r 行 c 列的网格：'.' 可走，'#' 是墙，'S' 为起点，'E' 为出口。每步可走到上下左右"
        "相邻的可走格子。输出从 S 到 E 的最少步数，无法到达则输出 -1。"),
    input_format="Line 1: r c. Next r lines: c characters from . # S E (one S, one E).",
    output_format="One integer.",
    input_format_zh=(
        "第 1 行：r c。接下来 r 行：每行 c 个字符，取自 . # S E（恰有一个 S、一个 E）。"),
    output_format_zh="一个整数。",
    examples=(("3 4\nS.#.\n.##.\n...E\n", "5\n"), ("1 3\nS#E\n", "-1\n")),
    similar_to="LeetCode 1091",
    header=("BFS with collections.deque: every cell enters the queue once, O(r·c). "
            "Edge cases: E unreachable (-1); S next to E; a single row."),
    header_zh=(
        "用 `collections.deque` 做 BFS：每个格子只入队一次，O(r·c)。边界情况：E 不可达（-1）；"
        "S 与 E 相邻；只有一行。"),
    solve=solve, brute=brute, generate=generate,
)
