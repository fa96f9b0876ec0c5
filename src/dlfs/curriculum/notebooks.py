"""Turn lessons (py:percent files) into Jupyter notebooks: ``make docs`` or
``python -m dlfs.curriculum.notebooks OUT_DIR [lesson-id ...]``.

Needs the optional ``jupytext`` package (``pip install -e '.[notebook]'``; `make` installs it).
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..errors import DlfsError
from .registry import all_lessons, get_lesson, lesson_file
from .schema import Lesson


def your_turn_markdown(lesson_id: str) -> str:
    """The closing "Your turn" cell: the exercises this lesson teaches, how to start one on
    the command line and how to check a function written in the notebook ("" if none)."""
    from ..exercises.bank import exercises_for_lesson  # the workbench sits above us

    exercises = exercises_for_lesson(lesson_id)
    if not exercises:
        return ""
    lines = ["## Your turn · 轮到你了", "",
             "Write these pieces yourself; they are graded offline by the tests that prove the "
             "library's own. 亲手实现下面这些部件，用证明本库实现的同一套测试离线评分。", ""]
    lines += [f"- `{e.id}`: {e.title[0]} · {e.title[1]} — `dlfs exercise start {e.id}`"
              for e in exercises]
    first = exercises[0]
    lines += ["", "In this notebook · 在笔记本里:", "", "```python",
              "from dlfs.exercises import check",
              f"check({first.id!r}, {first.entry})   # after defining {first.entry} here",
              "```"]
    return "\n".join(lines)


def lesson_to_notebook(lesson: Lesson, out_dir: Path) -> Path:
    """Write ``<out_dir>/<lesson-id>.ipynb`` from the lesson's source; return its path."""
    try:
        import jupytext
    except ImportError as exc:
        raise DlfsError("notebook export needs jupytext: pip install -e '.[notebook]'") from exc
    notebook = jupytext.read(lesson_file(lesson), fmt="py:percent")
    turn = your_turn_markdown(lesson.id)
    if turn:
        from nbformat.v4 import new_markdown_cell

        notebook.cells.append(new_markdown_cell(turn))
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{lesson.id}.ipynb"
    jupytext.write(notebook, target, fmt="ipynb")
    return target


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: OUT_DIR followed by optional lesson ids (default: all)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0].startswith("-"):   # --help is no output folder
        print("usage: python -m dlfs.curriculum.notebooks OUT_DIR [lesson-id ...]",
              file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else 2
    out_dir, ids = Path(args[0]), args[1:]
    lessons = [get_lesson(i) for i in ids] if ids else list(all_lessons())
    for lesson in lessons:
        print(lesson_to_notebook(lesson, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
