"""Day 8 · Letter combinations of a phone number (itertools.product)."""

from __future__ import annotations

import random
from itertools import product

from ..problem import Problem

KEYS = {"2": "abc", "3": "def", "4": "ghi", "5": "jkl", "6": "mno", "7": "pqrs", "8": "tuv",
        "9": "wxyz"}


def solve(inp: str) -> str:
    digits = inp.strip()
    return " ".join("".join(p) for p in product(*(KEYS[d] for d in digits))) + "\n"


def brute(inp: str) -> str:
    words = [""]
    for d in inp.strip():  # extend every partial word by every letter, breadth first
        words = [w + ch for w in words for ch in KEYS[d]]
    return " ".join(words) + "\n"


def generate(rng: random.Random) -> str:
    return "".join(rng.choice("23456789") for _ in range(rng.randint(1, 4))) + "\n"


PROBLEM = Problem(
    id="phone-words", day=8, topic="itertools",
    title_en="Words a phone number can spell", title_zh="电话号码的字母组合",
    statement_en=(
        "On a phone keypad, 2 = abc, 3 = def, 4 = ghi, 5 = jkl, 6 = mno, 7 = pqrs, 8 = tuv, "
        "9 = wxyz. Given a string of digits 2–9, print every letter string it can spell, in "
        "alphabetical order."),
    statement_zh=(
        "手机键盘上 2=abc, 3=def, 4=ghi, 5=jkl, 6=mno, 7=pqrs, 8=tuv, 9=wxyz。给定由 2–9 组成的"
        "数字串，按字母序输出它能拼出的所有字母串。"),
    input_format="One line: 1 to 8 digits from 2..9.",
    output_format="One line: all strings separated by spaces, in alphabetical order.",
    input_format_zh="一行：1 到 8 个数字，每个取自 2..9。",
    output_format_zh="一行：所有字母串，以空格分隔，按字母序排列。",
    examples=(("23\n", "ad ae af bd be bf cd ce cf\n"), ("7\n", "p q r s\n")),
    similar_to="LeetCode 17",
    header=("itertools.product over the letter groups yields them already in order: "
            "O(4^n · n). Edge cases: 7 and 9 have four letters; a single digit."),
    header_zh=(
        "对各数字的字母组做 `itertools.product`，产出的顺序本身就是字母序：O(4^n · n)。边界情况："
        "7 和 9 各有四个字母；只有一个数字。"),
    solve=solve, brute=brute, generate=generate,
)
