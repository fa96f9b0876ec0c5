"""Every repository path that the lessons, docs and READMEs name exists, so that a rename
cannot leave a learner looking for a file that is gone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dlfs.paths import repo_root

ROOT = repo_root()
pytestmark = pytest.mark.skipif(ROOT is None, reason="needs the source checkout")

#: `src/dlfs/...`, `tests/...`, `benchmarks/...` or `docs/...` paths, optionally with a
#: glob star (`d10_*.py`) or a trailing slash (a folder)
PATH = re.compile(r"(?<![\w/.])((?:src/dlfs|tests|benchmarks|docs)/[\w./*-]*[\w*/])")
#: folders that commands write into (their files exist after a run, not in a checkout)
OUTPUTS = ("benchmarks/results/",)


def _texts() -> list[Path]:
    files = [*ROOT.glob("README*.md"), *(ROOT / "docs").rglob("*.md"),
             *(ROOT / "src" / "dlfs" / "lessons").rglob("*.py")]
    return sorted(f for f in files if "__pycache__" not in f.parts)


def _missing(text: str) -> list[str]:
    missing = []
    for match in PATH.finditer(text):
        path = match.group(1).rstrip(".")
        if path.startswith(OUTPUTS) or text[match.end():match.end() + 1] == "<":
            continue                               # an output, or a pattern: chNN_<area>/
        if not (any(ROOT.glob(path)) if "*" in path else (ROOT / path).exists()):
            missing.append(path)
    return missing


def test_the_scan_sees_a_missing_path():
    assert _missing("see `src/dlfs/nn/linear.py` and `src/dlfs/nn/nowhere.py`") == [
        "src/dlfs/nn/nowhere.py"]
    assert _missing("the problems `src/dlfs/gym/problems/d10_*.py`") == []
    assert _missing("write `src/dlfs/lessons/chNN_<area>/<name>.py`") == []


@pytest.mark.parametrize("path", _texts() if ROOT else [], ids=lambda p: p.name)
def test_named_paths_exist(path: Path):
    assert _missing(path.read_text(encoding="utf-8")) == []
