"""Every python code block of the shape cheat sheets runs, and its asserts hold.

Blocks of one document run in order in one namespace (later blocks use earlier names).
The English and Chinese sheets must carry the same code, so they cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
SHEETS = ["shape_cheatsheet.md", "shape_cheatsheet.zh-CN.md"]
_FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every fenced ```python block."""
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in _FENCE.finditer(text)]


def _code_lines(code: str) -> list[str]:
    """Code without comments and blank lines (comments may be translated)."""
    lines = [re.sub(r"\s+#.*$", "", ln).rstrip() for ln in code.splitlines()]
    return [ln for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def test_extractor_finds_blocks_and_line_numbers():
    text = "intro\n```python\nx = 1\n```\ntext\n```bash\nls\n```\n```python\ny = 2\n```\n"
    assert python_blocks(text) == [(3, "x = 1\n"), (10, "y = 2\n")]


@pytest.mark.parametrize("name", SHEETS)
def test_every_block_runs(name):
    path = DOCS / name
    blocks = python_blocks(path.read_text(encoding="utf-8"))
    assert len(blocks) >= 6, f"{name}: expected the six sections' code blocks"
    namespace: dict = {"__name__": f"cheatsheet_{name}"}
    for line, code in blocks:
        try:
            exec(compile(code, f"{path}:{line}", "exec"), namespace)
        except Exception as exc:  # name the block that failed
            raise AssertionError(f"{name}, code block at line {line} failed: {exc!r}") from exc


def test_each_block_asserts_something():
    for name in SHEETS:
        text = (DOCS / name).read_text(encoding="utf-8")
        for line, code in python_blocks(text)[1:]:  # the first block only sets up names
            assert "assert" in code, f"{name}: block at line {line} checks nothing"


def test_english_and_chinese_sheets_have_the_same_code():
    en, zh = ((DOCS / n).read_text(encoding="utf-8") for n in SHEETS)
    en_blocks = [_code_lines(c) for _, c in python_blocks(en)]
    zh_blocks = [_code_lines(c) for _, c in python_blocks(zh)]
    assert en_blocks == zh_blocks
