"""Day 2 · Group words by anagram class (defaultdict(list))."""

from __future__ import annotations

import random
from collections import defaultdict

from ..problem import Problem


def solve(inp: str) -> str:
    tok = inp.split()
    words = tok[1:1 + int(tok[0])]
    groups: defaultdict[str, list[str]] = defaultdict(list)
    for w in words:
        groups["".join(sorted(w))].append(w)
    return "\n".join(" ".join(g) for g in groups.values()) + "\n"


def brute(inp: str) -> str:
    tok = inp.split()
    words = tok[1:1 + int(tok[0])]
    used = [False] * len(words)
    lines = []
    for i, w in enumerate(words):
        if used[i]:
            continue
        group = []
        for j in range(i, len(words)):
            if not used[j] and sorted(words[j]) == sorted(w):
                used[j] = True
                group.append(words[j])
        lines.append(" ".join(group))
    return "\n".join(lines) + "\n"


def generate(rng: random.Random) -> str:
    bases = ["".join(rng.choice("abcd") for _ in range(rng.randint(1, 4))) for _ in range(4)]
    words = []
    for _ in range(rng.randint(1, 15)):
        w = list(rng.choice(bases))
        rng.shuffle(w)
        words.append("".join(w))
    return f"{len(words)}\n{' '.join(words)}\n"


PROBLEM = Problem(
    id="group-anagrams", day=2, topic="defaultdict",
    title_en="Group anagrams", title_zh="异位词分组",
    statement_en=(
        "Put the n given words into groups so that two words share a group exactly when "
        "they are anagrams of each other. Print one group per line, groups in the order "
        "their first word appears, words inside a group in input order (duplicates kept)."),
    statement_zh=(
        "把 n 个单词分组：互为异位词的单词在同一组。每行输出一组；组的顺序按其第一个单词在输入中"
        "出现的先后，组内单词保持输入顺序（重复单词保留）。"),
    input_format="Line 1: n. Line 2: n lowercase words.",
    output_format="One line per group: its words separated by spaces.",
    input_format_zh="第 1 行：n。第 2 行：n 个小写单词。",
    output_format_zh="每组一行：该组的单词，以空格分隔。",
    examples=(("6\neat tea tan ate nat bat\n", "eat tea ate\ntan nat\nbat\n"),),
    similar_to="LeetCode 49",
    header=("defaultdict(list) keyed by the sorted letters: O(n · L log L). "
            "Edge cases: duplicate words; one-letter words; a single group."),
    header_zh=(
        "用 `defaultdict(list)`，以排序后的字母为键：O(n · L log L)。边界情况：重复的单词；"
        "只有一个字母的单词；所有单词同属一组。"),
    solve=solve, brute=brute, generate=generate,
)
