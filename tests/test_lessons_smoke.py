"""Every registered lesson runs in quick mode and passes its own assertions."""

from __future__ import annotations

import pytest

from dlfs.curriculum import all_lessons, run_lesson

# A lesson's quick mode is meant to take seconds. The budget is on CPU time (the tests run
# torch on one thread), so other jobs on a shared machine cannot make it fail.
QUICK_BUDGET_CPU_S = 30.0


@pytest.mark.parametrize("lesson", all_lessons(), ids=lambda lesson: lesson.id)
def test_lesson_runs_in_quick_mode(lesson, tmp_path):
    result = run_lesson(lesson, quick=True)
    assert result.ok, f"{lesson.id} ({lesson.path}): {result.error}"
    assert result.cpu_seconds < QUICK_BUDGET_CPU_S, \
        f"{lesson.id} used {result.cpu_seconds:.1f} s of CPU ({result.seconds:.1f} s wall)"
