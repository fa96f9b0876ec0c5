"""The `dlfs` command line: exit codes, messages, list/run/check/progress/doctor/tour."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from dlfs.cli import main
from dlfs.curriculum import get_track


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 2 and "usage: dlfs" in out


@pytest.fixture
def a_gap(monkeypatch):
    """Every real entry has its lesson now; plant a topic no lesson fills."""
    import dataclasses

    import dlfs.cli
    from dlfs.curriculum import all_tracks
    from dlfs.curriculum.schema import TrackEntry

    gap = TrackEntry("unwritten", "A planted topic", "一个预留的专题")
    tracks = tuple(dataclasses.replace(t, entries=(*t.entries, gap)) if t.id == "topics" else t
                   for t in all_tracks())
    monkeypatch.setattr(dlfs.cli, "all_tracks", lambda: tracks)
    return gap


def test_list_shows_every_day_of_both_roadmaps_bilingual(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for day in range(29):
        assert f"Day {day} " in out
    assert "PyTorch 深度学习 28 天" in out and "Python 算法健身房 28 天" in out
    assert "Environment setup and the utils toolbox · 环境搭建与 utils 工具库封装" in out
    assert out.count("\n  Day ") >= 29 + 28
    assert "not written yet" not in out                        # every entry has its lesson


def test_list_shows_an_unwritten_entry(capsys, a_gap):
    code, out, _ = run(capsys, "list")
    assert code == 0
    line = next(x for x in out.splitlines() if "A planted topic" in x)
    assert "not written yet" in line and "一个预留的专题" in line
    assert "[topics: 11/12 written]" in out


def test_list_one_track_one_language(capsys):
    code, out, _ = run(capsys, "list", "--track", "gym", "--lang", "zh")
    assert code == 0
    assert "Counter 频次统计/异位词" in out and "Counter: frequencies" not in out
    assert "PyTorch" not in out


def test_list_json_is_machine_readable(capsys, a_gap):
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    rows = json.loads(out)
    env = next(r for r in rows if r["id"] == "env-setup")
    assert {"id", "tracks", "title_en", "title_zh", "file", "status"} <= set(env)
    assert env["file"].endswith("lessons/ch00_setup/env_tour.py")
    assert {"track": "pytorch", "key": "0", "label": "Day 0"} in env["tracks"]
    assert env["status"] == "not checked"
    gaps = [r for r in rows if r["id"] is None]
    assert gaps and all(r["status"] == "not written yet" for r in gaps)
    pytorch_places = {t["key"] for r in rows for t in r["tracks"] if t["track"] == "pytorch"}
    assert pytorch_places == {e.key for e in get_track("pytorch").entries}


def test_unknown_track_and_lesson_fail_with_one_line(capsys):
    code, _, err = run(capsys, "list", "--track", "nope")
    assert code == 2 and err.startswith("dlfs: error: unknown track 'nope'")
    code, _, err = run(capsys, "run", "tensor-basic")
    assert code == 2
    assert err.startswith("dlfs: error: unknown lesson 'tensor-basic'; did you mean "
                          "tensor-basics")
    assert err.strip().endswith("(see `dlfs list`)") and err.count("\n") == 1
    assert "Traceback" not in err


def test_debug_flag_shows_the_traceback(capsys):
    code, _, err = run(capsys, "--debug", "run", "no-such-lesson")
    assert code == 2 and "Traceback" in err


def test_run_a_lesson_quick(capsys, tmp_path):
    code, out, _ = run(capsys, "run", "gym-deque", "--quick")
    assert code == 0
    assert "=== gym-deque (quick)" in out and "done in" in out
    assert (tmp_path / "runs" / "gym-deque" / "front_insertion.png").is_file()


def test_run_by_track_key(capsys):
    code, out, _ = run(capsys, "run", "pytorch:1", "--quick")
    assert code == 0 and "=== tensor-basics (quick)" in out


def test_failing_lesson_exits_1_with_the_line(capsys, tmp_path, monkeypatch):
    from dlfs.curriculum import Lesson

    (tmp_path / "broken.py").write_text("assert 1 + 1 == 3, 'arithmetic'\n")
    monkeypatch.setattr("dlfs.curriculum.registry.LESSONS_DIR", tmp_path)
    fake = Lesson(id="broken", title_en="Broken", title_zh="坏", path="broken.py")
    monkeypatch.setattr("dlfs.cli.get_lesson", lambda ref: fake)
    monkeypatch.setattr("dlfs.cli.lessons_for", lambda ref: [fake])
    code, _, err = run(capsys, "run", "broken", "--quick")
    assert code == 1
    assert "FAILED" in err and "line 1" in err and "arithmetic" in err


def test_progress_counts_what_the_learner_did_not_our_checks(capsys, tmp_path):
    from dlfs.curriculum import ProgressStore
    from dlfs.exercises import all_exercises

    code, out, _ = run(capsys, "progress", "--track", "pytorch")
    assert code == 0 and "* [ ] Day 1  Tensor basics" in out and "(0/29)" in out
    code, out, _ = run(capsys, "check", "tensor-basics")
    assert code == 0 and "PASS" in out and "1 passed, 0 failed" in out
    code, out, _ = run(capsys, "progress", "--track", "pytorch")
    assert "* [ ] Day 1  Tensor basics" in out, "a contributor's check ticks nothing"
    code, out, _ = run(capsys, "run", "tensor-basics", "--quick")
    assert code == 0
    code, out, _ = run(capsys, "progress", "--track", "pytorch")
    day1 = next(line for line in out.splitlines() if "Day 1  Tensor basics" in line)
    day1_exercises = [e for e in all_exercises() if ("pytorch", "1") in e.places]
    assert "lessons run 1/1" in day1
    assert day1.startswith("* [~]" if day1_exercises else "* [x]"), day1
    store = ProgressStore()
    for exercise in day1_exercises:
        store.record_attempt(exercise.id, "solved")
    code, out, _ = run(capsys, "progress", "--track", "pytorch")
    assert "* [x] Day 1  Tensor basics and device management" in out and "(1/29)" in out
    assert "* [ ] Day 2  Reshaping" in out
    assert (tmp_path / "home" / "progress.json").is_file()
    code, out, _ = run(capsys, "list", "--track", "pytorch")
    assert "tensor-basics          passed" in out


def test_check_runs_backing_tests(capsys, monkeypatch):
    calls = []

    def fake_pytest(targets):
        calls.append(targets)
        return False, "pytest: 1 failed", []

    monkeypatch.setattr("dlfs.curriculum.checks._run_pytest", fake_pytest)
    code, out, _ = run(capsys, "check", "env-setup")
    assert calls == [("tests/test_playground.py",)]
    assert code == 1 and "FAIL" in out and "pytest: 1 failed" in out
    code, out, _ = run(capsys, "progress", "--track", "pytorch")
    assert "* [ ] Day 0" in out


def test_check_argument_errors(capsys):
    code, _, err = run(capsys, "check", "env-setup", "--track", "pytorch")
    assert code == 2 and "either a lesson id or --track" in err


def test_doctor_exits_zero_here(capsys):
    code, out, _ = run(capsys, "doctor")
    assert code == 0 and "doctor: all good" in out and "torch" in out


def test_doctor_exits_nonzero_when_broken(capsys, monkeypatch):
    monkeypatch.setattr("dlfs.playground.environment._sanity_checks", lambda: ["BLAS is broken"])
    code, out, err = run(capsys, "doctor")
    assert code == 1 and "BLAS is broken" in out and "something is broken" in err


def test_tour_runs_three_lessons_and_points_onwards(capsys):
    code, out, _ = run(capsys, "tour")
    assert code == 0
    for lesson_id in ("env-setup", "tensor-basics", "autograd-basics"):
        assert f"=== {lesson_id}: done" in out
    assert "Where to go next" in out and "dlfs list" in out
    assert re.search(r"dlfs run [a-z0-9-]+ +# the next lesson", out)
    # one checked line per block on what to notice (ctx.notice fails the lesson otherwise)
    notes = [line for line in out.splitlines() if line.startswith("→ ")]
    assert len(notes) >= 6 and "x.t() is a view" in out and "nan=1 inf=1" in out
    ratio = re.search(r"broadcast-multiply-sum +\S+ \S+ +\S+ \S+ +([\d.]+)x", out).group(1)
    said = re.search(r"broadcast-multiply-sum is ([\d.]+)x slower", out).group(1)
    assert abs(float(said) - float(ratio)) <= 0.06                        # the table's ratio


@pytest.mark.skipif(shutil.which("dlfs") is None and not (
    __import__("pathlib").Path(sys.executable).parent / "dlfs").exists(),
    reason="console script not installed")
def test_console_script_and_python_m():
    from pathlib import Path

    script = Path(sys.executable).parent / "dlfs"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "list" in proc.stdout and "doctor" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "dlfs", "run", "nope"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("dlfs: error: unknown lesson")


def test_train_lists_the_registered_recipes(capsys):
    from dlfs.recipes.registry import RECIPES

    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    for entry in RECIPES:
        assert f"  {entry.name:<14} {entry.help}" in out
    assert "kaggle-digits" in out and "`dlfs train RECIPE --help`" in out


def test_the_command_line_starts_without_torch():
    """The recipes (and torch) are imported only when one is trained or asked for --help."""
    code = ("import sys; from dlfs.cli import build_parser; build_parser(); "
            "assert 'torch' not in sys.modules, sorted(m for m in sys.modules if 'dlfs' in m)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_check_reports_pytests_counts_not_its_dots():
    """`dlfs check` ran pytest with -q twice (ours and the project's addopts): the last
    line was a row of dots. It reports the count line now."""
    from dlfs.curriculum.checks import _run_pytest

    ok, detail, _ = _run_pytest(("tests/test_exports.py::test_the_package_has_modules",))
    assert ok and re.fullmatch(r"pytest: 1 passed in [\d.]+s", detail), detail


def test_run_an_entry_with_several_lessons(capsys, monkeypatch):
    """`dlfs run book:7` ran the first of the chapter's two lessons without a word."""
    import dlfs.cli

    ran = []
    monkeypatch.setattr(dlfs.cli, "_run_and_report",
                        lambda lesson_id, quick: ran.append(lesson_id) or True)
    code, _, err = run(capsys, "run", "book:7")
    assert code == 2 and ran == []
    assert "book:7 has 2 lessons: book:7.1 = seq2seq-attention; book:7.2 = self-attention" \
        in err and "--all" in err
    assert run(capsys, "run", "book:7.2")[0] == 0 and ran == ["self-attention"]
    assert run(capsys, "run", "book:7", "--all")[0] == 0
    assert ran == ["self-attention", "seq2seq-attention", "self-attention"]
    assert run(capsys, "run", "pytorch:3")[0] == 0 and ran[-1] == "broadcasting"
    code, _, err = run(capsys, "run", "book:7.3")
    assert code == 2 and "unknown lesson 'book:7.3'" in err
