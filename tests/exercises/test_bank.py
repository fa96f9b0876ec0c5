"""Every exercise's checker, proven both ways: the library's own piece passes every case
(so the checker is a test of the library), and the untouched stub, each planted bug and a
solution that calls the library's own code do not."""

from __future__ import annotations

import time

import pytest

from dlfs.curriculum import get_lesson, get_track
from dlfs.curriculum.notebooks import your_turn_markdown
from dlfs.exercises import all_exercises, grade
from dlfs.exercises.workspace import render_stub

EXERCISES = all_exercises()
IDS = [e.id for e in EXERCISES]
MUTANTS = [(e, name) for e in EXERCISES for name in e.mutants]


def _load_stub(exercise, tmp_path):
    path = tmp_path / f"{exercise.id}.py"
    path.write_text(render_stub(exercise), encoding="utf-8")
    namespace: dict = {"__name__": "learner_stub"}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace[exercise.entry], str(path)


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_the_library_passes_every_case(exercise):
    start = time.perf_counter()
    report = grade(exercise, exercise.load_reference(), refuse_reference=False)
    seconds = time.perf_counter() - start
    assert report.passed, [(c.name, c.verdict, c.detail) for c in report.cases if c.verdict != "PASS"]
    assert len(report.cases) >= 3, "an exercise needs several cases (shapes, options)"
    assert seconds < 10, f"grading the reference took {seconds:.1f} s (budget 10 s)"


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_the_untouched_stub_is_not_implemented(exercise, tmp_path):
    impl, path = _load_stub(exercise, tmp_path)
    report = grade(exercise, impl, learner_file=path)
    assert report.verdict == "not implemented", report


@pytest.mark.parametrize("exercise, mutant", MUTANTS,
                         ids=[f"{e.id}-{name}" for e, name in MUTANTS])
def test_each_planted_bug_fails_naming_the_case(exercise, mutant):
    report = grade(exercise, exercise.mutants[mutant], refuse_reference=False)
    assert report.verdict in ("failing", "error"), (mutant, report.verdict)
    first = next(c for c in report.cases if c.verdict != "PASS")
    assert first.name and first.detail, first


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_calling_the_library_is_refused(exercise):
    """A 'solution' that hands the work to the library's own piece is refused, naming it."""
    reference = exercise.load_reference()
    if isinstance(reference, type):
        impl = type(exercise.entry, (reference,), {"__module__": "learner"})
    else:
        namespace = {"reference": reference}
        exec("def impl(*args, **kwargs):\n    return reference(*args, **kwargs)\n", namespace)
        impl = namespace["impl"]
    report = grade(exercise, impl)
    assert report.verdict == "refused", report
    assert exercise.reference.split(":")[0] in report.cases[-1].detail


@pytest.mark.parametrize("exercise", EXERCISES, ids=IDS)
def test_places_and_lessons_exist(exercise):
    for track_id, key in exercise.places:
        assert get_track(track_id).entry(key) is not None, (exercise.id, track_id, key)
    get_lesson(exercise.lesson)
    assert f"dlfs exercise start {exercise.id}" in your_turn_markdown(exercise.lesson)


def test_coverage_of_the_roadmaps():
    """At least 60 exercises; every PyTorch day 1-27, three per book chapter, one per part of
    the autograd series."""
    assert len(EXERCISES) >= 60, len(EXERCISES)
    count = {}
    for exercise in EXERCISES:
        for place in exercise.places:
            count[place] = count.get(place, 0) + 1
    missing = [f"pytorch:{d}" for d in range(1, 28) if count.get(("pytorch", str(d)), 0) < 1]
    missing += [f"book:{c} ({count.get(('book', str(c)), 0)}/3)" for c in range(1, 11)
                if count.get(("book", str(c)), 0) < 3]
    missing += [f"autograd:{e.key}" for e in get_track("autograd").entries
                if count.get(("autograd", e.key), 0) < 1]
    assert not missing, missing
