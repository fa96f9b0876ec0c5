"""Day 18 · Expand k[...] repetitions (a stack of partial strings)."""

from __future__ import annotations

import random
import re

from ..problem import Problem

_INNER = re.compile(r"(\d+)\[([a-z]*)\]")


def solve(inp: str) -> str:
    stack: list[tuple[str, int]] = []
    cur, num = "", 0
    for ch in inp.strip():
        if ch.isdigit():
            num = num * 10 + int(ch)
        elif ch == "[":
            stack.append((cur, num))
            cur, num = "", 0
        elif ch == "]":
            prev, k = stack.pop()
            cur = prev + cur * k
        else:
            cur += ch
    return cur + "\n"


def brute(inp: str) -> str:
    s = inp.strip()
    while "[" in s:  # expand innermost groups until none is left
        s = _INNER.sub(lambda m: m.group(2) * int(m.group(1)), s)
    return s + "\n"


def _random_code(rng: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rng.randint(1, 3)):
        if depth < 2 and rng.random() < 0.5:
            parts.append(f"{rng.randint(1, 3)}[{_random_code(rng, depth + 1)}]")
        else:
            parts.append("".join(rng.choice("xyz") for _ in range(rng.randint(1, 2))))
    return "".join(parts)


def generate(rng: random.Random) -> str:
    return _random_code(rng, 0) + "\n"


PROBLEM = Problem(
    id="decode-string", day=18, topic="strings",
    title_en="Expand repeated groups", title_zh="字符串解码",
    statement_en=(
        "A code is made of lowercase letters and groups k[code], meaning code written k "
        "times (k a positive integer, groups may nest). Print the fully expanded text."),
    statement_zh=(
        "编码由小写字母和形如 k[code] 的组构成，表示 code 重复 k 次（k 为正整数，可嵌套）。输出完"
        "全展开后的文本。"),
    input_format="One line: a valid code.",
    output_format="One line: the expansion.",
    input_format_zh="一行：一个合法的编码。",
    output_format_zh="一行：展开后的文本。",
    examples=(("3[a]2[bc]\n", "aaabcbc\n"), ("3[a2[c]]\n", "accaccacc\n"),
              ("2[abc]3[cd]ef\n", "abcabccdcdcdef\n")),
    similar_to="LeetCode 394",
    header=("Push (text so far, k) at '[' and pop at ']': O(output). "
            "Edge cases: multi-digit k (10[a]); nesting; letters after the last group."),
    header_zh=(
        "遇到 '[' 时压入二元组（已有的文本，k），遇到 ']' 时弹出：O(输出长度)。边界情况："
        "多位数的 k（`10[a]`）；嵌套；最后一组之后还有字母。"),
    solve=solve, brute=brute, generate=generate,
)
