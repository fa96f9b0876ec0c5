"""Every registered lesson runs in quick mode and passes its own assertions."""

from __future__ import annotations

import pytest

from dlfs.curriculum import all_lessons, run_lesson

QUICK_BUDGET_S = 30.0  # a lesson's quick mode is meant to take seconds; this catches drift


@pytest.mark.parametrize("lesson", all_lessons(), ids=lambda lesson: lesson.id)
def test_lesson_runs_in_quick_mode(lesson, tmp_path):
    result = run_lesson(lesson, quick=True)
    assert result.ok, f"{lesson.id} ({lesson.path}): {result.error}"
    assert result.seconds < QUICK_BUDGET_S, f"{lesson.id} took {result.seconds:.1f} s"
