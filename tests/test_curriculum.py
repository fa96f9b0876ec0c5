"""Registry consistency, lesson context, runner and progress store."""

from __future__ import annotations

import ast
import json

import pytest

from dlfs.curriculum import (
    LESSONS_DIR,
    Lesson,
    ProgressStore,
    all_lessons,
    all_tracks,
    get_lesson,
    get_track,
    lesson_context,
    lesson_file,
    lesson_status,
    run_lesson,
)
from dlfs.curriculum.checks import lesson_key
from dlfs.errors import UnknownLessonError, UnknownTrackError
from dlfs.paths import repo_root


def _lesson_files():
    return sorted(p.relative_to(LESSONS_DIR).as_posix() for p in LESSONS_DIR.rglob("*.py")
                  if p.name != "__init__.py" and not p.name.startswith("_"))


def test_every_lesson_file_is_registered_and_every_registered_file_exists():
    registered = {lesson.path for lesson in all_lessons()}
    files = set(_lesson_files())
    assert files - registered == set(), "lesson files missing from the catalog"
    assert registered - files == set(), "catalog entries whose file does not exist"


def test_lesson_folders_and_catalog_modules_share_area_names():
    """catalog/<area>.py lists exactly the lessons of lessons/chNN_<area>/, one number each."""
    from dlfs.curriculum.catalog import AREAS

    numbers = {}
    for area in AREAS:
        name = area.__name__.rsplit(".", 1)[1]
        folders = {lesson.path.split("/")[0] for lesson in area.LESSONS}
        assert len(folders) == 1, f"catalog/{name}.py spans folders {sorted(folders)}"
        folder = folders.pop()
        number, _, folder_area = folder.partition("_") if folder != "gym" else ("", "", "gym")
        assert folder_area == name, f"catalog/{name}.py lists lessons of {folder}/"
        assert number not in numbers, f"{folder} and {numbers.get(number)} share a number"
        numbers[number] = folder
    on_disk = {p.name for p in LESSONS_DIR.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert on_disk == set(numbers.values()), "a lesson folder without its catalog module"


def test_every_lesson_declares_its_own_id_and_a_bilingual_title():
    for lesson in all_lessons():
        source = lesson_file(lesson).read_text(encoding="utf-8")
        tree = ast.parse(source)  # every lesson is valid Python
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and getattr(n.func, "id", None) == "lesson_context"]
        assert calls, f"{lesson.path}: no lesson_context(...) call"
        assert calls[0].args[0].value == lesson.id, f"{lesson.path}: id mismatch"
        first_cell = source.split("# %%", 2)[1]
        assert "[markdown]" in first_cell.splitlines()[0], f"{lesson.path}: no markdown title"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in first_cell), \
            f"{lesson.path}: the title cell needs the Chinese title"
        assert "Library files" in first_cell or "library files" in first_cell.lower(), \
            f"{lesson.path}: the first cell should name the library files it teaches"


def test_every_check_target_exists():
    root = repo_root()
    assert root is not None
    for lesson in all_lessons():
        for target in lesson.checks:
            assert (root / target.split("::")[0]).exists(), f"{lesson.id}: {target}"


def test_tracks_have_the_planned_lengths_and_bilingual_titles():
    assert len(get_track("pytorch").entries) == 29
    assert [e.key for e in get_track("pytorch").entries] == [str(i) for i in range(29)]
    assert len(get_track("gym").entries) == 28
    assert len(get_track("book").entries) == 11                # 0 (preliminaries) .. 10
    for track in all_tracks():
        assert track.title_zh and track.title_en
        for entry in track.entries:
            assert entry.title_en and entry.title_zh, f"{track.id}:{entry.key}"


def test_lookup_by_id_and_by_track_key():
    assert get_lesson("env-setup").id == "env-setup"
    assert get_lesson("pytorch:0").id == "env-setup"
    assert get_lesson("pytorch:00").id == "env-setup"
    assert get_lesson("gym:3").id == "gym-deque"


def test_unknown_lesson_suggests_the_closest_ids():
    with pytest.raises(UnknownLessonError) as info:
        get_lesson("env-setpu")
    assert "env-setup" in info.value.suggestions
    assert "did you mean env-setup" in str(info.value)
    with pytest.raises(UnknownLessonError) as info:
        get_lesson("deque")
    assert info.value.suggestions == ["gym-deque"]
    with pytest.raises(UnknownTrackError, match="known tracks: pytorch"):
        get_track("nope")


def test_lesson_schema_validates_itself():
    with pytest.raises(ValueError, match="kebab-case"):
        Lesson(id="Bad_Id", title_en="x", title_zh="x", path="a.py")
    with pytest.raises(ValueError, match="relative .py path"):
        Lesson(id="ok", title_en="x", title_zh="x", path="a.txt")
    with pytest.raises(ValueError, match="pytorch:3"):
        Lesson(id="ok", title_en="x", title_zh="x", path="a.py", at=("day3",))
    with pytest.raises(ValueError, match="title_zh"):
        Lesson(id="ok", title_en="x", title_zh="", path="a.py")


def test_lesson_context_mode_and_output_dir(monkeypatch, tmp_path):
    monkeypatch.setattr("sys.argv", ["lesson.py", "--quick"])
    ctx = lesson_context("demo")
    assert ctx.quick is True
    assert ctx.out_dir == tmp_path / "runs" / "demo" and ctx.out_dir.is_dir()
    monkeypatch.setattr("sys.argv", ["lesson.py"])
    assert lesson_context("demo").quick is False
    monkeypatch.setenv("DLFS_LESSON_MODE", "quick")
    assert lesson_context("demo").quick is True
    monkeypatch.setenv("DLFS_LESSON_MODE", "fast")
    with pytest.raises(ValueError, match="'quick' or 'full'"):
        lesson_context("demo")


def _fake_lesson(tmp_path, monkeypatch, body: str) -> Lesson:
    monkeypatch.setattr("dlfs.curriculum.registry.LESSONS_DIR", tmp_path)
    (tmp_path / "fake.py").write_text(body)
    return Lesson(id="fake", title_en="Fake", title_zh="假", path="fake.py")


def test_runner_reports_the_failing_line(tmp_path, monkeypatch):
    lesson = _fake_lesson(tmp_path, monkeypatch, "x = 1\nassert x == 2, 'x should be 2'\n")
    result = run_lesson(lesson, quick=True)
    assert not result.ok
    assert result.error == "AssertionError at line 2 (assert x == 2, 'x should be 2'): x should be 2"


def test_runner_sets_and_restores_the_mode(tmp_path, monkeypatch):
    import os

    lesson = _fake_lesson(tmp_path, monkeypatch,
                          "import os\nassert os.environ['DLFS_LESSON_MODE'] == 'quick'\n")
    assert run_lesson(lesson, quick=True).ok
    assert "DLFS_LESSON_MODE" not in os.environ
    assert not run_lesson(lesson, quick=False).ok


def test_runner_restores_torch_thread_count(tmp_path, monkeypatch):
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        lesson = _fake_lesson(tmp_path, monkeypatch, "import torch\ntorch.set_num_threads(1)\n")
        assert run_lesson(lesson, quick=True).ok
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_progress_store_round_trip_and_corrupt_file(tmp_path):
    store = ProgressStore(tmp_path / "p.json")
    assert store.status("lesson:x") is None
    store.record("lesson:x", passed=False, detail="boom")
    store.record("lesson:y", passed=True)
    assert store.status("lesson:x") == "failed" and store.status("lesson:y") == "passed"
    data = json.loads((tmp_path / "p.json").read_text())
    assert data["checks"]["lesson:x"]["detail"] == "boom"
    (tmp_path / "p.json").write_text("{not json")
    from dlfs.errors import DlfsError
    with pytest.raises(DlfsError, match="unreadable"):
        store.status("lesson:x")


def test_lesson_status_values(tmp_path, monkeypatch):
    store = ProgressStore(tmp_path / "p.json")
    lesson = get_lesson("env-setup")
    assert lesson_status(lesson, store) == "not checked"
    store.record(lesson_key(lesson), passed=True)
    assert lesson_status(lesson, store) == "passed"
    missing = _fake_lesson(tmp_path, monkeypatch, "")
    (tmp_path / "fake.py").unlink()
    assert lesson_status(missing, store) == "not written yet"


def test_lessons_convert_to_notebooks(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("jupytext")
    from dlfs.curriculum.notebooks import main

    assert main([str(tmp_path), "env-setup"]) == 0
    nb = nbformat.read(tmp_path / "env-setup.ipynb", as_version=4)
    # an option is no output folder (once, `--help` made a folder named "--help")
    monkeypatch.chdir(tmp_path)
    assert main(["--help"]) == 0 and main(["--out"]) == 2
    assert not (tmp_path / "--help").exists() and not (tmp_path / "--out").exists()
    kinds = [cell.cell_type for cell in nb.cells]
    assert kinds[0] == "markdown" and "code" in kinds
    assert "环境搭建" in nb.cells[0].source


def test_a_lesson_notebook_ends_with_its_exercises(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("jupytext")
    from dlfs.curriculum.notebooks import main
    from dlfs.exercises.bank import exercises_for_lesson

    assert main([str(tmp_path), "broadcasting"]) == 0
    last = nbformat.read(tmp_path / "broadcasting.ipynb", as_version=4).cells[-1]
    assert last.cell_type == "markdown" and "Your turn · 轮到你了" in last.source
    for exercise in exercises_for_lesson("broadcasting"):
        assert f"dlfs exercise start {exercise.id}" in last.source
    assert "from dlfs.exercises import check" in last.source
