"""Day 10 · Fewest meeting rooms (a min-heap of end times)."""

from __future__ import annotations

import heapq
import random

from ..problem import Problem


def solve(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n = tok[0]
    meetings = sorted((tok[1 + 2 * i], tok[2 + 2 * i]) for i in range(n))
    ends: list[int] = []  # end times of rooms in use
    for start, end in meetings:
        if ends and ends[0] <= start:
            heapq.heapreplace(ends, end)
        else:
            heapq.heappush(ends, end)
    return f"{len(ends)}\n"


def brute(inp: str) -> str:
    tok = list(map(int, inp.split()))
    n = tok[0]
    meetings = [(tok[1 + 2 * i], tok[2 + 2 * i]) for i in range(n)]
    times = {s for s, _ in meetings}
    return f"{max(sum(s <= t < e for s, e in meetings) for t in times)}\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 10)
    rows = []
    for _ in range(n):
        s = rng.randint(0, 20)
        rows.append(f"{s} {s + rng.randint(1, 8)}")
    return f"{n}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="meeting-rooms", day=10, topic="heapq",
    title_en="Fewest meeting rooms", title_zh="最少会议室",
    statement_en=(
        "Each of n meetings occupies the half-open time span [s, e) with s < e. A room holds "
        "one meeting at a time; a meeting may start in a room at the moment the previous one "
        "there ends. What is the smallest number of rooms that fits all meetings?"),
    statement_zh=(
        "n 场会议各占用半开区间 [s, e)（s < e）。一个会议室同一时间只能开一场会，前一场结束的时刻"
        "下一场即可开始。最少需要几个会议室？"),
    input_format="Line 1: n. Next n lines: s e.",
    output_format="One integer.",
    input_format_zh="第 1 行：n。接下来 n 行：每行 s e。",
    output_format_zh="一个整数。",
    examples=(("3\n0 30\n5 10\n15 20\n", "2\n"), ("2\n1 5\n5 9\n", "1\n")),
    similar_to="LeetCode 253",
    header=("Sort by start; a min-heap holds the end times of busy rooms; reuse the room that "
            "frees first: O(n log n). Edge cases: back-to-back meetings share a room."),
    header_zh=(
        "按开始时间排序；用最小堆保存正在使用的会议室的结束时间；复用最早空出的那间：O(n log n)。"
        "边界情况：首尾相接的两场会议可以共用一间会议室。"),
    solve=solve, brute=brute, generate=generate,
)
