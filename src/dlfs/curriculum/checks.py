"""`dlfs check`: run what backs a lesson, record the result, and derive statuses from it.

A lesson's check is (1) the lesson itself in quick mode, whose assertions test its claims,
and (2) the pytest targets listed in its ``checks``, run in a subprocess from the source
checkout. This is a contributor's tool: the results show in ``dlfs list`` but tick nothing in
``dlfs progress``, which counts only what the learner did (:mod:`dlfs.exercises.progress`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass

from ..paths import repo_root
from .progress import ProgressStore
from .registry import lesson_file
from .runner import run_lesson
from .schema import Lesson

NOT_WRITTEN = "not written yet"
NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class CheckResult:
    """Outcome of checking one lesson; ``notes`` explains skipped parts."""

    lesson_id: str
    passed: bool
    detail: str
    notes: tuple[str, ...] = ()


def lesson_key(lesson: Lesson) -> str:
    """The progress-store key of a lesson's check."""
    return f"lesson:{lesson.id}"


def lesson_status(lesson: Lesson, store: ProgressStore) -> str:
    """``not written yet`` / ``not checked`` / ``passed`` / ``failed``."""
    if not lesson_file(lesson).is_file():
        return NOT_WRITTEN
    return store.status(lesson_key(lesson)) or NOT_CHECKED


def _run_pytest(targets: tuple[str, ...]) -> tuple[bool, str, list[str]]:
    root = repo_root()
    if root is None:
        return True, "", ["backing tests live in the source checkout; ran the lesson only"]
    missing = [t for t in targets if not (root / t.split("::")[0]).exists()]
    if missing:
        return False, f"backing test files are missing: {', '.join(missing)}", []
    # `-o addopts=`: the project's own options add a second -q, which hides the count line
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider",
         *targets],
        cwd=root, capture_output=True, text=True,
    )
    return proc.returncode == 0, f"pytest: {_pytest_summary(proc.stdout, proc.stderr)}", []


def _pytest_summary(stdout: str, stderr: str) -> str:
    r"""pytest's count line ("12 passed, 1 failed in 3.21s"), without the ``=`` rule; else
    the end of what it printed.

    >>> _pytest_summary("..F\n=== 2 passed, 1 failed in 0.50s ===\n", "")
    '2 passed, 1 failed in 0.50s'
    """
    counts = re.compile(r"\d+ (passed|failed|error|errors|skipped|deselected)\b")
    for line in reversed(stdout.splitlines()):
        if counts.search(line):
            return line.strip().strip("=").strip()
    lines = [ln for ln in stdout.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else stderr.strip()[-200:]


def check_lesson(lesson: Lesson, store: ProgressStore | None = None) -> CheckResult:
    """Run a lesson in quick mode plus its backing tests and record the outcome."""
    store = store or ProgressStore()
    if not lesson_file(lesson).is_file():
        return CheckResult(lesson.id, False, NOT_WRITTEN)
    run = run_lesson(lesson, quick=True)
    if not run.ok:
        detail = f"lesson failed: {run.error}"
        store.record(lesson_key(lesson), passed=False, detail=detail)
        return CheckResult(lesson.id, False, detail)
    passed, detail, notes = True, f"lesson ran in {run.seconds:.1f} s", []
    if lesson.checks:
        passed, test_detail, notes = _run_pytest(lesson.checks)
        detail = f"{detail}; {test_detail}" if test_detail else detail
    store.record(lesson_key(lesson), passed=passed, detail=detail)
    return CheckResult(lesson.id, passed, detail, tuple(notes))
