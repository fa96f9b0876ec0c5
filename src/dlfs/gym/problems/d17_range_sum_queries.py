"""Day 17 · Many range-sum questions (prefix sums + fast output)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import prefix_sums, read_ints


def solve(inp: str) -> str:
    tok = read_ints(inp.encode())
    n, q = tok[0], tok[1]
    p = prefix_sums(tok[2:2 + n])
    qs = tok[2 + n:2 + n + 2 * q]
    out = [p[hi] - p[lo - 1] for lo, hi in zip(qs[::2], qs[1::2])]
    return "\n".join(map(str, out)) + "\n"  # one join, one write


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, q = tok[0], tok[1]
    a = tok[2:2 + n]
    out = []
    for i in range(q):
        lo, hi = tok[2 + n + 2 * i], tok[3 + n + 2 * i]
        out.append(str(sum(a[lo - 1:hi])))
    return "\n".join(out) + "\n"


def generate(rng: random.Random) -> str:
    n, q = rng.randint(1, 15), rng.randint(1, 8)
    rows = []
    for _ in range(q):
        lo, hi = sorted((rng.randint(1, n), rng.randint(1, n)))
        rows.append(f"{lo} {hi}")
    vals = " ".join(str(rng.randint(-100, 100)) for _ in range(n))
    return f"{n} {q}\n{vals}\n" + "\n".join(rows) + "\n"


def large(rng: random.Random) -> str:
    n = q = 200_000
    vals = " ".join(str(rng.randint(-1000, 1000)) for _ in range(n))
    rows = []
    for _ in range(q):
        lo = rng.randint(1, n)
        rows.append(f"{lo} {rng.randint(lo, n)}")
    return f"{n} {q}\n{vals}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="range-sum-queries", day=17, topic="fast I/O",
    title_en="Many range-sum questions", title_zh="大量区间和询问",
    statement_en=(
        "Given n integers and q questions lo hi (1-based, inclusive), answer each with the "
        "sum of the values from position lo to hi. n and q go up to 2·10^5: answer each "
        "question in O(1) and print all answers with a single write."),
    statement_zh=(
        "给定 n 个整数与 q 个询问 lo hi（从 1 开始，含两端），回答第 lo 到第 hi 个数之和。n、q 最"
        "大 2·10^5：每个询问 O(1) 回答，并一次性输出所有结果。"),
    input_format="Line 1: n q (both <= 2·10^5). Line 2: n integers. Next q lines: lo hi.",
    output_format="q lines.",
    input_format_zh="第 1 行：n q（均 <= 2·10^5）。第 2 行：n 个整数。接下来 q 行：每行 `lo hi`。",
    output_format_zh="q 行，每行一个区间和。",
    examples=(("5 3\n1 2 3 4 5\n1 5\n2 3\n4 4\n", "15\n5\n4\n"),),
    similar_to="LeetCode 303",
    header=("Prefix sums p with p[0] = 0; answer p[hi] - p[lo-1]; collect answers and join "
            "once: O(n + q). Edge cases: lo = hi; lo = 1; negative values."),
    header_zh=(
        "前缀和 p，`p[0] = 0`；答案为 `p[hi] - p[lo-1]`；先收集所有答案，最后一次性拼接输出："
        "O(n + q)。边界情况：`lo = hi`；`lo = 1`；负数。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
