"""Day 5 · First character that appears once (Counter + a second pass)."""

from __future__ import annotations

import random
from collections import Counter

from ..problem import Problem


def solve(inp: str) -> str:
    s = inp.strip()
    counts = Counter(s)
    return f"{next((i for i, ch in enumerate(s) if counts[ch] == 1), -1)}\n"


def brute(inp: str) -> str:
    s = inp.strip()
    for i, ch in enumerate(s):
        if s.count(ch) == 1:
            return f"{i}\n"
    return "-1\n"


def generate(rng: random.Random) -> str:
    letters = "abcde"[:rng.randint(1, 5)]
    return "".join(rng.choice(letters) for _ in range(rng.randint(1, 15))) + "\n"


PROBLEM = Problem(
    id="first-unique-char", day=5, topic="Counter",
    title_en="First letter that appears once", title_zh="第一个只出现一次的字符",
    statement_en=(
        "Given a word, print the 0-based position of the first letter that occurs exactly "
        "once in the whole word, or -1 if every letter repeats."),
    statement_zh=(
        "给定一个单词，输出第一个在整个单词中恰好出现一次的字母的下标（从 0 开始），若不存在输出 -"
        "1。"),
    input_format="One line: a non-empty lowercase word.",
    output_format="One integer.",
    input_format_zh="一行：一个非空的小写单词。",
    output_format_zh="一个整数。",
    examples=(("leetcode\n", "0\n"), ("loveleetcode\n", "2\n"), ("aabb\n", "-1\n")),
    similar_to="LeetCode 387",
    header=("Count once with Counter, then scan for the first count of 1: O(n). "
            "Edge cases: all letters repeated; a one-letter word."),
    header_zh=(
        "先用 `Counter` 计数一遍，再从左往右找第一个次数为 1 的字母：O(n)。边界情况："
        "所有字母都重复；只有一个字母的单词。"),
    solve=solve, brute=brute, generate=generate,
)
