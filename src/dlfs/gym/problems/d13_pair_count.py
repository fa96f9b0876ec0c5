"""Day 13 · Count pairs with a given sum (Counter in one pass)."""

from __future__ import annotations

import random
from collections import Counter

from ..problem import Problem
from ..templates import read_ints


def solve(inp: str) -> str:
    tok = read_ints(inp.encode())
    n, t = tok[0], tok[1]
    seen: Counter[int] = Counter()
    pairs = 0
    for v in tok[2:2 + n]:
        pairs += seen[t - v]
        seen[v] += 1
    return f"{pairs}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, t = tok[0], tok[1]
    a = tok[2:2 + n]
    return f"{sum(a[i] + a[j] == t for i in range(n) for j in range(i + 1, n))}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 30)
    return f"{n} {rng.randint(-6, 6)}\n{' '.join(str(rng.randint(-5, 5)) for _ in range(n))}\n"


def large(rng: random.Random) -> str:
    n = 200_000
    vals = " ".join(str(rng.randint(-10_000, 10_000)) for _ in range(n))
    return f"{n} {rng.randint(-100, 100)}\n{vals}\n"


PROBLEM = Problem(
    id="pair-count", day=13, topic="Counter",
    title_en="Count pairs with a given sum", title_zh="和为 t 的数对个数",
    statement_en=(
        "Count the pairs of positions i < j in an unsorted integer array with "
        "a[i] + a[j] = t. With n up to 2·10^5 an O(n^2) double loop is too slow."),
    statement_zh=(
        "统计无序整数数组中满足 i < j 且 a[i] + a[j] = t 的位置对数。n 可达 2·10^5，O(n^2) 双重循"
        "环会超时。"),
    input_format="Line 1: n t (n <= 2·10^5). Line 2: n integers (|v| <= 10^9).",
    output_format="One integer.",
    input_format_zh="第 1 行：n t（n <= 2·10^5）。第 2 行：n 个整数（|v| <= 10^9）。",
    output_format_zh="一个整数。",
    examples=(("5 6\n1 5 7 -1 5\n", "3\n"), ("4 2\n1 1 1 1\n", "6\n")),
    similar_to="a counting variant of LeetCode 1",
    similar_to_zh="LeetCode 1 的计数版本",
    header=("One pass: add how many earlier values equal t - v, then count v: O(n). "
            "Edge cases: v = t - v (count pairs, not values twice); many duplicates."),
    header_zh=(
        "扫描一遍：先加上此前有多少个值等于 t - v，再把 v 计入：O(n)。边界情况："
        "v = t - v（统计的是位置对，同一个值不能算两次）；大量重复值。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
