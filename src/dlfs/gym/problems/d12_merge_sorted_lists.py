"""Day 12 · Merge k sorted lists (heapq.merge)."""

from __future__ import annotations

import random

from ..problem import Problem
from ..templates import merge_k_sorted


def _parse(inp: str) -> list[list[int]]:
    lines = inp.split("\n")
    k = int(lines[0])
    out = []
    for line in lines[1:1 + k]:
        tok = list(map(int, line.split()))
        out.append(tok[1:1 + tok[0]])
    return out


def solve(inp: str) -> str:
    return " ".join(map(str, merge_k_sorted(_parse(inp)))) + "\n"


def brute(inp: str) -> str:
    return " ".join(map(str, sorted(v for xs in _parse(inp) for v in xs))) + "\n"


def generate(rng: random.Random) -> str:
    k = rng.randint(1, 5)
    rows = []
    for _ in range(k):
        xs = sorted(rng.randint(-9, 9) for _ in range(rng.randint(0, 6)))
        rows.append(" ".join(map(str, [len(xs), *xs])))
    return f"{k}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="merge-sorted-lists", day=12, topic="heapq",
    title_en="Merge k sorted lists", title_zh="合并 k 个有序列表",
    statement_en=(
        "You get k lists, each sorted in non-decreasing order (some may be empty). Print all "
        "their values as one sorted list. If every list is empty, print an empty line."),
    statement_zh=(
        "给定 k 个非降序列表（可能为空），把所有值合并成一个有序列表输出；全为空时输出空行。"),
    input_format="Line 1: k. Next k lines: m followed by m sorted integers.",
    output_format="One line: all values in non-decreasing order.",
    input_format_zh="第 1 行：k。接下来 k 行：每行先是 m，后跟 m 个已排好序的整数。",
    output_format_zh="一行：按非降序排列的所有值。",
    examples=(("3\n3 1 4 5\n3 1 3 4\n2 2 6\n", "1 1 2 3 4 4 5 6\n"), ("2\n0\n0\n", "\n")),
    similar_to="LeetCode 23",
    header=("A heap holding the head of each list: O(N log k). Edge cases: empty lists; all "
            "lists empty; duplicates across lists."),
    header_zh=(
        "用一个堆保存每个列表当前的首元素：O(N log k)（N 为值的总数）。边界情况：空列表；"
        "所有列表都为空；不同列表之间的重复值。"),
    solve=solve, brute=brute, generate=generate,
)
