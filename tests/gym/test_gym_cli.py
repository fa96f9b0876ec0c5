"""`dlfs gym …` end to end through the real parser (state in a temporary DLFS_HOME)."""

from __future__ import annotations

import pytest

from dlfs import sandbox
from dlfs.cli import main
from dlfs.gym.journal import read_reviews

OK_HOUSE_ROBBER = (
    "import sys\ntok = sys.stdin.buffer.read().split()\ntake = skip = 0\n"
    "for v in map(int, tok[1:]):\n    take, skip = skip + v, max(take, skip)\n"
    "print(max(take, skip))\n"
)


def test_list_and_show(capsys):
    assert main(["gym", "list", "--day", "3"]) == 0
    out = capsys.readouterr().out
    assert "window-max" in out and "maze-shortest-path" in out and "coin-change" not in out
    assert main(["gym", "show", "coin-change", "--hint"]) == 0
    out = capsys.readouterr().out
    assert "零钱兑换" in out and "example 1" in out and "LeetCode 322" in out and "Hint" in out


def test_unknown_problem_suggests(capsys):
    assert main(["gym", "show", "coin-chang"]) == 2
    assert "did you mean coin-change" in capsys.readouterr().err


def test_new_check_review_stats(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert main(["gym", "new", "house-robber", "--dir", str(ws)]) == 0
    starter = ws / "house_robber.py"
    assert starter.is_file() and "dlfs gym check house-robber" in starter.read_text()
    assert main(["gym", "new", "house-robber", "--dir", str(ws)]) == 2  # no silent overwrite
    assert "already exists" in capsys.readouterr().err

    assert main(["gym", "check", "house-robber", str(starter), "--tests", "2"]) == 1
    assert "WA on example 1" in capsys.readouterr().out
    starter.write_text(OK_HOUSE_ROBBER)
    assert main(["gym", "check", "house-robber", str(starter), "--tests", "3"]) == 0
    assert "AC" in capsys.readouterr().out

    assert main(["gym", "review", "house-robber", "--what", "no two neighbours",
                 "--mistake", "tried greedy every other house", "--lesson", "take/skip DP"]) == 0
    (review,) = read_reviews()
    assert review.problem_id == "house-robber" and review.mistake.startswith("tried greedy")

    assert main(["gym", "stats"]) == 0
    out = capsys.readouterr().out
    line = next(ln for ln in out.splitlines() if ln.startswith("dynamic programming"))
    assert line.split()[2:5] == ["1/6", "2", "1"]  # solved/total, runs, AC
    assert "tried greedy" in line
    assert main(["gym", "list", "--day", "28"]) == 0
    assert "AC" in capsys.readouterr().out


def test_review_without_terminal_needs_flags(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["gym", "review", "window-max", "--what", "x"]) == 2
    assert "--mistake" in capsys.readouterr().err


def test_check_missing_file(capsys, tmp_path):
    assert main(["gym", "check", "window-max", str(tmp_path / "nope.py")]) == 2
    assert "not found" in capsys.readouterr().err


@pytest.mark.parametrize("options, named", [
    (["--time-limit", "0"], "--time-limit"), (["--time-limit", "-1"], "--time-limit"),
    (["--time-limit", "nan"], "--time-limit"), (["--time-limit", "1000"], "--time-limit"),
    (["--tests", "-1"], "--tests"), (["--large", "-2"], "--large"),
])
def test_check_rejects_bad_options(capsys, tmp_path, options, named):
    """Exit 2 with one line naming the option, what it expects and what came; no judging."""
    solution = tmp_path / "ok.py"
    solution.write_text(OK_HOUSE_ROBBER)
    assert main(["gym", "check", "house-robber", str(solution), *options]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith(f"dlfs: error: {named}: expected ") and "got " + options[1] in err


@pytest.mark.parametrize("kind", ["directory", "not-utf8"])
def test_check_rejects_a_file_it_cannot_run(capsys, tmp_path, kind):
    target = tmp_path / "solution.py"
    if kind == "directory":
        target.mkdir()
    else:
        target.write_bytes(b"print('caf\xe9')\n")  # Latin-1, not UTF-8
    assert main(["gym", "check", "house-robber", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "internal error" not in err
    assert ("a directory" if kind == "directory" else "expected UTF-8 text, got byte 0xe9") in err


def test_new_into_a_file_is_a_user_error(capsys, tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    assert main(["gym", "new", "house-robber", "--dir", str(not_a_dir)]) == 2
    assert "--dir: expected a folder" in capsys.readouterr().err


def test_check_prints_the_isolation_note_once_without_bubblewrap(capsys, tmp_path, monkeypatch):
    note = "note: bubblewrap missing · 提示"
    monkeypatch.setattr(sandbox, "isolation", lambda: sandbox.Isolation(False, note))
    monkeypatch.setattr(sandbox.runner, "isolation", lambda: sandbox.Isolation(False, note))
    solution = tmp_path / "ok.py"
    solution.write_text(OK_HOUSE_ROBBER)
    assert main(["gym", "check", "house-robber", str(solution), "--tests", "2"]) == 0
    out, err = capsys.readouterr()
    assert err.count(note) == 1 and "AC" in out
