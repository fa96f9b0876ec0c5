"""Problems as text: the card ``dlfs gym show`` prints (and lessons reuse), and the starter
file ``dlfs gym new <id>`` writes: the problem as a comment, the seed's header to fill in,
and a stdin→stdout skeleton that reads all input at once."""

from __future__ import annotations

import textwrap

from ..i18n import catalogue, t
from .problem import Problem

#: In the starter file (written to disk, in both languages).
STDLIB_ONLY = "standard library only · 仅限标准库"


def topic_name(topic: str) -> str:
    """A problem's topic in the current language (Python names such as ``heapq`` stay).

    >>> topic_name("dynamic programming"), topic_name("heapq")
    ('dynamic programming', 'heapq')
    """
    slug = "-".join(topic.lower().replace("/", " ").split())
    return t(f"gym.topic.{slug}") if f"gym.topic.{slug}" in catalogue() else topic


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
    similar = t("gym.show.similar", name=p.similar_to) if p.similar_to else ""
    parts = [t("gym.show.heading", id=p.id, day=p.day, topic=topic_name(p.topic),
               similar=similar) + "\n"]
    if lang != "zh":
        parts.append(f"## {p.title_en}\n\n{p.statement_en}\n")
    if lang != "en":
        parts.append(f"## {p.title_zh}\n\n{p.statement_zh}\n")
    tol = t("gym.show.tol", tol=p.float_tol) if p.float_tol else ""
    parts.append("\n".join((t("gym.show.input", text=p.input_format),
                            t("gym.show.output", text=p.output_format),
                            t("gym.show.limits", time_s=p.limits.time_s,
                              memory_mb=p.limits.memory_mb, tol=tol))))
    for i, (inp, out) in enumerate(p.examples, 1):
        parts.append("\n".join(("", t("gym.show.example_input", i=i), inp.rstrip(),
                                 t("gym.show.example_output", i=i), out.rstrip())))
    if hint:
        parts.append("\n" + t("gym.show.hint", header=p.header))
    return "\n".join(parts)
