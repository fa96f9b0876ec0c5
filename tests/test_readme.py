"""The READMEs tell the truth: their `dlfs` commands run as written."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from dlfs.cli import main

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", ROOT / "README.zh-CN.md"]


def _dlfs_commands(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command.startswith("dlfs "):
                commands.append(command)
    return commands


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.name)
def test_readme_dlfs_commands_run(readme, capsys):
    commands = _dlfs_commands(readme)
    assert len(commands) >= 5, "the quick-start block lists the main commands"
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, command
    capsys.readouterr()


def test_readme_error_example_is_what_the_cli_says(capsys):
    assert main(["run", "tensor-basic"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dlfs: error: unknown lesson 'tensor-basic'; did you mean tensor-basics")
    for readme in READMES:
        assert "dlfs: error: unknown lesson 'tensor-basic'; did you mean tensor-basics" in \
            readme.read_text(encoding="utf-8")


def test_readme_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("demo", "test", "lint", "bench", "docs"):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target


def _figures_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_figures",
                                                  ROOT / "benchmarks" / "readme_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_figures_come_from_the_committed_bench_record(capsys):
    """The figures table of both READMEs is what benchmarks/readme_figures.py renders from
    benchmarks/results/latest.json, a full run that says where and when it ran."""
    figures = _figures_module()
    assert figures.main(["--check"]) == 0, capsys.readouterr().err
    record = json.loads(figures.RECORD.read_text(encoding="utf-8"))
    assert record["quick"] is False and record["commit"] not in ("", "?")
    for key in ("when", "machine", "torch", "numpy", "python"):
        assert record[key], key
    assert not [name for name, r in record["benchmarks"].items() if "error" in r]


def test_the_figures_check_sees_a_changed_number():
    """Plant a different capstone loss in a copy of the record: the rendered table differs,
    so a README quoting the old number fails the check."""
    figures = _figures_module()
    record = json.loads(figures.RECORD.read_text(encoding="utf-8"))
    table = figures.render(record, "en")
    for row in record["benchmarks"]["bench_capstone"]["rows"]:
        if row["name"] == "val loss at the last step":
            row["value"] = 9.876
    planted = figures.render(record, "en")
    assert planted != table and "9.876" in planted


def test_readme_exercise_count_is_the_bank_size():
    from dlfs.exercises import all_exercises

    n = len(all_exercises())
    assert f"{n} exercises" in READMES[0].read_text(encoding="utf-8")
    assert f"{n} 道练习" in READMES[1].read_text(encoding="utf-8")


def test_readme_lesson_count_is_the_catalog_size():
    from dlfs.curriculum import all_lessons

    n = len(all_lessons())
    assert f"{n} lessons" in READMES[0].read_text(encoding="utf-8")
    assert f"共 {n} 节课" in READMES[1].read_text(encoding="utf-8")
