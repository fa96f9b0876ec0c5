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


def lesson_to_notebook(lesson: Lesson, out_dir: Path) -> Path:
    """Write ``<out_dir>/<lesson-id>.ipynb`` from the lesson's source; return its path."""
    try:
        import jupytext
    except ImportError as exc:
        raise DlfsError("notebook export needs jupytext: pip install -e '.[notebook]'") from exc
    notebook = jupytext.read(lesson_file(lesson), fmt="py:percent")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{lesson.id}.ipynb"
    jupytext.write(notebook, target, fmt="ipynb")
    return target


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: OUT_DIR followed by optional lesson ids (default: all)."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m dlfs.curriculum.notebooks OUT_DIR [lesson-id ...]",
              file=sys.stderr)
        return 2
    out_dir, ids = Path(args[0]), args[1:]
    lessons = [get_lesson(i) for i in ids] if ids else list(all_lessons())
    for lesson in lessons:
        print(lesson_to_notebook(lesson, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
