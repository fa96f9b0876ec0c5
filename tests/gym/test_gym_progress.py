"""A gym day is ticked only when its lesson was run AND both its problems were accepted."""

from __future__ import annotations

from dlfs.cli import main
from dlfs.curriculum import ProgressStore, get_track
from dlfs.exercises.progress import entry_progress, run_key
from dlfs.gym.problems import problems_for_day


def _done(track, entry, store) -> bool:
    return entry_progress(track, entry, store).done


def test_gym_day_needs_lesson_and_accepted_problems(capsys):
    track = get_track("gym")
    day3 = track.entry("3")
    store = ProgressStore()
    store.record(run_key("gym-deque"), passed=True)
    assert not _done(track, day3, store)  # lesson alone is not enough
    first, second = problems_for_day(3)
    store.record(f"gym:{first.id}", passed=True)
    assert not _done(track, day3, store)
    store.record(f"gym:{second.id}", passed=False)
    assert not _done(track, day3, store)
    store.record(f"gym:{second.id}", passed=True)
    assert _done(track, day3, store)
    store.record(run_key("gym-deque"), passed=False)  # problems alone are not enough either
    assert not _done(track, day3, store)
    store.record(run_key("gym-deque"), passed=True)

    assert main(["progress", "--track", "gym"]) == 0
    out = capsys.readouterr().out
    assert "* [x] Day 3 " in out and "* [ ] Day 4 " in out


def test_other_tracks_ignore_gym_keys():
    track = get_track("pytorch")
    store = ProgressStore()
    for problem in problems_for_day(3):
        store.record(f"gym:{problem.id}", passed=True)
    for entry in track.entries:
        assert not _done(track, entry, store)
