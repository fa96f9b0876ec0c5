"""Day 17 · Sum and maximum of a million numbers (fast input)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import read_ints


def solve(inp: str) -> str:
    tok = read_ints(inp.encode())
    a = tok[1:1 + tok[0]]
    return f"{sum(a)} {max(a)}\n"


def brute(inp: str) -> str:
    lines = inp.split("\n")
    total, best = 0, None
    for line in lines[1:]:  # line by line, value by value
        for t in line.split():
            v = int(t)
            total += v
            best = v if best is None or v > best else best
    return f"{total} {best}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 40)
    per_line = rng.randint(1, 8)
    vals = [str(rng.randint(-10**9, 10**9)) for _ in range(n)]
    rows = [" ".join(vals[i:i + per_line]) for i in range(0, n, per_line)]
    return f"{n}\n" + "\n".join(rows) + "\n"


def large(rng: random.Random) -> str:
    n = 1_000_000
    vals = [str(rng.getrandbits(31) - 2**30) for _ in range(n)]
    return f"{n}\n" + "\n".join(vals) + "\n"  # one per line: input() pays 10^6 calls


PROBLEM = Problem(
    id="big-sum", day=17, topic="fast I/O",
    title_en="Sum and maximum of a million numbers", title_zh="百万个数的和与最大值",
    statement_en=(
        "Read n integers (n up to 10^6, spread over any number of lines, each |v| <= 10^9) "
        "and print their sum and their maximum. Calling input() once per line costs a Python "
        "call per number; reading all of standard input at once and splitting it is several "
        "times faster (the Day 17 lesson measures it)."),
    statement_zh=(
        "读入 n 个整数（n 最大 10^6，分布在任意多行，|v| <= 10^9），输出它们的和与最大值。逐行调用"
        " input() 每个数都要一次 Python 调用；一次读入全部标准输入再切分要快好几倍（第 17 天的课程"
        "有实测）。"),
    input_format="Line 1: n (1 <= n <= 10^6). Then n integers separated by spaces or newlines.",
    output_format="One line: sum max.",
    input_format_zh="第 1 行：n（1 <= n <= 10^6）。之后是 n 个整数，以空格或换行分隔。",
    output_format_zh="一行：`sum max`（和与最大值）。",
    examples=(("5\n3 -1\n4\n1 5\n", "12 5\n"),),
    header=("data = sys.stdin.buffer.read().split(); map(int, ...): O(total bytes). "
            "Edge cases: numbers split across lines; all negative (max < 0); big sums."),
    header_zh=(
        "`data = sys.stdin.buffer.read().split()`；`map(int, ...)`：O(输入字节数)。边界情况："
        "数分布在多行；全是负数（`max < 0`）；很大的和。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
