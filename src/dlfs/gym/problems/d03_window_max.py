"""Day 3 · Maximum of every window (monotonic deque)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import sliding_window_max


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    return " ".join(map(str, sliding_window_max(tok[2:2 + n], k))) + "\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n, k = tok[0], tok[1]
    a = tok[2:2 + n]
    return " ".join(str(max(a[i:i + k])) for i in range(n - k + 1)) + "\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 25)
    a = [rng.randint(-9, 9) for _ in range(n)]
    return f"{n} {rng.randint(1, n)}\n{' '.join(map(str, a))}\n"


def large(rng: random.Random) -> str:
    n = 200_000
    vals = " ".join(str(rng.randint(-10**9, 10**9)) for _ in range(n))
    return f"{n} {n // 2}\n{vals}\n"


PROBLEM = Problem(
    id="window-max", day=3, topic="deque",
    title_en="Maximum of every window", title_zh="滑动窗口最大值",
    statement_en=(
        "Slide a window of width k across an array of n integers, one position at a time, "
        "from the left end to the right end. Print the largest value inside the window at "
        "each of the n - k + 1 positions."),
    statement_zh=(
        "宽度为 k 的窗口在 n 个整数上从左到右每次滑动一格，输出每个位置（共 n-k+1 个）窗口内的最大"
        "值。"),
    input_format="Line 1: n k (1 <= k <= n <= 2·10^5). Line 2: n integers.",
    output_format="One line: n - k + 1 integers.",
    input_format_zh="第 1 行：n k（1 <= k <= n <= 2·10^5）。第 2 行：n 个整数。",
    output_format_zh="一行：n - k + 1 个整数。",
    examples=(("8 3\n1 3 -1 -3 5 3 6 7\n", "3 3 5 5 6 7\n"), ("1 1\n-4\n", "-4\n")),
    similar_to="LeetCode 239",
    header=("Deque of indices with decreasing values; each index is pushed and popped once: "
            "O(n). Edge cases: k = 1; k = n; equal values; negative numbers."),
    header_zh=(
        "用双端队列（`deque`）存下标，对应的值单调递减；每个下标只入队、出队各一次：O(n)。"
        "边界情况：k = 1；k = n；相等的值；负数。"),
    solve=solve, brute=brute, generate=generate, large=large,
)
