"""Day 1 · The k most frequent words (Counter)."""

from __future__ import annotations

import random
from collections import Counter

from ..problem import Problem


def solve(inp: str) -> str:
    tok = inp.split()
    n, k = int(tok[0]), int(tok[1])
    counts = Counter(tok[2:2 + n])
    best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return "\n".join(f"{w} {c}" for w, c in best) + "\n"


def brute(inp: str) -> str:
    tok = inp.split()
    n, k = int(tok[0]), int(tok[1])
    words = tok[2:2 + n]
    rows = []
    for w in set(words):
        rows.append((w, sum(1 for x in words if x == w)))
    out = []
    for _ in range(min(k, len(rows))):  # selection: pick the best remaining each time
        best = rows[0]
        for r in rows[1:]:
            if r[1] > best[1] or (r[1] == best[1] and r[0] < best[0]):
                best = r
        rows.remove(best)
        out.append(f"{best[0]} {best[1]}")
    return "\n".join(out) + "\n"


def generate(rng: random.Random) -> str:
    vocab = ["".join(rng.choice("abc") for _ in range(rng.randint(1, 3))) for _ in range(8)]
    n = rng.randint(1, 30)
    words = [rng.choice(vocab) for _ in range(n)]
    return f"{n} {rng.randint(1, len(set(words)))}\n{' '.join(words)}\n"


PROBLEM = Problem(
    id="frequent-words", day=1, topic="Counter",
    title_en="The k most frequent words", title_zh="出现最多的 k 个单词",
    statement_en=(
        "You are given n words. Report the k words that occur most often, each with its "
        "count. A higher count comes first; words with equal counts are listed in "
        "alphabetical order. k never exceeds the number of distinct words."),
    statement_zh=(
        "给定 n 个单词，输出出现次数最多的 k 个单词及其次数。次数多的在前；次数相同的按字母序"
        "排列。k 不超过不同单词的个数。"),
    input_format="Line 1: n k. Line 2: n lowercase words separated by spaces.",
    output_format="k lines: `word count`.",
    input_format_zh="第 1 行：n k。第 2 行：n 个以空格分隔的小写单词。",
    output_format_zh="k 行，每行 `word count`（单词及其次数）。",
    examples=(("7 2\nto be or not to be ok\n", "be 2\nto 2\n"),
              ("3 3\nb a b\n", "b 2\na 1\n")),
    similar_to="LeetCode 692",
    header=("Counter + sort by (-count, word): O(n + u log u) for u distinct words. "
            "Edge cases: ties broken alphabetically; k equal to the number of distinct words."),
    header_zh=(
        "`Counter` 计数，再按 `(-count, word)` 排序：O(n + u log u)，u 为不同单词的个数。边界情况："
        "次数相同时按字母序决定先后；k 等于不同单词的个数。"),
    solve=solve, brute=brute, generate=generate,
)
