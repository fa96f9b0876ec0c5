"""Day 9 · Run-length encoding (itertools.groupby)."""

from __future__ import annotations

import random
from itertools import groupby

from ..problem import Problem


def solve(inp: str) -> str:
    return "".join(f"{ch}{len(list(g))}" for ch, g in groupby(inp.strip())) + "\n"


def brute(inp: str) -> str:
    s = inp.strip()
    out, i = [], 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:
            j += 1
        out.append(f"{s[i]}{j - i}")
        i = j
    return "".join(out) + "\n"


def generate(rng: random.Random) -> str:
    return "".join(rng.choice("ab") * rng.randint(1, 12) for _ in range(rng.randint(1, 6))) + "\n"


PROBLEM = Problem(
    id="run-length-encode", day=9, topic="groupby",
    title_en="Run-length encoding", title_zh="游程编码",
    statement_en=(
        "Compress a word by replacing each maximal block of equal adjacent letters with the "
        "letter followed by the block length, e.g. aaabcc becomes a3b1c2."),
    statement_zh="把单词中每段连续相同字母替换为“字母 + 段长”，例如 aaabcc 变为 a3b1c2。",
    input_format="One line: a non-empty lowercase word.",
    output_format="One line: the encoding.",
    input_format_zh="一行：一个非空的小写单词。",
    output_format_zh="一行：编码结果。",
    examples=(("aaabcc\n", "a3b1c2\n"), ("aaaaaaaaaaaa\n", "a12\n")),
    similar_to="LeetCode 443",
    header=("itertools.groupby yields each block once: O(n). Edge cases: blocks of 10 or more "
            "(multi-digit counts); a single letter."),
    header_zh=(
        "`itertools.groupby` 对每一段只产出一次：O(n)。边界情况："
        "长度为 10 及以上的段（段长是多位数）；只有一个字母。"),
    solve=solve, brute=brute, generate=generate,
)
