"""Day 22 · Longest piece without a repeated letter (sliding window)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import longest_unique_substring


def solve(inp: str) -> str:
    return f"{longest_unique_substring(inp.strip())}\n"


def brute(inp: str) -> str:
    s = inp.strip()
    best = max((j - i for i in range(len(s)) for j in range(i + 1, len(s) + 1)
                if len(set(s[i:j])) == j - i), default=0)
    return f"{best}\n"


def generate(rng: random.Random) -> str:
    letters = "abcdef"[:rng.randint(1, 6)]
    return "".join(rng.choice(letters) for _ in range(rng.randint(1, 20))) + "\n"


def large(rng: random.Random) -> str:
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(letters) for _ in range(200_000)) + "\n"


PROBLEM = Problem(
    id="longest-unique-substring", day=22, topic="two pointers",
    title_en="Longest piece without a repeated letter", title_zh="无重复字符的最长子串",
    statement_en=(
        "Print the length of the longest contiguous piece of a word in which no letter occurs twic"
        "e."),
    statement_zh="输出单词中不含重复字母的最长连续片段的长度。",
    input_format="One line: a non-empty word of at most 2·10^5 letters and digits.",
    output_format="One integer.",
    input_format_zh="一行：一个非空单词，由至多 2·10^5 个字母和数字组成。",
    output_format_zh="一个整数。",
    examples=(("abcabcbb\n", "3\n"), ("bbbbb\n", "1\n"), ("pwwkew\n", "3\n")),
    similar_to="LeetCode 3",
    header=("Window [left, right]: remember each letter's last position and jump left past "
            "it: O(n). Edge cases: the repeat is before left (do not move left backwards); "
            "all letters equal."),
    header_zh=(
        "窗口 `[left, right]`：记住每个字母上次出现的位置，让 `left` 直接跳到它之后：O(n)。"
        "边界情况：重复的字母在 `left` 之前（`left` 不能往回移）；所有字母都相同。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
