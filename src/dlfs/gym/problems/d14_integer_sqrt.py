"""Day 14 · Integer square roots (binary search on the answer)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import first_true


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    out = []
    for x in tok[1:1 + tok[0]]:
        # smallest r with (r + 1)^2 > x is floor(sqrt(x))
        out.append(first_true(0, x + 1, lambda r, x=x: (r + 1) * (r + 1) > x))
    return "\n".join(map(str, out)) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    out = []
    for x in tok[1:1 + tok[0]]:
        r = 0
        while (r + 1) * (r + 1) <= x:
            r += 1
        out.append(r)
    return "\n".join(map(str, out)) + "\n"


def generate(rng: random.Random) -> str:
    q = rng.randint(1, 6)
    xs = [rng.choice([rng.randint(0, 50), rng.randint(0, 3000)]) for _ in range(q)]
    return f"{q}\n{' '.join(map(str, xs))}\n"


def large(rng: random.Random) -> str:
    xs = []
    for _ in range(10_000):  # many values right below a perfect square: floats round up
        r = rng.randint(10**8, 10**9)
        xs.append(r * r - rng.choice([0, 1, 2]))
    return f"{len(xs)}\n{' '.join(map(str, xs))}\n"


PROBLEM = Problem(
    id="integer-sqrt", day=14, topic="binary search",
    title_en="Integer square roots", title_zh="整数平方根",
    statement_en=(
        "For each non-negative integer x print the largest integer r with r·r <= x. Values "
        "go up to 10^18, where floating-point square roots lose precision, so use integers "
        "only (for x = 10^18 - 1 the answer is 999999999)."),
    statement_zh=(
        "对每个非负整数 x，输出满足 r·r <= x 的最大整数 r。x 可达 10^18，浮点开方会丢精度，请只用"
        "整数运算。"),
    input_format="Line 1: q (q <= 10^4). Line 2: q integers x (0 <= x <= 10^18).",
    output_format="q lines, one r each.",
    input_format_zh="第 1 行：q（q <= 10^4）。第 2 行：q 个整数 x（0 <= x <= 10^18）。",
    output_format_zh="q 行，每行一个 r。",
    examples=(("4\n0 8 9 1000000\n", "0\n2\n3\n1000\n"),),
    similar_to="LeetCode 69",
    header=("first_true on r in [0, x]: the predicate (r+1)^2 > x is false…true: O(log x). "
            "Edge cases: x = 0 and 1; perfect squares; 10^18 - 1 (float sqrt rounds up)."),
    header_zh=(
        "在 [0, x] 上对 r 用 `first_true`：谓词 (r+1)^2 > x 先假后真：O(log x)。边界情况："
        "x = 0 和 1；完全平方数；10^18 - 1（浮点开方会向上舍入）。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
