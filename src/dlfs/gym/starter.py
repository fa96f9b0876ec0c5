"""Problems as text: the card ``dlfs gym show`` prints (and lessons reuse), and the starter
file ``dlfs gym new <id>`` writes: the problem as a comment, the seed's header to fill in,
and a stdin→stdout skeleton that reads all input at once."""

from __future__ import annotations

import textwrap

from .problem import Problem

STDLIB_ONLY = "standard library only · 仅限标准库"


def _comment(text: str, width: int = 88) -> str:
    lines = []
    for para in text.splitlines() or [""]:
        lines += textwrap.wrap(para, width) or [""]
    return "\n".join(f"# {line}".rstrip() for line in lines)


def starter_source(problem: Problem) -> str:
    """Source text of a starter solution for ``problem``.

    >>> from dlfs.gym.problems import get_problem
    >>> src = starter_source(get_problem("window-max"))
    >>> "def main()" in src and "Complexity:" in src and "dlfs gym check window-max" in src
    True
    """
    inp, out = problem.examples[0]
    similar = f" (similar to {problem.similar_to})" if problem.similar_to else ""
    return f'''# Day {problem.day} · {problem.title_en} · {problem.title_zh}{similar}
#
{_comment(problem.statement_en)}
#
{_comment(problem.statement_zh)}
#
# Input:  {problem.input_format}
# Output: {problem.output_format}
# Limits: {problem.limits.time_s:g} s per test, {problem.limits.memory_mb} MB, {STDLIB_ONLY}
#
# Example input:
{_comment(inp.rstrip())}
# Example output:
{_comment(out.rstrip())}
#
# --- your header (fill in before you code) ---
# Approach:
# Complexity:
# Edge cases:
#
# Check:  dlfs gym check {problem.id} <this file>
# Review: dlfs gym review {problem.id}
import sys


def main() -> None:
    data = sys.stdin.buffer.read().split()
    # TODO: parse `data`, solve, and print the answer
    print(len(data))


if __name__ == "__main__":
    main()
'''


def render_problem(p: Problem, lang: str | None = None, hint: bool = False) -> str:
    """A problem card: statement(s), formats, limits, examples and, with ``hint``, the header.

    >>> from dlfs.gym.problems import get_problem
    >>> card = render_problem(get_problem("coin-change"), lang="en", hint=True)
    >>> "Fewest coins" in card and "零钱" not in card and "Hint" in card
    True
    """
    similar = f"   (similar to {p.similar_to})" if p.similar_to else ""
    parts = [f"# {p.id} — Day {p.day}, {p.topic}{similar}\n"]
    if lang != "zh":
        parts.append(f"## {p.title_en}\n\n{p.statement_en}\n")
    if lang != "en":
        parts.append(f"## {p.title_zh}\n\n{p.statement_zh}\n")
    tol = f", numbers compared within {p.float_tol:g}" if p.float_tol else ""
    parts.append(f"Input:  {p.input_format}\nOutput: {p.output_format}\n"
                 f"Limits: {p.limits.time_s:g} s per test, {p.limits.memory_mb} MB{tol}, "
                 f"{STDLIB_ONLY}")
    for i, (inp, out) in enumerate(p.examples, 1):
        parts.append(f"\n--- example {i} input ---\n{inp.rstrip()}\n"
                     f"--- example {i} output ---\n{out.rstrip()}")
    if hint:
        parts.append(f"\nHint (complexity and edge cases): {p.header}")
    return "\n".join(parts)
