"""Day 15 · Round-robin over several lists (iterators and zip_longest)."""

from __future__ import annotations

import random
from itertools import chain, zip_longest

from ..problem import Problem

_GAP = object()


def _parse(inp: str) -> list[list[str]]:
    lines = inp.split("\n")
    rows = []
    for line in lines[1:1 + int(lines[0])]:
        tok = line.split()
        rows.append(tok[1:1 + int(tok[0])])
    return rows


def solve(inp: str) -> str:
    merged = (v for v in chain.from_iterable(zip_longest(*_parse(inp), fillvalue=_GAP))
              if v is not _GAP)
    return " ".join(merged) + "\n"


def brute(inp: str) -> str:
    rows = _parse(inp)
    out = []
    for i in range(max((len(r) for r in rows), default=0)):
        out.extend(r[i] for r in rows if i < len(r))
    return " ".join(out) + "\n"


def generate(rng: random.Random) -> str:
    k = rng.randint(1, 4)
    rows = []
    for _ in range(k):
        xs = [str(rng.randint(0, 99)) for _ in range(rng.randint(0, 5))]
        rows.append(" ".join([str(len(xs)), *xs]))
    return f"{k}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="round-robin", day=15, topic="generators",
    title_en="Round-robin over several lists", title_zh="轮流取数",
    statement_en=(
        "Take values from k lists in turns: the first value of every list (in list order), "
        "then the second value of every list that still has one, and so on. Print the "
        "values in the order taken."),
    statement_zh=(
        "轮流从 k 个列表中取值：先依次取每个列表的第一个，再取每个还有剩余的列表的第二个，依此类推"
        "。按取出顺序输出。"),
    input_format="Line 1: k. Next k lines: m followed by m integers.",
    output_format="One line: all values in round-robin order.",
    input_format_zh="第 1 行：k。接下来 k 行：每行先是 m，后跟 m 个整数。",
    output_format_zh="一行：按轮流顺序排列的所有值。",
    examples=(("3\n2 1 2\n4 3 4 5 6\n1 7\n", "1 3 7 2 4 5 6\n"),),
    similar_to="LeetCode 281",
    header=("zip_longest with a sentinel fill, chain.from_iterable, filter the sentinel; all "
            "lazy: O(total). Edge cases: empty lists; a value equal to a naive fill value "
            "(use a private sentinel object, not None or 0)."),
    header_zh=(
        "`zip_longest` 用哨兵值填充，`chain.from_iterable` 串起来，再滤掉哨兵；全程惰性求值："
        "O(值的总数)。边界情况：空列表；某个值恰好等于随手选的填充值（要用私有的哨兵对象，"
        "不要用 `None` 或 0）。"),
    solve=solve, brute=brute, generate=generate,
)
