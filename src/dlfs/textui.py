"""Terminal tables that line up by display width, not by ``len``.

A Chinese character takes two terminal columns and a combining mark none, so padding with
``f"{s:<20}"`` misaligns every row with Chinese titles. Widths come from ``wcwidth``.

>>> print("\\n".join(table([["id", "标题"], ["a-long-id", "张量"], ["b", "x"]], align="<<")))
id         标题
a-long-id  张量
b          x
"""

from __future__ import annotations

from collections.abc import Sequence

from wcwidth import wcswidth, wcwidth


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (control characters count as zero).

    >>> display_width("abc"), display_width("第 3 天"), display_width("e\\u0301")
    (3, 7, 1)
    """
    width = wcswidth(text)
    if width >= 0:
        return width
    return sum(max(wcwidth(ch), 0) for ch in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` columns (``<`` left, ``>`` right)."""
    fill = " " * max(width - display_width(text), 0)
    return fill + text if align == ">" else text + fill


def table(rows: Sequence[Sequence[object]], *, align: str = "", indent: str = "",
          gap: int = 2) -> list[str]:
    """Lines of a plain table: every column as wide as its widest cell.

    ``align`` has one character per column (``<`` or ``>``; missing ones are ``<``). The last
    column is not padded, so no line ends in spaces.
    """
    cells = [[str(c) for c in row] for row in rows]
    if not cells:
        return []
    n = max(len(r) for r in cells)
    widths = [max((display_width(r[i]) for r in cells if i < len(r)), default=0)
              for i in range(n)]
    aligns = align.ljust(n, "<")
    lines = []
    for row in cells:
        parts = [pad(c, widths[i], aligns[i]) if i < len(row) - 1 or aligns[i] == ">" else c
                 for i, c in enumerate(row)]
        lines.append((indent + (" " * gap).join(parts)).rstrip())
    return lines
