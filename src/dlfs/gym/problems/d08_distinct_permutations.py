"""Day 8 · Distinct rearrangements of a word (permutations + set)."""

from __future__ import annotations

import random
from itertools import permutations

from ..problem import Problem


def solve(inp: str) -> str:
    word = inp.strip()
    perms = sorted({"".join(p) for p in permutations(word)})
    return f"{len(perms)}\n" + "\n".join(perms) + "\n"


def brute(inp: str) -> str:
    word = inp.strip()

    def rec(rest: str) -> set[str]:
        if not rest:
            return {""}
        return {rest[i] + tail for i in range(len(rest)) for tail in rec(rest[:i] + rest[i + 1:])}

    perms = sorted(rec(word))
    return f"{len(perms)}\n" + "\n".join(perms) + "\n"


def generate(rng: random.Random) -> str:
    return "".join(rng.choice("aabc") for _ in range(rng.randint(1, 6))) + "\n"


PROBLEM = Problem(
    id="distinct-permutations", day=8, topic="itertools",
    title_en="Distinct rearrangements", title_zh="不重复的全排列",
    statement_en=(
        "Print how many different strings can be made by rearranging all letters of a word "
        "(letters may repeat), then list them in alphabetical order, one per line."),
    statement_zh=(
        "一个单词（字母可重复）重新排列全部字母能得到多少个不同的字符串？先输出个数，再按字母序每"
        "行输出一个。"),
    input_format="One line: a word of 1 to 8 lowercase letters.",
    output_format="Line 1: the count c. Next c lines: the strings in order.",
    input_format_zh="一行：一个由 1 到 8 个小写字母组成的单词。",
    output_format_zh="第 1 行：个数 c。接下来 c 行：按字母序每行一个字符串。",
    examples=(("aab\n", "3\naab\naba\nbaa\n"), ("z\n", "1\nz\n")),
    similar_to="LeetCode 47",
    header=("set of itertools.permutations, then sorted: O(n! · n). Edge cases: repeated "
            "letters (dedupe); the count is n! / (c1!·c2!·…)."),
    header_zh=(
        "把 `itertools.permutations` 的结果放进集合去重，再排序：O(n! · n)。边界情况："
        "字母重复（需要去重）；个数为 n! / (c1!·c2!·…)。"),
    solve=solve, brute=brute, generate=generate,
)
