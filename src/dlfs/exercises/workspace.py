"""The learner's folder (``./dlfs-work`` by default): stubs are written there, graded from
there, and never overwritten."""

from __future__ import annotations

import ast
import os
import re
import textwrap
import unicodedata
from pathlib import Path

from ..errors import DlfsError
from ..i18n import t
from .schema import BASE_IMPORTS, Exercise

WORKSPACE_ENV = "DLFS_WORKSPACE"
DEFAULT_WORKSPACE = "dlfs-work"


def workspace_dir(given: str | None = None) -> Path:
    """``--workspace``, else ``$DLFS_WORKSPACE``, else ``./dlfs-work``."""
    path = Path(given or os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE)
    if path.exists() and not path.is_dir():
        raise DlfsError(t("exercises.err.workspace_file", path=path))
    return path


def exercise_file(exercise: Exercise, workspace: Path) -> Path:
    return workspace / f"{exercise.id}.py"


def _with_raise(stub: str) -> str:
    """End every ``def`` that has no ``return``/``raise``/``yield`` with ``raise
    NotImplementedError`` (a body of ``...`` is replaced by it)."""
    source = textwrap.dedent(stub).strip("\n") + "\n"
    lines = source.splitlines()
    edits: list[tuple[int, int, str]] = []   # (first line, last line) replaced by text
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        exits = (ast.Return, ast.Raise, ast.Yield, ast.YieldFrom)
        if any(isinstance(n, exits) for n in ast.walk(node)):
            continue
        last = node.body[-1]
        indent = " " * last.col_offset
        is_dots = isinstance(last, ast.Expr) and getattr(last.value, "value", None) is Ellipsis
        if is_dots:
            edits.append((last.lineno, last.end_lineno, f"{indent}raise NotImplementedError"))
        else:
            edits.append((last.end_lineno + 1, last.end_lineno,
                          f"{indent}raise NotImplementedError"))
    for first, end, text in sorted(edits, reverse=True):
        lines[first - 1:end] = [text]
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(text: str, width: int = 88) -> list[str]:
    """Wrap at ``width`` columns; Chinese characters count two and may break anywhere,
    runs of Latin letters and digits are kept whole."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for token in re.findall(r"[\x21-\x7e]+|\s+|.", para):
            if _width(line) + _width(token) > width and line.strip():
                out.append(line.rstrip())
                line = "" if token.isspace() else token
            else:
                line += token
        out.append(line.rstrip())
    return out


def render_stub(exercise: Exercise) -> str:
    """The starting file: the task in English and Chinese, the imports, the stub."""
    en, zh = exercise.task
    uses = any(line.startswith(("from dlfs", "import dlfs")) for line in exercise.imports)
    if exercise.builtins_ok:
        rule_en = "PyTorch built-ins are allowed here; the library's own solution is not."
        rule_zh = "这里可以用 PyTorch 内置函数，但不能调用本库自己的实现。"
    else:
        rule_en = "The PyTorch built-ins that do this job are refused at check time."
        rule_zh = "检查时会拒绝直接调用完成同一工作的 PyTorch 内置函数。"
    may_en = "basic torch operations" + (" and the dlfs pieces imported below" if uses else "")
    may_zh = "基本的 torch 运算" + ("，以及下面导入的 dlfs 部件" if uses else "")
    header = [f"{exercise.title[0]} · {exercise.title[1]}", "", *_wrap(en), "", *_wrap(zh),
              "", *_wrap(f"You may use {may_en}. {rule_en}"),
              *_wrap(f"可以使用{may_zh}。{rule_zh}"), "",
              f"    dlfs exercise check {exercise.id}     # grade this file · 评分",
              f"    dlfs exercise hint {exercise.id}      # one hint at a time · 逐条提示"]
    doc = '"""' + "\n".join(header).replace('"""', "'''") + '\n"""'
    imports = "\n".join([*BASE_IMPORTS, *exercise.imports])
    return f"{doc}\n\n{imports}\n\n\n{_with_raise(exercise.stub)}"


def write_stub(exercise: Exercise, workspace: Path) -> Path:
    """Create ``<workspace>/<id>.py``; an existing file is never overwritten."""
    path = exercise_file(exercise, workspace)
    if path.exists():
        raise DlfsError(t("exercises.err.exists", path=path, id=exercise.id))
    workspace.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as f:
        f.write(render_stub(exercise))
    return path


def reset_stub(exercise: Exercise, workspace: Path) -> tuple[Path, Path | None]:
    """Move the learner's file to ``<id>.py.bak`` (replacing an older backup) and write a
    fresh stub; returns (stub, backup or None)."""
    path = exercise_file(exercise, workspace)
    backup = None
    if path.exists():
        backup = path.with_name(path.name + ".bak")
        os.replace(path, backup)
    return write_stub(exercise, workspace), backup
