"""Problems as text: the card ``dlfs gym show`` prints (and lessons reuse), and the starter
file ``dlfs gym new <id>`` writes: the problem as a comment, the seed's header to fill in,
and a stdin→stdout skeleton that reads all input at once."""

from __future__ import annotations

import textwrap

from ..i18n import LANGS, catalogue, t
from ..i18n import lang as current_lang
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
    similar = ""
    if problem.similar_to:
        zh = problem.similar("zh")
        also = "" if zh == problem.similar_to else f" · 类似 {zh}"
        similar = f" (similar to {problem.similar_to}{also})"
    return f'''# Day {problem.day} · {problem.title_en} · {problem.title_zh}{similar}
#
{_comment(problem.statement_en)}
#
{_comment(problem.statement_zh)}
#
{_comment("Input:  " + problem.input_format)}
{_comment("输入：" + problem.input_format_zh)}
{_comment("Output: " + problem.output_format)}
{_comment("输出：" + problem.output_format_zh)}
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


def _say(key: str, lang: str, **fields: object) -> str:
    """Message ``key`` in ``lang``, whatever the current language."""
    return catalogue()[key][LANGS.index(lang)].format(**fields)


def render_problem(p: Problem, lang: str | None = None, hint: bool = False) -> str:
    """A problem card: statement(s), formats, limits, examples and, with ``hint``, the header.

    ``lang`` ("en" or "zh") shows the problem in that language only; ``None`` shows both
    versions, each statement followed by its own input and output formats. The heading,
    limits, examples and hint labels are in the current language, and so is the hint itself
    when ``lang`` is ``None``.

    >>> from dlfs.gym.problems import get_problem
    >>> card = render_problem(get_problem("coin-change"), lang="en", hint=True)
    >>> "Fewest coins" in card and "零钱" not in card and "Hint" in card
    True
    >>> card = render_problem(get_problem("counting-out"), lang="zh", hint=True)
    >>> "约瑟夫问题" in card and "一行：n k" in card and "边界情况" in card and "Line" not in card
    True
    """
    shown = lang or current_lang()
    similar = t("gym.show.similar", name=p.similar(shown)) if p.similar_to else ""
    parts = [t("gym.show.heading", id=p.id, day=p.day, topic=topic_name(p.topic),
               similar=similar) + "\n"]
    versions = (("en", p.title_en, p.statement_en, p.input_format, p.output_format),
                ("zh", p.title_zh, p.statement_zh, p.input_format_zh, p.output_format_zh))
    for code, title, statement, input_format, output_format in versions:
        if lang in (None, code):
            parts.append(f"## {title}\n\n{statement}\n\n"
                         + _say("gym.show.input", code, text=input_format) + "\n"
                         + _say("gym.show.output", code, text=output_format) + "\n")
    tol = t("gym.show.tol", tol=p.float_tol) if p.float_tol else ""
    parts.append(t("gym.show.limits", time_s=p.limits.time_s, memory_mb=p.limits.memory_mb,
                   tol=tol))
    for i, (inp, out) in enumerate(p.examples, 1):
        parts.append("\n".join(("", t("gym.show.example_input", i=i), inp.rstrip(),
                                 t("gym.show.example_output", i=i), out.rstrip())))
    if hint:
        parts.append("\n" + t("gym.show.hint", header=p.header_zh if shown == "zh" else p.header))
    return "\n".join(parts)
