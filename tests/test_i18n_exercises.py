"""The workbench in Chinese (``DLFS_LANG=zh``): list, start, check, hint, the errors and the
progress summary speak Chinese only; English stays as it was under ``DLFS_LANG=en``."""

from __future__ import annotations

import re

import pytest

from dlfs import i18n
from dlfs.cli import main
from dlfs.exercises import Report, all_exercises, format_report, get_exercise
from dlfs.exercises.grading import CaseResult
from dlfs.exercises.progress import EntryProgress
from dlfs.textui import display_width

EXERCISE = "relu"
#: Code, ``{fields}``, ``--flags``, ``<args>`` and ids (``pytorch:3``, ``a.b``, ``x_y``).
_CODE = re.compile(r"`[^`]*`|\{[^{}]*\}|--?[a-z][a-z0-9-]*|<[^<>]*>"
                   r"|\b[A-Za-z0-9]+(?:[-_:./][A-Za-z0-9]+)+\b")


def english_words(text: str, data: list[str] = ()) -> list[str]:
    """Latin words left in ``text`` once code, exercise ids and ``data`` (titles, hints, case names:
    the bank's own strings, checked apart) are taken out, names in ``LATIN_OK`` excepted."""
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    ids = {e.id for e in all_exercises()}
    return [w for w in re.findall(r"[A-Za-z]{2,}", _CODE.sub(" ", text))
            if w not in i18n.LATIN_OK and w not in ids]


@pytest.fixture(autouse=True)
def _chinese(monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "zh")
    yield
    i18n.set_lang(None)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _data(tmp_path) -> list[str]:
    exercise = get_exercise(EXERCISE)
    return [str(tmp_path), exercise.title[1], *(zh for _, zh in exercise.hints),
            "x (1,) float64"]                            # the first case's name (checker data)


def test_list_in_chinese(capsys):
    code, out, err = run(capsys, "exercise", "list")
    assert code == 0 and not err
    lines = out.splitlines()
    assert lines[0].split() == ["练习", "状态", "标题", "路线位置"]
    assert "未开始" in out and f"共 {len(all_exercises())} 题，已完成 0 题" in out
    assert "开始一题：`dlfs exercise start <id>`" in out
    titles = [e.title[1] for e in all_exercises()]
    assert get_exercise("linear").title[0] not in out    # the English titles are not shown
    assert english_words(out, titles) == []
    # columns line up by display width: each status starts where the header's does
    column = lines[0].index("状态")
    assert all(display_width(line[:line.index("未开始")]) == display_width(lines[0][:column])
               for line in lines[1:] if "未开始" in line)


def test_start_check_hint_in_chinese(capsys, tmp_path):
    data = _data(tmp_path)
    code, out, err = run(capsys, "exercise", "start", EXERCISE)
    assert code == 0 and "已写入" in out and f"`dlfs exercise check {EXERCISE}`" in out
    assert english_words(out + err, data) == [], out

    code, out, err = run(capsys, "exercise", "check", EXERCISE)   # the starter, in the sandbox
    assert code == 1
    assert "未实现" in out and "还没有实现" in out and "0/1 个用例通过 —— 尚未实现" in out
    assert english_words(out + err, data) == [], out

    hints = get_exercise(EXERCISE).hints
    code, out, err = run(capsys, "exercise", "hint", EXERCISE)
    assert code == 0 and f"提示 1/{len(hints)}：{hints[0][1]}" in out
    assert hints[0][0] not in out                        # the chosen language only
    assert english_words(out + err, data) == [], out


def test_errors_in_chinese(capsys, tmp_path):
    data = _data(tmp_path)
    code, out, err = run(capsys, "exercise", "start", "no-such-exercise")
    assert code == 2 and "no-such-exercise" in err and "练习" in err
    assert english_words(err.replace("dlfs:", ""), data) == [], err
    code, out, err = run(capsys, "exercise", "check", EXERCISE)   # no file yet
    assert code == 2 and "不存在" in err and f"`dlfs exercise start {EXERCISE}`" in err
    assert english_words(err.replace("dlfs:", ""), data) == [], err
    code, out, err = run(capsys, "exercise", "solution", EXERCISE)
    assert code == 2 and "--reveal" in err and "已看答案" in err
    assert english_words(err.replace("dlfs:", ""), data) == [], err


def test_the_report_in_chinese():
    exercise = get_exercise(EXERCISE)
    report = Report(EXERCISE, "failing", [CaseResult("x (1,) float64", "PASS"),
                                          CaseResult("x (2, 3) float64", "FAIL", "差 0.5")])
    text = format_report(exercise, report)
    assert "通过  x (1,) float64" in text and "不符  x (2, 3) float64" in text
    assert text.endswith("1/2 个用例通过 —— 未通过")
    assert english_words(text, [exercise.title[1], "x (1,) float64", "x (2, 3) float64"]) == []


def test_progress_summary_in_both_languages(monkeypatch):
    progress = EntryProgress(lessons=1, lessons_run=1, exercises=2, solved=1,
                             solved_after_reveal=1, problems=3, accepted=2)
    zh = progress.summary()
    assert zh == "已运行课程 1/1 · 练习 1/2（另有 1 题看答案后完成） · 刷题 2/3"
    assert english_words(zh) == []
    monkeypatch.setenv("DLFS_LANG", "en")
    assert progress.summary() == ("lessons run 1/1 · exercises 1/2 (+1 after reveal) · "
                                  "problems 2/3")
