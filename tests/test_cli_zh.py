"""`dlfs` in Chinese (DLFS_LANG=zh / --lang zh): no English UI words left, and tables that line
up by display width (a Chinese character is two terminal columns)."""

from __future__ import annotations

import re

import pytest

from dlfs import i18n
from dlfs.cli import main
from dlfs.curriculum import all_lessons, all_tracks
from dlfs.textui import display_width, table


def _content_words() -> set[str]:
    """Latin words that Chinese *content* keeps (lesson titles such as "Tensor 基础 + Device
    管理", ids, track ids): they come from the registries, not from the UI."""
    texts = [x.title_zh for x in all_lessons()] + [x.id for x in all_lessons()]
    for track in all_tracks():
        texts += [track.title_zh, track.id]
        texts += [e.title_zh + " " + e.key for e in track.entries]
    return set(re.findall(r"[A-Za-z]{2,}", " ".join(texts)))


def _parser_words() -> set[str]:
    """Command names, argument names and metavars: what the usage line shows as code."""
    import argparse

    from dlfs.cli import build_parser

    words, todo = set(), [build_parser()]
    while todo:
        parser = todo.pop()
        words |= set(re.findall(r"[A-Za-z]{2,}", parser.prog))
        for action in parser._actions:
            choices = " ".join(map(str, action.choices or ()))
            names = f"{action.dest} {action.dest.upper()} {action.metavar or ''} {choices}"
            words |= set(re.findall(r"[A-Za-z]{2,}", names))
            if isinstance(action, argparse._SubParsersAction):
                todo += list(action.choices.values())
    return words


def english_ui_words(text: str) -> list[str]:
    """Latin words in ``text`` that are neither code, ids, paths, quoted input, names nor
    content."""
    text = re.sub(r"`[^`]*`|'[^']*'", " ", text)
    text = re.sub(r"[!-~]*/[!-~]*|\b[\w.]+(?:[-_:.][\w]+)+\b|--?[a-z][\w-]*", " ", text)
    allowed = i18n.LATIN_OK | _content_words() | _parser_words()
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in allowed})


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "zh")
    yield
    i18n.set_lang(None)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_checker_sees_a_planted_english_word():
    assert english_ui_words("第 3 天  einsum  未检查  passed") == ["passed"]
    assert english_ui_words("文件：/tmp/x.py `dlfs run x` --track 第 0 天") == []


@pytest.mark.parametrize("argv", [("list",), ("list", "--track", "book"), ("progress",),
                                  ("progress", "--history")])
def test_list_and_progress_speak_chinese(zh, capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 0 and not err
    assert re.search(r"[\u4e00-\u9fff]", out)
    assert english_ui_words(out) == []


def test_list_in_chinese_has_the_chinese_labels_and_statuses(zh, capsys):
    _, out, _ = run(capsys, "list", "--track", "pytorch")
    assert "第 0 天" in out and "未检查" in out and "环境搭建与 utils 工具库封装" in out
    assert "Environment setup" not in out            # the chosen language only


def test_the_global_flag_beats_the_environment(zh, capsys):
    _, out, _ = run(capsys, "--lang", "en", "list", "--track", "pytorch")
    assert "Day 0" in out and "not checked" in out and "第 0 天" not in out


@pytest.mark.parametrize("argv, needle", [
    (("run", "no-such-lesson"), "未知的课程"),
    (("list", "--track", "nope"), "未知的路线"),
    (("check", "einsum", "--track", "pytorch"), "不能同时给"),
])
def test_bad_input_errors_in_chinese(zh, capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2 and err.count("\n") == 1 and needle in err
    assert err.startswith("dlfs：错误：") and english_ui_words(err) == []


def test_argparse_errors_and_help_in_chinese(zh, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "缺少必需的参数" in err and english_ui_words(err) == []
    with pytest.raises(SystemExit):
        main(["list", "--help"])
    out = capsys.readouterr().out
    assert "用法" in out and "列出路线、课程及其状态" in out and english_ui_words(out) == []


def test_a_bad_language_is_refused_in_one_line(capsys, monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "fr")
    code, _, err = run(capsys, "list")
    assert code == 2 and "DLFS_LANG: expected en or zh, got 'fr'" in err


# -- alignment: columns by display width ------------------------------------------------

def _columns(line: str, cells: list[str]) -> list[int]:
    """The display column where each cell starts in ``line``."""
    out, start = [], 0
    for cell in cells:
        i = line.index(cell, start)
        out.append(display_width(line[:i]))
        start = i + len(cell)
    return out


def test_table_lines_up_chinese_and_long_ids():
    rows = [["第 10 天", "gym-heap-bisect-templates", "未检查", "堆与二分模板"],
            ["Topic engineering", "init-stability", "passed", "Init"],
            ["第 0 天", "x", "通过", "环境"]]
    lines = table(rows, indent="  ")
    starts = [_columns(line, row) for line, row in zip(lines, rows)]
    assert starts[0] == starts[1] == starts[2]
    assert all(not line.endswith(" ") for line in lines)


def test_table_alignment_catches_len_padding():
    """The planted bug: padding by len() puts Chinese rows out of line."""
    rows = [["第 10 天", "a"], ["Day 10", "b"]]
    by_len = [f"{r[0]:<10}{r[1]}" for r in rows]
    assert _columns(by_len[0], rows[0]) != _columns(by_len[1], rows[1])
    good = table(rows, gap=0)
    assert _columns(good[0], rows[0]) == _columns(good[1], rows[1])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dlfs_list_columns_line_up(monkeypatch, capsys, lang):
    monkeypatch.setenv("DLFS_LANG", lang)
    _, out, _ = run(capsys, "list")
    i18n.set_lang(None)
    lessons = {x.id for x in all_lessons()}
    starts = set()
    for line in out.splitlines():
        parts = line.split()
        ids = [p for p in parts if p in lessons]
        if line.startswith("  ") and ids:
            before, _, _ = line.partition(f" {ids[0]} ")
            starts.add((display_width(before) + 1, _block_of(out, line)))
    per_block: dict[int, set[int]] = {}
    for col, block in starts:
        per_block.setdefault(block, set()).add(col)
    assert per_block and all(len(cols) == 1 for cols in per_block.values()), per_block


def _block_of(out: str, line: str) -> int:
    """Which track block (blank-line separated) a line belongs to."""
    return out[:out.index(line)].count("\n\n")


def test_lessons_say_what_to_notice_and_check_it(capsys):
    from dlfs.curriculum.context import LessonContext

    ctx = LessonContext("x", quick=True)
    ctx.notice(True, "look here", "看这里")
    assert capsys.readouterr().out == "→ look here\n  看这里\n"
    with pytest.raises(AssertionError, match="does not hold: look here"):
        ctx.notice(False, "look here", "看这里")


def test_progress_history_in_chinese(zh, capsys):
    from dlfs.curriculum import ProgressStore

    store = ProgressStore()
    store.record_attempt("linear", "failing", cases="1/3")
    store.record_attempt("linear", "solved", cases="3/3", source="notebook")
    code, out, _ = run(capsys, "progress", "--history")
    assert code == 0 and "练习" in out and "笔记本" in out and "命令行" in out
    assert english_ui_words(out) == []


@pytest.mark.parametrize("lesson_id", ["broadcasting", "loss-inputs", "debug-checklist-review",
                                       "prelim-data"])
def test_lessons_that_check_library_messages_pass_in_chinese(zh, lesson_id):
    """These lessons assert on dlfs's own error messages, which follow the learner's
    language: their checks must hold in Chinese too."""
    from dlfs.curriculum import get_lesson, run_lesson

    result = run_lesson(get_lesson(lesson_id), quick=True)
    assert result.ok, result.error



def test_the_captioners_own_lang_option_does_not_switch_the_interface():
    """`dlfs train captioner --lang zh` sets the caption language, not the interface's."""
    from dlfs.i18n import lang_from_argv

    assert lang_from_argv(["train", "captioner", "--lang", "zh"]) is None
    assert lang_from_argv(["--lang", "zh", "train", "captioner", "--lang", "en"]) == "zh"
