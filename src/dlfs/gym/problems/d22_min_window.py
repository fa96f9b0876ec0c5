"""Day 22 · Shortest piece containing given letters (sliding window with counts)."""

from __future__ import annotations

import random
from collections import Counter

from ..problem import Problem
from ..templates import min_window


def solve(inp: str) -> str:
    s, t = inp.split()
    found = min_window(s, t)
    return (found or "-") + "\n"


def brute(inp: str) -> str:
    s, t = inp.split()
    need = Counter(t)
    for length in range(len(t), len(s) + 1):
        for i in range(len(s) - length + 1):
            if not need - Counter(s[i:i + length]):
                return s[i:i + length] + "\n"
    return "-\n"


def generate(rng: random.Random) -> str:
    s = "".join(rng.choice("abcd") for _ in range(rng.randint(1, 15)))
    t = "".join(rng.choice("abcd") for _ in range(rng.randint(1, 3)))
    return f"{s} {t}\n"


PROBLEM = Problem(
    id="min-window-substring", day=22, topic="two pointers",
    title_en="Shortest piece containing given letters", title_zh="最小覆盖子串",
    statement_en=(
        "Find the shortest contiguous piece of s that contains every letter of t, with "
        "repeats (if t has two a's, the piece needs two a's). If several shortest pieces "
        "exist print the leftmost; if none exists print -."),
    statement_zh=(
        "在 s 中找最短的连续片段，使其包含 t 的所有字母（含重复次数）。若有多个最短的，输出最靠左"
        "的；不存在则输出 -。"),
    input_format="One line: s t (non-empty words).",
    output_format="One line: the piece or -.",
    input_format_zh="一行：s t（均为非空单词）。",
    output_format_zh="一行：找到的片段，或 `-`。",
    examples=(("ADOBECODEBANC ABC\n", "BANC\n"), ("a aa\n", "-\n")),
    similar_to="LeetCode 76",
    header=("Expand right until all counts are met, then shrink left while still valid; "
            "a 'missing' counter makes the check O(1): O(|s| + |t|). Edge cases: repeated "
            "letters in t; t longer than s."),
    header_zh=(
        "右端不断扩展，直到所有字母的次数都满足，再在仍满足时收缩左端；"
        "用一个“还缺几个”计数器（`missing`）让检查变成 O(1)：O(|s| + |t|)。边界情况："
        "t 中有重复字母；t 比 s 长。"),
    solve=solve, brute=brute, generate=generate,
)
