"""The starter file ``dlfs gym new <id>`` writes: the problem as a comment, the seed's header
to fill in, and a stdin→stdout skeleton that reads all input at once."""

from __future__ import annotations

import textwrap

from .problem import Problem


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
# Limits: {problem.limits.time_s:g} s per test, {problem.limits.memory_mb} MB
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
