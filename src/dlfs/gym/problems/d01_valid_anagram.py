"""Day 1 · Anagram pairs (Counter equality)."""

from __future__ import annotations

import random
from collections import Counter

from ..problem import Problem


def solve(inp: str) -> str:
    lines = inp.split("\n")
    q = int(lines[0])
    out = []
    for line in lines[1:1 + q]:
        a, _, b = line.partition(" ")
        out.append("YES" if Counter(a.strip()) == Counter(b.strip()) else "NO")
    return "\n".join(out) + "\n"


def brute(inp: str) -> str:
    lines = inp.split("\n")
    q = int(lines[0])
    out = []
    for line in lines[1:1 + q]:
        a, _, b = line.partition(" ")
        out.append("YES" if sorted(a.strip()) == sorted(b.strip()) else "NO")
    return "\n".join(out) + "\n"


def generate(rng: random.Random) -> str:
    q = rng.randint(1, 8)
    rows = []
    for _ in range(q):
        a = "".join(rng.choice("abcd") for _ in range(rng.randint(1, 8)))
        b = list(a)
        rng.shuffle(b)
        if rng.random() < 0.5:
            b[rng.randrange(len(b))] = rng.choice("abcde")
        rows.append(f"{a} {''.join(b)}")
    return f"{q}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="anagram-pairs", day=1, topic="Counter",
    title_en="Anagram pairs", title_zh="异位词判定",
    statement_en=(
        "Two words are anagrams when one is a rearrangement of the letters of the other "
        "(same letters, same number of times). For each of q pairs of words, say whether "
        "they are anagrams."),
    statement_zh="两个单词若字母相同且每个字母出现次数相同，则互为异位词。对 q 组单词逐组判断。",
    input_format="Line 1: q. Next q lines: two non-empty lowercase words a b.",
    output_format="q lines, each YES or NO.",
    input_format_zh="第 1 行：q。接下来 q 行：每行两个非空小写单词 a b。",
    output_format_zh="q 行，每行 `YES` 或 `NO`。",
    examples=(("3\nlisten silent\nab abb\nrat tar\n", "YES\nNO\nYES\n"),),
    similar_to="LeetCode 242",
    header=("Compare Counter(a) == Counter(b): O(|a| + |b|) per pair. "
            "Edge cases: different lengths; repeated letters (ab vs abb)."),
    header_zh=(
        "比较 `Counter(a) == Counter(b)`：每组 O(|a| + |b|)。边界情况：长度不同；"
        "字母重复（`ab` 与 `abb`）。"),
    solve=solve, brute=brute, generate=generate,
)
