"""Day 28 · Every occurrence of a pattern (KMP)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import kmp_search


def solve(inp: str) -> str:
    text, pattern = inp.split()[:2]
    hits = kmp_search(text, pattern)
    return f"{len(hits)}\n" + " ".join(map(str, hits)) + "\n"


def brute(inp: str) -> str:
    text, pattern = inp.split()[:2]
    hits = [i for i in range(len(text) - len(pattern) + 1) if text[i:i + len(pattern)] == pattern]
    return f"{len(hits)}\n" + " ".join(map(str, hits)) + "\n"


def generate(rng: random.Random) -> str:
    text = "".join(rng.choice("ab") for _ in range(rng.randint(1, 25)))
    pattern = "".join(rng.choice("ab") for _ in range(rng.randint(1, 4)))
    return f"{text} {pattern}\n"


PROBLEM = Problem(
    id="find-all-occurrences", day=28, topic="strings",
    title_en="Every occurrence of a pattern", title_zh="模式串的所有出现位置",
    statement_en=(
        "Print how many times a pattern occurs in a text (occurrences may overlap) and the "
        "0-based start position of each, in increasing order."),
    statement_zh=(
        "输出模式串在文本中出现的次数（允许重叠），以及每次出现的起始下标（从 0 开始，递增）。"),
    input_format="One line: text pattern (non-empty words).",
    output_format="Line 1: the count. Line 2: the positions (empty if none).",
    input_format_zh="一行：`text pattern`（文本与模式串，均为非空单词）。",
    output_format_zh="第 1 行：出现次数。第 2 行：各次出现的位置（没有则为空行）。",
    examples=(("abababa aba\n", "3\n0 2 4\n"), ("abc d\n", "0\n\n")),
    similar_to="LeetCode 28 (all matches)",
    similar_to_zh="LeetCode 28（找出所有匹配）",
    header=("KMP failure function, no backtracking in the text: O(|text| + |pattern|). "
            "Edge cases: overlapping matches; pattern longer than text; str.find in a loop "
            "must restart at i + 1, not i + len(pattern)."),
    header_zh=(
        "KMP 的失配函数，文本中从不回退：`O(|text| + |pattern|)`。边界情况：相互重叠的匹配；"
        "模式串比文本长；循环调用 `str.find` 时要从 `i + 1` 重新开始，而不是 `i + len(pattern)`。"),
    solve=solve, brute=brute, generate=generate,
)
