"""Day 19 · Count islands (flood fill with BFS/DFS)."""

from __future__ import annotations

import random
from collections import deque

from ..problem import Problem
from ..templates import UnionFind


def _parse(inp: str) -> list[str]:
    lines = inp.split("\n")
    r = int(lines[0].split()[0])
    return [line.strip() for line in lines[1:1 + r]]


def solve(inp: str) -> str:
    grid = _parse(inp)
    rows, cols = len(grid), len(grid[0])
    seen = [[False] * cols for _ in range(rows)]
    islands = 0
    for i in range(rows):
        for j in range(cols):
            if grid[i][j] != "1" or seen[i][j]:
                continue
            islands += 1
            seen[i][j] = True
            queue = deque([(i, j)])
            while queue:  # flood the whole island
                r, c = queue.popleft()
                for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                    if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] == "1" \
                            and not seen[nr][nc]:
                        seen[nr][nc] = True
                        queue.append((nr, nc))
    return f"{islands}\n"


def brute(inp: str) -> str:
    grid = _parse(inp)
    rows, cols = len(grid), len(grid[0])
    uf = UnionFind(rows * cols)
    for i in range(rows):
        for j in range(cols):
            if grid[i][j] == "1":
                if i + 1 < rows and grid[i + 1][j] == "1":
                    uf.union(i * cols + j, (i + 1) * cols + j)
                if j + 1 < cols and grid[i][j + 1] == "1":
                    uf.union(i * cols + j, i * cols + j + 1)
    roots = {uf.find(i * cols + j) for i in range(rows) for j in range(cols) if grid[i][j] == "1"}
    return f"{len(roots)}\n"


def generate(rng: random.Random) -> str:
    r, c = rng.randint(1, 6), rng.randint(1, 6)
    rows = ["".join("1" if rng.random() < 0.45 else "0" for _ in range(c)) for _ in range(r)]
    return f"{r} {c}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="count-islands", day=19, topic="graphs",
    title_en="Count the islands", title_zh="岛屿数量",
    statement_en=(
        "A map of r rows and c columns marks land with 1 and water with 0. Land cells that "
        "touch through a side (not a corner) belong to the same island. How many islands "
        "are there?"),
    statement_zh=(
        "r 行 c 列的地图中 1 表示陆地、0 表示水。通过上下左右相邻（不含对角）的陆地属于同一个岛屿"
        "。共有多少个岛屿？"),
    input_format="Line 1: r c. Next r lines: c characters 0 or 1.",
    output_format="One integer.",
    input_format_zh="第 1 行：r c。接下来 r 行：每行 c 个字符，为 0 或 1。",
    output_format_zh="一个整数。",
    examples=(("4 5\n11000\n11000\n00100\n00011\n", "3\n"), ("2 2\n10\n01\n", "2\n")),
    similar_to="LeetCode 200",
    header=("Flood-fill each unseen land cell with BFS (or union-find): O(r·c). "
            "Edge cases: diagonal neighbours do not connect; all water; recursion depth of a "
            "recursive DFS on a big island."),
    header_zh=(
        "对每个尚未访问的陆地格子用 BFS（或并查集）做洪水填充：O(r·c)。边界情况：对角相邻不算连通；"
        "全是水；在大岛上递归 DFS 时的递归深度。"),
    solve=solve, brute=brute, generate=generate,
)
