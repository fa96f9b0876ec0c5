"""Day 15 · Flatten a nested list (a recursive generator with yield from)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

from ..problem import Problem

_TOKEN = re.compile(r"-?\d+|[\[\]]")


def _parse(text: str) -> list:
    stack: list[list] = [[]]
    for tok in _TOKEN.findall(text):
        if tok == "[":
            stack.append([])
        elif tok == "]":
            done = stack.pop()
            stack[-1].append(done)
        else:
            stack[-1].append(int(tok))
    return stack[0][0]


def _walk(x: list) -> Iterator[tuple[int, int]]:
    """Yield (value, depth) for every integer, left to right."""
    for item in x:
        if isinstance(item, list):
            yield from ((v, d + 1) for v, d in _walk(item))
        else:
            yield item, 1


def solve(inp: str) -> str:
    pairs = list(_walk(_parse(inp)))
    return " ".join(str(v) for v, _ in pairs) + "\n" + f"{sum(v * d for v, d in pairs)}\n"


def brute(inp: str) -> str:
    depth, values, weighted = 0, [], 0
    for tok in _TOKEN.findall(inp):  # track the bracket depth while scanning tokens
        if tok == "[":
            depth += 1
        elif tok == "]":
            depth -= 1
        else:
            values.append(tok)
            weighted += int(tok) * depth
    return " ".join(str(int(v)) for v in values) + "\n" + f"{weighted}\n"


def _random_list(rng: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rng.randint(0, 3)):
        if depth < 3 and rng.random() < 0.4:
            parts.append(_random_list(rng, depth + 1))
        else:
            parts.append(str(rng.randint(-9, 9)))
    return "[" + ",".join(parts) + "]"


def generate(rng: random.Random) -> str:
    return _random_list(rng, 0) + "\n"


PROBLEM = Problem(
    id="flatten-nested", day=15, topic="generators",
    title_en="Flatten a nested list", title_zh="展开嵌套列表",
    statement_en=(
        "A list is written with brackets and commas, and may contain integers and other "
        "lists, e.g. [1,[2,[3]],4]. Print its integers from left to right on one line, and on "
        "a second line the sum of every integer multiplied by its depth (the outermost list "
        "is depth 1)."),
    statement_zh=(
        "一个列表用方括号和逗号书写，元素可以是整数或列表，例如 [1,[2,[3]],4]。第一行从左到右输出"
        "所有整数；第二行输出每个整数乘以其深度（最外层深度为 1）后的总和。"),
    input_format="One line: the nested list, no spaces.",
    output_format="Line 1: the integers (empty if none). Line 2: the weighted sum.",
    input_format_zh="一行：嵌套列表，不含空格。",
    output_format_zh="第 1 行：所有整数（没有则为空行）。第 2 行：加权和。",
    examples=(("[1,[2,[3]],4]\n", "1 2 3 4\n18\n"), ("[[],[-1]]\n", "-1\n-2\n")),
    similar_to="LeetCode 341 / 339",
    header=("Parse with a stack, walk with a recursive generator (yield from): O(length). "
            "Edge cases: empty inner lists; negative numbers; no integers at all."),
    header_zh=(
        "用栈解析，再用递归生成器（`yield from`）遍历：O(输入长度)。边界情况：空的内层列表；负数；"
        "完全没有整数。"),
    solve=solve, brute=brute, generate=generate,
)
