"""Day 27 · Longest common subsequence (DP over two prefixes)."""

from __future__ import annotations

import random
from itertools import combinations

from ..problem import Problem
from ..templates import lcs_length


def solve(inp: str) -> str:
    a, b = inp.split()[:2]
    return f"{lcs_length(a, b)}\n"


def brute(inp: str) -> str:
    a, b = inp.split()[:2]
    subs = lambda s: {"".join(c) for r in range(len(s) + 1) for c in combinations(s, r)}
    return f"{max(len(x) for x in subs(a) & subs(b))}\n"


def generate(rng: random.Random) -> str:
    w = lambda: "".join(rng.choice("abc") for _ in range(rng.randint(1, 8)))
    return f"{w()} {w()}\n"


PROBLEM = Problem(
    id="longest-common-subsequence", day=27, topic="dynamic programming",
    title_en="Longest common subsequence", title_zh="最长公共子序列",
    statement_en=(
        "A subsequence keeps some letters of a word in their original order (not necessarily "
        "adjacent). Print the length of the longest word that is a subsequence of both a and "
        "b. In a mock interview, state the recurrence before writing code."),
    statement_zh=(
        "子序列是按原顺序保留单词中部分字母（不必相邻）得到的串。输出同时是 a 与 b 子序列的最长串"
        "的长度。模拟面试时先说出递推式再写代码。"),
    input_format="One line: a b (non-empty words).",
    output_format="One integer.",
    input_format_zh="一行：a b（均为非空单词）。",
    output_format_zh="一个整数。",
    examples=(("abcde ace\n", "3\n"), ("abc def\n", "0\n")),
    similar_to="LeetCode 1143",
    header=("L[i][j] = L[i-1][j-1] + 1 if a[i] = b[j] else max(L[i-1][j], L[i][j-1]): "
            "O(|a|·|b|). Edge cases: no common letter (0); identical words."),
    header_zh=(
        "若 a[i] = b[j]，则 `L[i][j] = L[i-1][j-1] + 1`，"
        "否则 `L[i][j] = max(L[i-1][j], L[i][j-1])`：O(|a|·|b|)。边界情况：没有公共字母（0）；"
        "两个单词完全相同。"),
    solve=solve, brute=brute, generate=generate,
)
