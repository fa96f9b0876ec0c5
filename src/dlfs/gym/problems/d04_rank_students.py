"""Day 4 · Rank students (sorting by a tuple key)."""

from __future__ import annotations

import random

from ..problem import Problem


def solve(inp: str) -> str:
    lines = inp.split("\n")
    n = int(lines[0])
    rows = []
    for line in lines[1:1 + n]:
        name, score, age = line.split()
        rows.append((name, int(score), int(age)))
    rows.sort(key=lambda r: (-r[1], r[2], r[0]))
    return "\n".join(r[0] for r in rows) + "\n"


def brute(inp: str) -> str:
    lines = inp.split("\n")
    n = int(lines[0])
    rows = [line.split() for line in lines[1:1 + n]]
    rows = [(n_, int(s), int(a)) for n_, s, a in rows]

    def before(x, y):  # explicit comparison, then insertion sort
        if x[1] != y[1]:
            return x[1] > y[1]
        if x[2] != y[2]:
            return x[2] < y[2]
        return x[0] < y[0]

    out: list[tuple[str, int, int]] = []
    for r in rows:
        i = 0
        while i < len(out) and not before(r, out[i]):
            i += 1
        out.insert(i, r)
    return "\n".join(r[0] for r in out) + "\n"


def generate(rng: random.Random) -> str:
    n = rng.randint(1, 12)
    names = rng.sample(["ann", "bo", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo",
                        "kim", "lu", "max", "ned"], n)
    rows = [f"{nm} {rng.randint(60, 64)} {rng.randint(18, 20)}" for nm in names]
    return f"{n}\n" + "\n".join(rows) + "\n"


PROBLEM = Problem(
    id="rank-students", day=4, topic="sorting",
    title_en="Rank the students", title_zh="学生排名",
    statement_en=(
        "Each of n students has a unique name, a score and an age. Print the names in "
        "ranking order: higher score first; on equal scores the younger student first; "
        "if still tied, alphabetical order of names."),
    statement_zh=(
        "n 名学生各有唯一姓名、分数和年龄。按分数从高到低排名；分数相同则年龄小的在前；仍相同按姓"
        "名字母序。"),
    input_format="Line 1: n. Next n lines: name score age.",
    output_format="n lines: the names in ranking order.",
    input_format_zh="第 1 行：n。接下来 n 行：每行 `name score age`（姓名、分数、年龄）。",
    output_format_zh="n 行：按排名顺序输出姓名。",
    examples=(("4\nann 90 20\nbob 95 21\ncat 90 19\ndan 90 19\n", "bob\ncat\ndan\nann\n"),),
    header=("One sort with key=(-score, age, name): O(n log n). "
            "Edge cases: all scores equal; compare numbers as ints, not strings."),
    header_zh=(
        "用 `key=(-score, age, name)` 排序一次：O(n log n)。边界情况：所有分数都相同；"
        "数字要按整数比较，不能按字符串比较。"),
    solve=solve, brute=brute, generate=generate,
)
