"""Day 18 · Evaluate + - * / without parentheses (parsing with a stack)."""

from __future__ import annotations

import random
import re

from ..problem import Problem

_TOKENS = re.compile(r"\d+|[-+*/]")


def _div(a: int, b: int) -> int:
    """Integer division rounding toward zero (Python's // rounds down)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def solve(inp: str) -> str:
    stack: list[int] = []
    op = "+"
    for tok in _TOKENS.findall(inp):
        if tok.isdigit():
            v = int(tok)
            if op == "+":
                stack.append(v)
            elif op == "-":
                stack.append(-v)
            elif op == "*":
                stack.append(stack.pop() * v)
            else:
                stack.append(_div(stack.pop(), v))
        else:
            op = tok
    return f"{sum(stack)}\n"


def brute(inp: str) -> str:
    toks = _TOKENS.findall(inp)
    items: list[int | str] = [int(t) if t.isdigit() else t for t in toks]
    while "*" in items or "/" in items:  # reduce the leftmost * or / first
        i = next(k for k, t in enumerate(items) if t in ("*", "/"))
        a, b = items[i - 1], items[i + 1]
        items[i - 1:i + 2] = [a * b if items[i] == "*" else _div(a, b)]
    total = items[0]
    for k in range(1, len(items), 2):
        total = total + items[k + 1] if items[k] == "+" else total - items[k + 1]
    return f"{total}\n"


def generate(rng: random.Random) -> str:
    parts = [str(rng.randint(0, 20))]
    for _ in range(rng.randint(0, 6)):
        op = rng.choice("+-*/")
        parts += [op, str(rng.randint(1 if op == "/" else 0, 20))]
    return "".join(p + (" " if rng.random() < 0.3 else "") for p in parts) + "\n"


PROBLEM = Problem(
    id="calculator", day=18, topic="strings",
    title_en="A four-operation calculator", title_zh="四则运算计算器",
    statement_en=(
        "Evaluate an expression made of non-negative integers and the operators + - * /, "
        "with optional spaces and no parentheses. * and / bind tighter than + and -, and "
        "operators of equal strength go left to right. Division keeps the integer part "
        "(9 / 2 is 4), so 7 - 9 / 2 is 3. No division by zero occurs."),
    statement_zh=(
        "计算由非负整数和 + - * / 组成的表达式（可含空格，无括号）。* / 优先于 + -，同级从左到右。"
        "除法向零取整。保证不会除以零。"),
    input_format="One line: the expression.",
    output_format="One integer.",
    input_format_zh="一行：表达式。",
    output_format_zh="一个整数。",
    examples=(("3+2*2\n", "7\n"), (" 14 - 3 / 2 \n", "13\n"), ("1-7/2*3\n", "-8\n")),
    similar_to="LeetCode 227",
    header=("One pass with a stack: push +v / -v, fold * and / into the top: O(n). "
            "Edge cases: spaces; multi-digit numbers; division of a negative intermediate "
            "rounds toward zero (Python's // does not)."),
    header_zh=(
        "用栈扫描一遍：压入 +v 或 -v，遇到 * 和 / 就与栈顶合并：O(n)。边界情况：空格；多位数；"
        "负的中间结果做除法要向零取整（Python 的 `//` 不是这样）。"),
    solve=solve, brute=brute, generate=generate,
)
