"""Day 7 · Longest run of consecutive values (set lookups)."""

from __future__ import annotations

import random

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    values = set(tok[1:1 + tok[0]])
    best = 0
    for v in values:
        if v - 1 not in values:  # v starts a run
            end = v
            while end + 1 in values:
                end += 1
            best = max(best, end - v + 1)
    return f"{best}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    a = sorted(set(tok[1:1 + tok[0]]))
    best = 0
    for i in range(len(a)):
        j = i
        while j + 1 < len(a) and a[j + 1] == a[j] + 1:
            j += 1
        best = max(best, j - i + 1)
    return f"{best}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(0, 20)
    return f"{n}\n{' '.join(str(rng.randint(-10, 10)) for _ in range(n))}\n"


PROBLEM = Problem(
    id="longest-consecutive", day=7, topic="set",
    title_en="Longest run of consecutive values", title_zh="最长连续数值序列",
    statement_en=(
        "Given n integers in any order (repeats allowed), find the largest m such that some "
        "m consecutive integers x, x+1, …, x+m-1 all appear among them. An empty list gives 0."),
    statement_zh=(
        "给定 n 个无序整数（可重复），求最大的 m，使某 m 个连续整数 x, x+1, …, x+m-1 都出现在其中"
        "。空列表输出 0。"),
    input_format="Line 1: n. Line 2: n integers (may be empty when n = 0).",
    output_format="One integer.",
    input_format_zh="第 1 行：n。第 2 行：n 个整数（n = 0 时该行可能为空）。",
    output_format_zh="一个整数。",
    examples=(("6\n100 4 200 1 3 2\n", "4\n"), ("0\n\n", "0\n")),
    similar_to="LeetCode 128",
    header=("Put values in a set and walk only from run starts (v-1 absent): O(n). "
            "Edge cases: n = 0; duplicates; negative values."),
    header_zh=(
        "把所有值放进集合，只从连续段的起点（v-1 不在集合中）开始往后数：O(n)。边界情况：n = 0；"
        "重复值；负数。"),
    solve=solve, brute=brute, generate=generate,
)
