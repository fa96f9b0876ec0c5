"""Day 16 · Split a text into dictionary words (memoized search)."""

from __future__ import annotations

import random
from functools import cache

from ..problem import Problem


def _parse(inp: str) -> tuple[str, tuple[str, ...]]:
    tok = inp.split()
    return tok[0], tuple(tok[2:2 + int(tok[1])])


def solve(inp: str) -> str:
    text, words = _parse(inp)

    @cache
    def ways(i: int) -> int:
        if i == len(text):
            return 1
        return sum(ways(i + len(w)) for w in words if text.startswith(w, i))

    return f"{ways(0)}\n"


def brute(inp: str) -> str:
    text, words = _parse(inp)
    vocab = set(words)
    n, count = len(text), 0
    for mask in range(1 << (n - 1)):  # every way to cut between letters
        pieces, start = [], 0
        for i in range(n - 1):
            if mask >> i & 1:
                pieces.append(text[start:i + 1])
                start = i + 1
        pieces.append(text[start:])
        count += all(p in vocab for p in pieces)
    return f"{count}\n"


def generate(rng: random.Random) -> str:
    words = sorted({"".join(rng.choice("ab") for _ in range(rng.randint(1, 3)))
                    for _ in range(rng.randint(1, 5))})
    text = "".join(rng.choice(words) for _ in range(rng.randint(1, 5)))[:12]
    return f"{text} {len(words)}\n{' '.join(words)}\n"


PROBLEM = Problem(
    id="word-break-count", day=16, topic="functools",
    title_en="Ways to split a text into words", title_zh="单词拆分方案数",
    statement_en=(
        "Count the ways to cut a text into consecutive pieces so that every piece is one of "
        "the given dictionary words (words may be used any number of times)."),
    statement_zh=(
        "把一段文本切成若干连续片段，使每段都是给定词典中的单词（单词可重复使用）。统计切分方案数"
        "。"),
    input_format="Line 1: text m. Line 2: m distinct dictionary words.",
    output_format="One integer.",
    input_format_zh="第 1 行：`text m`。第 2 行：m 个互不相同的词典单词。",
    output_format_zh="一个整数。",
    examples=(("catsanddog 5\ncat cats and sand dog\n", "2\n"), ("aaa 2\na aa\n", "3\n")),
    similar_to="LeetCode 139 / 140",
    header=("ways(i) = sum over words matching at i of ways(i + len(w)), memoized: "
            "O(n · m · L). Edge cases: overlapping words (a, aa); no split (0)."),
    header_zh=(
        "`ways(i)` = 对所有在位置 i 处匹配的单词 w，求 `ways(i + len(w))` 之和，加记忆化："
        "O(n · m · L)。边界情况：相互重叠的单词（`a`、`aa`）；无法切分（0）。"),
    solve=solve, brute=brute, generate=generate,
)
