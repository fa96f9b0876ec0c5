"""`dlfs gym …` end to end through the real parser (state in a temporary DLFS_HOME)."""

from __future__ import annotations

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
