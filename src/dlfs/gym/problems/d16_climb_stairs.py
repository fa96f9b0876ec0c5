"""Day 16 · Ways to climb stairs with allowed step sizes (lru_cache)."""

from __future__ import annotations

import random
from functools import cache

from ..problem import Problem

MOD = 1_000_000_007


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, steps = tok[0], tuple(tok[2:2 + tok[1]])

    @cache
    def ways(left: int) -> int:
        if left == 0:
            return 1
        return sum(ways(left - s) for s in steps if s <= left) % MOD

    for i in range(0, n, 200):  # warm the cache bottom-up to keep recursion shallow
        ways(i)
    return f"{ways(n)}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, steps = tok[0], tok[2:2 + tok[1]]

    def count(left: int) -> int:  # plain recursion, exponential
        if left == 0:
            return 1
        return sum(count(left - s) for s in steps if s <= left)

    return f"{count(n) % MOD}\n"


def generate(rng: random.Random) -> str:
    steps = sorted(rng.sample(range(1, 5), rng.randint(1, 3)))
    return f"{rng.randint(0, 14)} {len(steps)}\n{' '.join(map(str, steps))}\n"


def large(rng: random.Random) -> str:
    steps = sorted(rng.sample(range(1, 11), rng.randint(2, 5)))
    return f"10000 {len(steps)}\n{' '.join(map(str, steps))}\n"


PROBLEM = Problem(
    id="climb-stairs", day=16, topic="functools",
    title_en="Ways to climb the stairs", title_zh="爬楼梯的方法数",
    statement_en=(
        "A staircase has n steps. Each move climbs one of the allowed amounts s1, …, sm. In "
        "how many different orders of moves can you reach the top exactly? Print the count "
        "modulo 1 000 000 007. (n up to 10^4; the empty sequence counts once for n = 0.)"),
    statement_zh=(
        "楼梯共 n 级，每次可以爬允许的步数 s1, …, sm 之一。恰好到达顶端的不同走法有多少种？"
        "输出对 1 000 000 007 取模的结果（n 最大 10^4；n = 0 时算 1 种）。"),
    input_format="Line 1: n m (n <= 10^4, m <= 10). Line 2: m distinct positive step sizes.",
    output_format="One integer.",
    input_format_zh="第 1 行：n m（n <= 10^4，m <= 10）。第 2 行：m 个互不相同的正整数步长。",
    output_format_zh="一个整数。",
    examples=(("4 2\n1 2\n", "5\n"), ("3 1\n2\n", "0\n"), ("0 1\n1\n", "1\n")),
    similar_to="LeetCode 70",
    header=("ways(n) = sum of ways(n - s): memoize with functools.lru_cache, O(n·m). "
            "Edge cases: n = 0; unreachable n (0 ways); deep recursion (raise the limit or "
            "fill the cache bottom-up); take the modulus."),
    header_zh=(
        "`ways(n)` = 所有 `ways(n - s)` 之和：用 `functools.lru_cache` 记忆化，O(n·m)。边界情况："
        "n = 0；无法恰好到达的 n（0 种走法）；递归过深（调高递归上限，或自底向上填满缓存）；"
        "别忘了取模。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
