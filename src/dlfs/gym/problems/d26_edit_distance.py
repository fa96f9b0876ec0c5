"""Day 26 · Edit distance (DP over two prefixes)."""

from __future__ import annotations

import random
from functools import cache

from ..problem import Problem
from ..templates import edit_distance


def solve(inp: str) -> str:
    a, b = inp.split()[:2]
    return f"{edit_distance(a, b)}\n"


def brute(inp: str) -> str:
    a, b = inp.split()[:2]

    @cache
    def go(i: int, j: int) -> int:
        if i == len(a) or j == len(b):
            return len(a) - i + len(b) - j
        if a[i] == b[j]:
            return go(i + 1, j + 1)
        return 1 + min(go(i + 1, j), go(i, j + 1), go(i + 1, j + 1))

    return f"{go(0, 0)}\n"


def generate(rng: random.Random) -> str:
    w = lambda: "".join(rng.choice("abc") for _ in range(rng.randint(1, 7)))
    return f"{w()} {w()}\n"


PROBLEM = Problem(
    id="edit-distance", day=26, topic="dynamic programming",
    title_en="Edit distance", title_zh="编辑距离",
    statement_en=(
        "One edit inserts a letter, deletes a letter, or replaces a letter with another. "
        "What is the fewest edits that turn word a into word b?"),
    statement_zh="一次编辑可以插入、删除或替换一个字母。把单词 a 变成单词 b 最少需要多少次编辑？",
    input_format="One line: a b (non-empty words).",
    output_format="One integer.",
    input_format_zh="一行：a b（均为非空单词）。",
    output_format_zh="一个整数。",
    examples=(("horse ros\n", "3\n"), ("intention execution\n", "5\n"), ("same same\n", "0\n")),
    similar_to="LeetCode 72",
    header=("d[i][j] = edits between prefixes a[:i] and b[:j], one row at a time: "
            "O(|a|·|b|). Edge cases: equal words; one word a prefix of the other."),
    header_zh=(
        "`d[i][j]` = 前缀 `a[:i]` 与 `b[:j]` 之间的编辑距离，一次算一行：O(|a|·|b|)。边界情况："
        "两个单词相同；一个单词是另一个的前缀。"),
    solve=solve, brute=brute, generate=generate,
)
