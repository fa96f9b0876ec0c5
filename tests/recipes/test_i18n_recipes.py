"""The recipe commands in Chinese (``DLFS_LANG=zh``): `dlfs train`, `dlfs sample`, `dlfs chat`
print their errors and their progress lines without English UI words (commands, paths, ids,
option values and numbers may stay)."""

from __future__ import annotations

import re

import pytest

from dlfs import i18n
from dlfs.cli import main
from dlfs.recipes.registry import RECIPES

#: ids printed as they are: the recipes' names, argparse's type names
IDS = {e.name for e in RECIPES} | {"int", "float"}
#: option values and ids a quick `dlfs train kaggle-titanic` prints as they are
TITANIC_IDS = IDS | {"selected", "logreg", "pclass", "sex", "age", "title", "family"}


@pytest.fixture(autouse=True)
def _chinese(monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "zh")
    yield
    i18n.set_lang(None)


def english_words(text: str, allowed: set[str] = IDS) -> list[str]:
    """The English words left in ``text`` once commands (``dlfs train gpt``), code, paths,
    ids, flags, metavars (``RECIPE``) and quoted values are set aside (the catalogue
    checker's rules)."""
    text = re.sub(r"[!-~]*/[!-~]*", " ", text)     # paths (any case: /tmp/tmp.AkAB7Mgz/…)
    text = re.sub(r"dlfs [a-z]+(?: [a-z][a-z-]*)?", " ", text)
    text = re.sub(r"'[^']*'|\b[A-Z][A-Z_]+\b", " ", text)
    words = []
    for line in text.splitlines():
        for problem in i18n.problems({"line": ("line", line)}):
            words += [w for w in problem.split(": ")[-1].split(", ") if w not in allowed]
    return words


def _error(capsys, argv: list[str]) -> str:
    """stderr of a command that fails with exit status 2 (a DlfsError or a usage error)."""
    try:
        code = main(argv)
    except SystemExit as exc:                    # argparse: its own exit
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


def test_an_unknown_recipe_is_a_chinese_usage_error(capsys):
    err = _error(capsys, ["train", "no-such-recipe"])
    assert "错误" in err and "无效的选择" in err and "（见 `dlfs train --help`）" in err
    assert "error" not in err and "see" not in err
    assert english_words(err) == []


def test_a_bad_option_value_names_the_option_in_chinese(capsys):
    err = _error(capsys, ["train", "gpt", "--steps", "x"])
    assert err.startswith("dlfs train gpt：错误：参数 --max-steps/--steps：无效的 int 值：'x'")
    assert err.rstrip().endswith("（见 `dlfs train gpt --help`）")
    assert english_words(err) == []


@pytest.mark.parametrize("argv, expected", [
    (["train", "gpt", "--quick", "--seed", "-1"], "`GPTRecipe`：`seed` 必须 >= 0，实际为 -1"),
    (["train", "gpt", "--quick", "--lr", "nan"], "应为有限的数，实际为 'nan'"),
    (["train", "kaggle-titanic", "--quick", "--folds", "1"], "必须 >= 2"),
])
def test_option_validation_errors_are_chinese(capsys, argv, expected):
    err = _error(capsys, argv)
    assert expected in err
    assert english_words(err) == []


def test_a_path_of_the_wrong_kind_is_a_chinese_error(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    err = _error(capsys, ["train", "mnist", "--quick", "--data", str(tmp_path / "a-file")])
    assert "--data " in err and "：应为目录，实际是一个文件" in err
    assert english_words(err) == []


def test_sample_and_chat_on_missing_runs(tmp_path, capsys):
    missing = str(tmp_path / "nowhere")
    err = _error(capsys, ["sample", "--run", missing])
    assert f"--run {missing} 不存在" in err and "`dlfs train gpt`" in err
    assert english_words(err) == []
    err = _error(capsys, ["chat", "--run", missing])
    assert "应为 `dlfs train sft` 或 `dlfs train dpo` 的运行目录" in err
    assert english_words(err) == []
    err = _error(capsys, ["chat", "--run", missing, "--once", "  "])
    assert "--once 需要一个问题" in err and english_words(err) == []


def test_sample_points_other_runs_elsewhere_in_chinese(tmp_path, capsys):
    (tmp_path / "run.json").write_text('{"kind": "sft", "recipe": {}}')
    err = _error(capsys, ["sample", "--run", str(tmp_path)])
    assert "`dlfs sample` 不接着它生成" in err and f"`dlfs chat --run {tmp_path}`" in err
    assert english_words(err) == []


def test_a_quick_run_prints_only_chinese(tmp_path, capsys):
    """`dlfs train kaggle-titanic --quick` (about a second): every line it prints."""
    assert main(["train", "kaggle-titanic", "--quick", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "（快速试跑）" in out and "交叉验证：准确率" in out and "已写出" in out
    assert "第 1/2 折：验证准确率" in out and "离线得分" in out and "用时" in out
    assert english_words(out, TITANIC_IDS) == []


def test_the_checker_of_this_file_sees_english():
    assert english_words("done: val loss 1.2 after 30 steps") == ["done", "val", "loss",
                                                                  "after", "steps"]
    assert english_words("完成：`dlfs train gpt --quick` 在 /tmp/x-y/run.json 中") == []
