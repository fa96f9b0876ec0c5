"""Grade a learner's file in the sandbox (``dlfs exercise check``), or a function in this
process (``check("sdpa", my_sdpa)`` in a notebook); both record the attempt."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from .. import i18n, sandbox
from ..curriculum.progress import ProgressStore
from ..i18n import t
from ..paths import PACKAGE_DIR
from ..sandbox.python import python_executable, site_dirs
from .grading import ERROR, CaseResult, Report, format_report, grade
from .schema import Exercise

#: The graded run's limits besides time (torch alone maps ~0.8 GB of address space).
MEMORY_BYTES = 3 * 1024 * sandbox.MiB
PROCESSES = 64
OUTPUT_BYTES = 1 * sandbox.MiB

_BOOT = ("import sys, json; sys.path[:0] = json.loads(sys.argv.pop(1)); "
         "from dlfs.exercises.worker import main; sys.exit(main())")


def _import_paths() -> list[str]:
    """Where the worker imports torch and dlfs from: this installation's site-packages and
    the folder holding the dlfs package (a source checkout's ``src``)."""
    return [str(PACKAGE_DIR.parent), *site_dirs()]


def check_file(exercise: Exercise, path: Path) -> Report:
    """Grade ``path`` in a fresh sandboxed process under the judge's kind of limits."""
    paths = _import_paths()
    limits = sandbox.Limits(wall_s=exercise.time_s, memory_bytes=MEMORY_BYTES,
                            processes=PROCESSES, output_bytes=OUTPUT_BYTES)
    argv = [python_executable(), "-I", "-S", "-c", _BOOT, json.dumps(paths), exercise.id,
            "solution.py", path.name]
    result = sandbox.run(argv, limits=limits, files={"solution.py": path.read_bytes()},
                         readable=paths, env={"DLFS_LANG": i18n.lang()})  # its messages too
    if result.limit_hit is not None:
        verdict = {"wall": "timeout", "cpu": "timeout", "memory": "memory"}.get(
            result.limit_hit, "error")
        detail = {"timeout": t("exercises.run.timeout", s=exercise.time_s),
                  "memory": t("exercises.run.memory", mb=MEMORY_BYTES // sandbox.MiB)}.get(
            verdict) or t("exercises.run.limit", limit=result.limit_hit)
        return Report(exercise.id, verdict,
                      [CaseResult(t("exercises.run.running"), ERROR, detail)])
    lines = result.stdout.decode(errors="replace").strip().splitlines()
    try:
        report = Report.from_dict(json.loads(lines[-1]))
    except (IndexError, ValueError, KeyError):
        tail = result.stderr.decode(errors="replace").strip().splitlines()[-3:]
        return Report(exercise.id, "error", [CaseResult(
            t("exercises.run.running"), ERROR,
            " / ".join(tail) or t("exercises.run.exit", code=result.returncode))])
    if not result.isolated:
        report.note = _one_language(sandbox.isolation().note)
    return report


def _one_language(note: str) -> str:
    """The half of an "English · 中文" note in the language of the messages."""
    halves = note.split(" · ")
    return halves[-1] if len(halves) > 1 and i18n.lang() == "zh" else halves[0]


def record(exercise: Exercise, report: Report, store: ProgressStore, source: str) -> None:
    passed = sum(c.verdict == "PASS" for c in report.cases)
    store.record_attempt(exercise.id, report.verdict, cases=f"{passed}/{len(report.cases)}",
                         source=source)


def check(exercise_id: str, impl: Any, *, store: ProgressStore | None = None) -> Report:
    """Grade ``impl`` (your function or class) in this process, print the report and record
    the attempt — the notebook way to check an exercise::

        from dlfs.exercises import check
        check("gelu", my_gelu)
    """
    from .bank import get_exercise

    exercise = get_exercise(exercise_id)
    try:
        learner_file = inspect.getsourcefile(impl)
    except (TypeError, OSError):   # a class defined in a notebook's __main__, a builtin
        learner_file = None
    report = grade(exercise, impl, learner_file=learner_file,
                   shown_as=Path(learner_file).name if learner_file
                   else t("exercises.grade.your_code"))
    print(format_report(exercise, report))
    record(exercise, report, store or ProgressStore(), "notebook")
    return report
