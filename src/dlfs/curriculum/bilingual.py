"""One lesson file, two languages: every markdown cell has its Chinese twin right after it.

A lesson is a py:percent file. Its narrative is markdown cells; the Chinese version of a cell
follows it as a markdown cell marked ``lang="zh"``::

    # %% [markdown]
    # ## 2. Shape, strides and memory
    # `x[i, j]` lives at `storage_offset + i * stride[0] + j * stride[1]`.

    # %% [markdown] lang="zh"
    # ## 2. 形状、步长与内存
    # `x[i, j]` 位于 `storage_offset + i * stride[0] + j * stride[1]`。

The code is written once. A terminal run ignores both (they are comments); jupytext reads the
marker as cell metadata, so the site keeps the cells of one language per page.
:func:`pairing_problems` is the check behind ``tests/test_lesson_bilingual.py``: an English
cell without its twin, a twin without an English cell, an empty or untranslated twin, or
maths and code spans that differ between the two fail it, so the languages cannot drift.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADER = re.compile(r"^# %%(?P<rest>.*)$")
_LANG = re.compile(r'\blang="(?P<lang>[a-z]+)"')
_CJK = re.compile(r"[\u4e00-\u9fff]")
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
_CODE = re.compile(r"`[^`\n]+`")


@dataclass(frozen=True)
class Cell:
    """One cell of a py:percent file."""

    kind: str            # "markdown" or "code"
    lang: str | None     # "zh" for a Chinese twin, None otherwise
    line: int            # 1-based line of the `# %%` header
    text: str            # the markdown without the leading "# " (code cells: the code)


def read_cells(source: str) -> list[Cell]:
    """The cells of a py:percent file (text before the first header is ignored)."""
    cells: list[Cell] = []
    header: tuple[str, str | None, int] | None = None
    body: list[str] = []

    def close() -> None:
        if header is not None:
            kind, lang, line = header
            lines = body
            if kind == "markdown":
                lines = [ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body]
            cells.append(Cell(kind, lang, line, "\n".join(lines).strip()))

    for number, line in enumerate(source.splitlines(), 1):
        match = _HEADER.match(line)
        if match:
            close()
            rest = match["rest"]
            lang = _LANG.search(rest)
            header = ("markdown" if "[markdown]" in rest else "code",
                      lang["lang"] if lang else None, number)
            body = []
        else:
            body.append(line)
    close()
    return cells


def _spans(pattern: re.Pattern[str], text: str) -> list[str]:
    return sorted(" ".join(m.split()) for m in pattern.findall(text))


def pairing_problems(source: str, name: str = "lesson") -> list[str]:
    """Why the English and Chinese narrative of ``source`` do not pair up ([] when they do)."""
    out = []
    cells = read_cells(source)
    for i, cell in enumerate(cells):
        if cell.kind != "markdown":
            continue
        where = f"{name}:{cell.line}"
        if cell.lang is None:
            twin = cells[i + 1] if i + 1 < len(cells) else None
            if twin is None or twin.kind != "markdown" or twin.lang != "zh":
                out.append(f"{where}: an English markdown cell without its Chinese twin "
                           '(the next cell must be `# %% [markdown] lang="zh"`)')
                continue
            if not twin.text or not _CJK.search(twin.text):
                out.append(f"{name}:{twin.line}: the Chinese twin is empty or not Chinese")
            if set(_spans(_MATH, cell.text)) != set(_spans(_MATH, twin.text)):
                out.append(f"{name}:{twin.line}: the maths differs from the English cell")
            if set(_spans(_CODE, cell.text)) != set(_spans(_CODE, twin.text)):
                out.append(f"{name}:{twin.line}: the `code` spans differ from the English cell")
        elif cell.lang == "zh":
            before = cells[i - 1] if i > 0 else None
            if before is None or before.kind != "markdown" or before.lang is not None:
                out.append(f"{where}: a Chinese cell with no English cell before it")
        else:
            out.append(f'{where}: unknown lang="{cell.lang}" (only "zh" twins exist)')
    return out


_FENCE = re.compile(r"^```([\w+-]*)[^\n]*\n(.*?)^```", re.S | re.M)
_HEADING = re.compile(r"^(#{1,6}) ", re.M)


def _code_only(block: str) -> list[str]:
    """The lines of a code block without comments and blank lines (comments are translated,
    the code is not). Python's tokenizer finds the comments; a block it cannot read (shell,
    output) is compared as it is."""
    import io
    import tokenize

    lines = block.splitlines()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(block).readline):
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                lines[row - 1] = lines[row - 1][:col]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        lines = block.splitlines()
    return [line.rstrip() for line in lines if line.strip()]


def doc_pairing_problems(en: str, zh: str, name: str = "doc") -> list[str]:
    """Why an English markdown document and its Chinese version (``docs/X.md`` and
    ``docs/X.zh-CN.md``) do not pair up: different heading structure, a code block more or
    less, code that differs (comments aside), or a "translation" with no Chinese in it."""
    out = []
    prose_en, prose_zh = _FENCE.sub("", en), _FENCE.sub("", zh)
    levels_en = [len(h) for h in _HEADING.findall(prose_en)]
    levels_zh = [len(h) for h in _HEADING.findall(prose_zh)]
    if levels_en != levels_zh:
        out.append(f"{name}: the headings differ (English {len(levels_en)}, Chinese "
                   f"{len(levels_zh)}, or at other levels)")
    blocks_en, blocks_zh = _FENCE.findall(en), _FENCE.findall(zh)
    if len(blocks_en) != len(blocks_zh):
        out.append(f"{name}: {len(blocks_en)} code blocks in English, {len(blocks_zh)} in "
                   "Chinese")
    for i, ((lang_en, code_en), (lang_zh, code_zh)) in enumerate(zip(blocks_en, blocks_zh), 1):
        if lang_en != lang_zh or _code_only(code_en) != _code_only(code_zh):
            out.append(f"{name}: code block {i} differs between the languages")
    if not _CJK.search(prose_zh):
        out.append(f"{name}: the Chinese version has no Chinese text")
    return out


def lesson_problems(path: Path) -> list[str]:
    """:func:`pairing_problems` of a lesson file."""
    return pairing_problems(path.read_text(encoding="utf-8"), path.name)


def narrative(source: str, lang: str) -> str:
    """The lesson with the markdown of one language only (``"en"`` or ``"zh"``), for the site
    and notebooks; code cells are kept."""
    keep = []
    for cell in read_cells(source):
        if cell.kind == "markdown" and (cell.lang or "en") != lang:
            continue
        keep.append(cell)
    return "\n\n".join(_render(c) for c in keep) + "\n"


def _render(cell: Cell) -> str:
    if cell.kind == "code":
        return f"# %%\n{cell.text}"
    body = "\n".join(f"# {ln}" if ln else "#" for ln in cell.text.splitlines())
    return f"# %% [markdown]\n{body}"
