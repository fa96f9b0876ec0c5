"""Day 6 · Pair with a given sum in a sorted array (two pointers)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import two_sum_sorted


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, target = tok[0], tok[1]
    found = two_sum_sorted(tok[2:2 + n], target)
    return "-1\n" if found is None else f"{found[0] + 1} {found[1] + 1}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, target = tok[0], tok[1]
    a = tok[2:2 + n]
    for i in range(n):
        for j in range(n - 1, i, -1):
            if a[i] + a[j] == target:
                return f"{i + 1} {j + 1}\n"
    return "-1\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 15)
    a = sorted(rng.randint(-10, 10) for _ in range(n))
    return f"{n} {rng.randint(-15, 15)}\n{' '.join(map(str, a))}\n"


def large(rng: random.Random) -> str:
    n = 200_000
    a = sorted(rng.randint(-10**9, 10**9) for _ in range(n))
    target = a[rng.randrange(n)] + a[rng.randrange(n)] if rng.random() < 0.5 else 1
    return f"{n} {target}\n{' '.join(map(str, a))}\n"


PROBLEM = Problem(
    id="pair-sum-sorted", day=6, topic="two pointers",
    title_en="Pair with a given sum (sorted input)", title_zh="有序数组两数之和",
    statement_en=(
        "An array of n integers is sorted in non-decreasing order. Find positions i < j "
        "(1-based) with a[i] + a[j] = target. If several pairs work, print the one with the "
        "smallest i, and for that i the largest j. Print -1 if there is none."),
    statement_zh=(
        "n 个整数按非降序排列。找位置 i < j（从 1 开始）使 a[i] + a[j] = target。若有多组，输出 i "
        "最小的，i 相同时取 j 最大的；没有则输出 -1。"),
    input_format="Line 1: n target (n <= 2·10^5). Line 2: n sorted integers.",
    output_format="One line: i j, or -1.",
    input_format_zh="第 1 行：`n target`（n <= 2·10^5）。第 2 行：n 个已排好序的整数。",
    output_format_zh="一行：i j，或 -1。",
    examples=(("4 9\n2 7 11 15\n", "1 2\n"), ("5 4\n1 2 2 3 3\n", "1 5\n"), ("1 2\n1\n", "-1\n")),
    similar_to="LeetCode 167",
    header=("Two pointers from both ends, moving the one that fixes the sum: O(n), O(1) "
            "memory. Edge cases: n = 1; duplicates; negative numbers; no pair."),
    header_zh=(
        "双指针从两端向中间走，每次移动能修正和的那一个：时间 O(n)，内存 O(1)。边界情况：n = 1；"
        "重复值；负数；不存在这样的一对。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
