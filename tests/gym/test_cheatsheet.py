"""Every fenced python snippet of the gym cheat sheets runs (each in a fresh namespace)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
FILES = ("python_cheatsheet.md", "python_cheatsheet.zh-CN.md")
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _snippets() -> list[tuple[str, int, str]]:
    out = []
    for name in FILES:
        text = (DOCS / name).read_text(encoding="utf-8")
        blocks = _BLOCK.findall(text)
        assert len(blocks) >= 7, f"{name}: expected the seven sections' snippets"
        out += [(name, i, code) for i, code in enumerate(blocks, 1)]
    return out


@pytest.mark.parametrize("name,index,code", _snippets(), ids=lambda v: str(v)[:24])
def test_snippet_runs(name, index, code):
    exec(compile(code, f"{name}#snippet{index}", "exec"), {"__name__": "cheatsheet"})


def test_both_languages_cover_the_same_code():
    en, zh = (_BLOCK.findall((DOCS / f).read_text(encoding="utf-8")) for f in FILES)
    strip = lambda code: [ln.split("#")[0].rstrip() for ln in code.splitlines()]
    assert [strip(c) for c in en] == [strip(c) for c in zh]
    for module in ("collections", "itertools", "heapq", "bisect", "functools"):
        assert any(module in c for c in en), module
