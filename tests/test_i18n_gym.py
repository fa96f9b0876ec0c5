"""`dlfs gym …` in Chinese (DLFS_LANG=zh): every label, status, heading, summary, explanation,
prompt and error is Chinese; ids, code, numbers, paths and verdict codes stay as they are.

Every problem has its title, statement, input and output formats, hint header and "similar
to" name in Chinese as well. ``dlfs gym show`` prints both versions of the problem unless
``--lang`` picks one; the English version is taken out before the scan (it is the problem,
not the interface), and what is left must be Chinese but for names, code and sample data.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter

import pytest

from dlfs import i18n, sandbox
from dlfs.cli import main
from dlfs.gym.execution import classify
from dlfs.gym.judge import JudgeReport, describe_source, read_history
from dlfs.gym.problem import Problem
from dlfs.gym.problems import PROBLEMS, get_problem, problems_for_day
from dlfs.gym.starter import render_problem
from dlfs.i18n import gym as gym_messages
from dlfs.textui import display_width

#: Topics that are Python names, shown as they are.
PYTHON_NAMES = {"Counter", "defaultdict", "deque", "heapq", "bisect", "itertools", "functools",
                "groupby", "LeetCode"}
ALLOWED = i18n.LATIN_OK | gym_messages.LATIN_OK | PYTHON_NAMES
#: Names of algorithms, and the functions of complexity formulas (O(n log n), O(n·min(k, n))),
#: which the Chinese hints keep.
ALGORITHM_NAMES = {"BFS", "DFS", "KMP", "Kadane", "Kahn", "Dijkstra", "log", "min", "max"}
#: Identifiers a Chinese statement keeps as they are (names in the input, key letters).
STATEMENT_NAMES = {
    "pair-sum-sorted": {"target"},
    "phone-words": {"abc", "def", "ghi", "jkl", "mno", "pqrs", "tuv", "wxyz"},
    "count-in-range": {"lo", "hi"},
    "range-sum-queries": {"lo", "hi"},
    "climb-stairs": {"sm"},        # s1, …, sm
    "ship-capacity": {"wn"},       # w1..wn
    "big-sum": {"input"},          # input()
    "decode-string": {"code"},     # k[code]
}

_CODE = re.compile(r"`[^`]*`|--?[a-z][a-z0-9-]*|<[^<>`\n]*>|[A-Za-z0-9_.~-]*/[A-Za-z0-9_./~-]*"
                   r"|\b[a-z0-9]+(?:[-_:.][a-z0-9]+)+\b")

_IDS = re.compile(r"\b(?:" + "|".join(re.escape(p.id) for p in PROBLEMS) + r")\b")

WRONG_HOUSE_ROBBER = "import sys\nprint(sum(map(int, sys.stdin.read().split()[1:])))\n"


def english_words(text: str, *data: str) -> list[str]:
    """Latin words left in ``text`` once ``data`` (problem content), problem ids, code,
    flags, <args>, paths and other ids are taken out, less the allowed names and codes."""
    for d in sorted(filter(None, data), key=len, reverse=True):
        text = text.replace(d, " ")
    text = _CODE.sub(" ", _IDS.sub(" ", text))
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED]


def english_version(p: Problem) -> tuple[str, ...]:
    """What ``gym show`` prints of the problem's English version when no ``--lang`` picks one:
    the title, the statement and the formats with their English labels."""
    labels = {key: i18n.catalogue()[f"gym.show.{key}"][0] for key in ("input", "output")}
    return (p.title_en, p.statement_en, labels["input"].format(text=p.input_format),
            labels["output"].format(text=p.output_format))


def problem_names(p: Problem) -> set[str]:
    """Latin words a Chinese problem text may keep: sample data, the statement's
    identifiers, algorithm names."""
    samples = " ".join(inp + out for inp, out in p.examples)
    return (set(re.findall(r"[A-Za-z]{2,}", samples)) | STATEMENT_NAMES.get(p.id, set())
            | ALGORITHM_NAMES)


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture(autouse=True)
def _chinese(monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "zh")
    yield
    i18n.set_lang(None)  # `--lang` sets the language for the rest of the process


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_in_chinese(capsys):
    code, out, err = run(capsys, "gym", "list")
    assert code == 0 and err == ""
    header = out.splitlines()[0].split()
    assert header == ["天", "id", "主题", "状态", "标题"]
    first = PROBLEMS[0]
    assert first.title_zh in out and first.title_en not in out  # titles in the chosen language
    assert "未做" in out and "动态规划" in out and "阅读题目" in out
    assert english_words(out) == []


def test_list_lines_up_by_display_width(capsys):
    code, out, _ = run(capsys, "gym", "list", "--day", "28")
    lines = out.splitlines()
    starts = {display_width(ln[:ln.index(p.title_zh)])
              for p in problems_for_day(28) for ln in lines if p.id in ln}
    assert code == 0 and len(starts) == 1  # every title starts in the same terminal column
    assert display_width(lines[0][:lines[0].index("标题")]) in starts


def test_show_in_chinese(capsys):
    p = get_problem("coin-change")
    code, out, err = run(capsys, "gym", "show", p.id, "--hint")
    assert code == 0 and err == ""
    for text in ("第 26 天，动态规划", "（类似 LeetCode 322）", "输入：", "输出：",
                 "限制：每个测试 3 秒，512 MB，仅限标准库", "--- 样例 1 输入 ---",
                 "--- 样例 1 输出 ---", "提示（复杂度与边界情况）：", "开始：", "检查："):
        assert text in out, text
    # DLFS_LANG=zh chose the language: the Chinese version only (no choice shows both)
    assert p.statement_zh in out and p.statement_en not in out
    assert p.input_format_zh in out and p.input_format not in out
    assert p.header_zh in out and p.header not in out
    assert english_words(out) == []


def test_show_lang_flag_picks_the_statement_and_the_interface(capsys):
    p = get_problem("coin-change")
    _, out, _ = run(capsys, "gym", "show", p.id, "--lang", "zh")
    assert p.statement_zh in out and p.statement_en not in out and "输入：" in out
    _, out, _ = run(capsys, "gym", "show", p.id, "--lang", "en")
    assert p.statement_en in out and p.statement_zh not in out and "Input:" in out
    _, out, _ = run(capsys, "gym", "list", "--day", "26", "--lang", "en")
    assert "topic" in out and p.title_en in out and p.title_zh not in out


def test_check_wrong_answer_then_list_and_stats(capsys, tmp_path):
    code, out, err = run(capsys, "gym", "stats")
    assert code == 0 and "还没有判题记录和复盘" in out and english_words(out) == []

    solution = tmp_path / "wrong.py"
    solution.write_text(WRONG_HOUSE_ROBBER)
    code, out, _ = run(capsys, "gym", "check", "house-robber", str(solution), "--tests", "2")
    assert code == 1
    for text in ("正在评测", "个样例", "WA（答案错误）：未通过样例 1（已通过 0/4）",
                 "--- 输入（样例 1）---", "--- 期望输出 ---", "--- 你的输出 ---"):
        assert text in out, text
    assert english_words(out) == []
    (entry,) = read_history()
    assert entry["summary"] == "WA on example 1 (0/4 passed)"  # files keep English

    code, out, _ = run(capsys, "gym", "list", "--day", "28")
    assert code == 0 and "未通过" in out and english_words(out) == []

    code, out, _ = run(capsys, "gym", "stats")
    assert code == 0
    header = out.splitlines()[0].split()
    assert header == ["主题", "已解决", "提交", "AC", "WA", "TLE", "RE", "MLE", "OLE", "复盘",
                      "最近的错误"]
    row = next(ln for ln in out.splitlines() if ln.startswith("动态规划"))
    assert row.split()[1:5] == [f"0/{sum(p.topic == 'dynamic programming' for p in PROBLEMS)}",
                                "1", "0", "1"]
    assert f"已通过 0/{len(PROBLEMS)} 道题" in out and "判题记录：" in out
    assert english_words(out) == []


@pytest.mark.parametrize("argv, expected", [
    (["gym", "list", "--day", "99"], "第 99 天没有刷题题目"),
    (["gym", "show", "no-such-problem"], "no-such-problem"),
    (["gym", "check", "house-robber", "nope.py", "--tests", "-1"], "--tests 应为不小于 0 的整数"),
    (["gym", "check", "house-robber", "nope.py"], "找不到解答文件"),
    (["gym", "new", "house-robber", "--dir", "__FILE__"], "是一个文件"),
])
def test_bad_input_is_one_chinese_line(capsys, tmp_path, argv, expected):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    argv = [str(a_file) if a == "__FILE__" else a for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert expected in err and "dlfs：" in err
    assert english_words(err, str(a_file)) == [], err


def test_review_prompts_and_errors_in_chinese(capsys, monkeypatch):
    asked = []
    answers = iter(["打家劫舍", "", "x"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or next(answers))
    code, _, err = run(capsys, "gym", "review", "house-robber")
    assert code == 2 and asked == ["这道题讲的是什么（一行）？", "你犯了（或差点犯）什么错误？",
                                   "下次你会怎么做？"]
    assert "“错误”一栏是空的" in err and english_words(err) == []

    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    code, _, err = run(capsys, "gym", "review", "house-robber", "--what", "x")
    assert code == 2 and "缺少 --mistake, --lesson" in err and english_words(err) == []


def test_report_summaries_and_explanations_in_chinese():
    tle = JudgeReport("coin-change", "TLE", 32, 34, 3.0, "1", "2", "", "", "large test 1")
    assert tle.summary() == "TLE（超出时间限制）：未通过第 1 个大规模测试（已通过 32/34）"
    assert tle.summary("en") == "TLE on large test 1 (32/34 passed)"
    ac = JudgeReport("coin-change", "AC", 5, 5, 0.0123)
    assert ac.summary() == "AC：5/5 个测试全部通过，最慢 12 ms"
    assert describe_source("generated test 7, shrunk") == "第 7 个生成测试（已缩小输入）"

    limits = sandbox.Limits(wall_s=2, memory_bytes=64 * sandbox.MiB, processes=4,
                            file_bytes=sandbox.MiB, output_bytes=1000)
    cases = [((-9, b"", 2.0, "wall"), "TLE", "2 秒内没有给出答案"),
             ((-9, b"", 0.1, "output"), "OLE", "输出超过 1,000 字节"),
             ((-9, b"", 0.1, "memory"), "MLE", "合计使用的内存超过 64 MB"),
             ((1, b"ModuleNotFoundError: No module named 'dlfs'", 0.1, None), "RE",
              "判题只提供 Python 标准库")]
    for (rc, stderr, seconds, hit), status, text in cases:
        result = sandbox.RunResult(rc, b"", stderr, seconds, limit_hit=hit)
        outcome = classify(result, limits)
        assert outcome.status == status and text in outcome.detail, outcome
        note = outcome.detail.split("\n")[0]
        assert english_words(note) == [], note


# -- the problems themselves in Chinese


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_problem_texts_in_chinese(problem):
    """Formats, hint and "similar to" name exist in Chinese, keep every number of the
    English text, and leave no English words but names and code in backticks."""
    names = problem_names(problem)
    for name in ("input_format_zh", "output_format_zh", "header_zh"):
        text = getattr(problem, name)
        assert text.strip() and has_chinese(text), name
        assert [w for w in english_words(text) if w not in names] == [], (name, text)
        english = getattr(problem, name.removesuffix("_zh"))
        missing = Counter(re.findall(r"\d+", english)) - Counter(re.findall(r"\d+", text))
        assert not missing, (name, sorted(missing.elements()))
    assert "Edge cases:" in problem.header and "边界情况：" in problem.header_zh
    similar = problem.similar("zh")
    assert bool(similar) == bool(problem.similar_to)
    assert english_words(similar) == [], similar  # "LeetCode 347" stays, words are translated
    assert [w for w in english_words(problem.statement_zh) if w not in names] == []


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.id)
def test_show_every_problem_in_chinese(capsys, problem):
    names = problem_names(problem)
    code, out, err = run(capsys, "gym", "show", problem.id, "--hint")
    assert code == 0 and err == ""
    for text in (problem.statement_zh, problem.input_format_zh, problem.output_format_zh,
                 problem.header_zh, problem.similar("zh")):
        assert text in out, text
    assert [w for w in english_words(out, *english_version(problem)) if w not in names] == []

    code, out, err = run(capsys, "gym", "show", problem.id, "--hint", "--lang", "zh")
    assert code == 0 and err == ""
    assert problem.input_format_zh in out and problem.input_format not in out
    assert [w for w in english_words(out) if w not in names] == []  # nothing taken out


def test_a_problem_without_its_chinese_texts_is_refused():
    base = get_problem("house-robber")
    for name in ("input_format_zh", "output_format_zh", "header_zh"):
        with pytest.raises(ValueError, match=name):
            dataclasses.replace(base, **{name: ""})
        with pytest.raises(ValueError, match=name):
            dataclasses.replace(base, **{name: "  "})
    with pytest.raises(ValueError, match="similar_to_zh"):
        dataclasses.replace(base, similar_to="", similar_to_zh="打家劫舍")
    assert dataclasses.replace(base, similar_to_zh="").similar("zh") == base.similar_to


def test_the_scan_catches_an_untranslated_format():
    """A Chinese field left in English is caught, in the field and on the card, even with
    the English version taken out (it is taken out with its label, as printed)."""
    p = get_problem("window-max")
    untranslated = dataclasses.replace(p, input_format_zh=p.input_format)
    assert english_words(untranslated.input_format_zh) == ["Line", "Line", "integers"]
    for lang in ("zh", None):
        card = render_problem(untranslated, lang=lang, hint=True)
        assert english_words(card, *english_version(p)) == ["Line", "Line", "integers"]
    assert english_words(render_problem(p, hint=True), *english_version(p)) == []
