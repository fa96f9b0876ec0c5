"""Day 21 · Friendship groups online (union-find)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import UnionFind


def solve(inp: str) -> str:
    lines = inp.split("\n")
    n, q = map(int, lines[0].split())
    uf = UnionFind(n + 1)
    out = []
    for line in lines[1:1 + q]:
        op, *args = line.split()
        if op == "link":
            uf.union(int(args[0]), int(args[1]))
        elif op == "same":
            out.append("YES" if uf.connected(int(args[0]), int(args[1])) else "NO")
        else:
            out.append(str(uf.size(int(args[0]))))
    return "\n".join(out) + "\n"


def brute(inp: str) -> str:
    lines = inp.split("\n")
    n, q = map(int, lines[0].split())
    label = list(range(n + 1))  # relabel a whole group on every link
    out = []
    for line in lines[1:1 + q]:
        op, *args = line.split()
        a = int(args[0])
        if op == "link":
            old, new = label[int(args[1])], label[a]
            label = [new if x == old else x for x in label]
        elif op == "same":
            out.append("YES" if label[a] == label[int(args[1])] else "NO")
        else:
            out.append(str(label.count(label[a])))
    return "\n".join(out) + "\n"


def generate(rng: random.Random) -> str:
    n, q = rng.randint(1, 8), rng.randint(1, 12)
    rows = []
    for _ in range(q):
        op = rng.choice(["link", "same", "size"])
        a, b = rng.randint(1, n), rng.randint(1, n)
        rows.append(f"size {a}" if op == "size" else f"{op} {a} {b}")
    return f"{n} {q}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="friend-groups", day=21, topic="union-find",
    title_en="Friendship groups", title_zh="朋友圈",
    statement_en=(
        "n people (1..n) start as strangers. Process q commands in order: `link a b` makes "
        "a and b friends (friendship is transitive: friends of friends share one group); "
        "`same a b` asks whether a and b are in the same group; `size a` asks how many "
        "people are in a's group."),
    statement_zh=(
        "n 个人（1..n）起初互不认识。依次处理 q 条命令：`link a b` 使 a 与 b 成为朋友（朋友的朋友"
        "同属一组）；"
        "`same a b` 询问两人是否同组；`size a` 询问 a 所在组的人数。"),
    input_format="Line 1: n q. Next q lines: link a b | same a b | size a.",
    output_format="One line per same (YES/NO) or size (an integer) command.",
    input_format_zh="第 1 行：n q。接下来 q 行：每行一条命令，`link a b`、`same a b` 或 `size a`。",
    output_format_zh="每条 `same` 命令（`YES`/`NO`）或 `size` 命令（一个整数）输出一行。",
    examples=(("4 5\nlink 1 2\nsame 1 3\nlink 3 2\nsame 1 3\nsize 2\n", "NO\nYES\n3\n"),),
    similar_to="LeetCode 547",
    header=("Union-find with path compression and union by size: nearly O(1) per command. "
            "Edge cases: link a a; linking two people already in one group; size of a "
            "loner is 1."),
    header_zh=(
        "并查集，带路径压缩和按大小合并：每条命令近乎 O(1)。边界情况：`link a a`；"
        "连接两个已在同一组的人；独自一人的组大小为 1。"),
    solve=solve, brute=brute, generate=generate,
)
