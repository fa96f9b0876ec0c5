"""`dlfs <command> --help` in Chinese (DLFS_LANG=zh): the gym, exercise and recipe commands'
help texts come from the catalogue, every recipe option's from its field's ``help_zh``; no
English UI words are left, and the lines fit the terminal by display width."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from dlfs import i18n
from dlfs.cli import main
from dlfs.recipes.options import help_problems, recipe_options, wrap_display
from dlfs.recipes.registry import RECIPES, get_recipe, recipe_parser
from dlfs.recipes.sampling import SamplingConfig
from dlfs.textui import display_width
from test_cli_zh import _parser_words, english_ui_words

CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: names every area may keep (LeNet, LayerNorm, GELU …), and the Python values a --quick preset
#: shows as they are (``--gold-fallback True``)
AREA_NAMES = i18n.LATIN_OK.union(*(getattr(m, "LATIN_OK", ()) for m in i18n._areas()))
VALUES = {"True", "False", "None"}


@pytest.fixture
def zh(monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "zh")
    monkeypatch.setenv("COLUMNS", "80")
    yield
    i18n.set_lang(None)


def help_text(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    out, err = capsys.readouterr()
    assert not err
    return out


def recipe_words(name: str) -> set[str]:
    """Flags, field paths, metavars and choices of ``dlfs train <name>``: code in its help."""
    entry = get_recipe(name)
    parser = recipe_parser(entry, entry.load())
    words = set(re.findall(r"[A-Za-z]{2,}", parser.prog))
    for action in parser._actions:
        names = f"{action.dest} {action.metavar or ''} {' '.join(map(str, action.choices or ()))}"
        words |= set(re.findall(r"[A-Za-z]{2,}", names))
    return words


def english_left(text: str, allowed: set[str] = frozenset()) -> list[str]:
    return [w for w in english_ui_words(text) if w not in AREA_NAMES | VALUES | allowed]


COMMANDS = [("gym",), ("gym", "list"), ("gym", "show"), ("gym", "new"), ("gym", "check"),
            ("gym", "review"), ("gym", "stats"), ("exercise",), ("exercise", "list"),
            ("exercise", "start"), ("exercise", "check"), ("exercise", "hint"),
            ("exercise", "solution"), ("exercise", "reset"), ("train",), ("sample",),
            ("caption",), ("chat",)]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_command_help_is_chinese(zh, capsys, argv):
    out = help_text(capsys, *argv)
    assert out.startswith("用法：") and CHINESE.search(out.split("\n\n", 1)[1])
    assert english_left(out, _parser_words()) == []


@pytest.mark.parametrize("name", [e.name for e in RECIPES])
def test_every_recipe_help_is_chinese(zh, capsys, name):
    out = help_text(capsys, "train", name)
    assert english_left(out, _parser_words() | recipe_words(name)) == []
    assert f"{get_recipe(name).describe()}。" in out


def squashed(text: str) -> str:
    """Without any white space: what a needle is looked for in, wherever the lines break."""
    return re.sub(r"\s+", "", text)


def test_the_named_commands_speak_chinese(zh, capsys):
    def shows(argv: tuple[str, ...], *needles: str) -> None:
        out = squashed(help_text(capsys, *argv))
        for needle in needles:
            assert squashed(needle) in out

    shows(("gym",), "在沙箱中评判解答文件（AC/WA/TLE/RE/MLE/OLE）并记录结果")
    shows(("gym", "check"), "随机生成的测试数（默认 30）")
    shows(("exercise",), "亲手实现，离线评分")
    shows(("exercise", "start"), "把模板写入你的工作区（从不覆盖）")
    shows(("train",), "用下列配方之一训练模型", "字符级 RNN / LSTM / GRU 语言模型")
    shows(("train", "gpt"),
          "峰值学习率（AdamW）（默认：0.001）",
          "优化步数；默认值在 2 个 CPU 核上约需 4 分钟（默认：3000） [--quick：30]",
          "--no-bias Linear 层和 LayerNorm 层中的偏置向量（默认开启；此选项将其关闭）",
          "把全局梯度范数裁剪到这个值（默认：1.0；`none` 表示关闭）",
          "网络结构；vocab_size 由分词器决定",                 # a section's own text
          "几秒钟的冒烟运行：--max-steps 30",
          "每个选项设置配方中同名的字段（dlfs.recipes.gpt.GPTRecipe）。")
    shows(("train", "dpo"), "[--quick：开]")                   # a flag the preset turns on
    shows(("sample",), "采样器随机数生成器的种子", "图像运行（`vae`、`ddpm`、`gan`）")
    shows(("chat",), "回答这一个问题后退出")


@pytest.mark.parametrize("argv", [("gym", "check"), ("exercise", "start"), ("train", "gpt"),
                                  ("train", "ddpm"), ("sample",), ("chat",)], ids=" ".join)
def test_chinese_help_lines_fit_the_terminal(zh, capsys, argv):
    out = help_text(capsys, *argv)
    body = out.split("\n\n", 1)[1]                   # argparse wraps the usage line itself
    assert max(display_width(line) for line in body.splitlines()) <= 78


def test_english_help_is_unchanged(capsys):
    out = help_text(capsys, "train", "gpt")
    assert "Train the capstone: the from-scratch GPT on a text corpus, then a sample." in out
    assert "peak learning rate (AdamW) (default: 0.001)" in out
    assert "a seconds-long smoke run: --max-steps 30" in out
    assert "用法" not in out and not CHINESE.search(out)
    assert "write the pieces yourself, graded offline\n" in help_text(capsys, "exercise")


def test_a_recipe_line_is_the_registry_line_in_english():
    catalogue = i18n.catalogue()
    for entry in RECIPES:
        assert catalogue[f"recipes.help.recipe.{entry.name}"][0] == entry.help


@pytest.mark.parametrize("cls", [*(e.load().recipe for e in RECIPES), SamplingConfig],
                         ids=lambda c: c.__name__)
def test_every_option_has_a_chinese_help(cls):
    assert help_problems(cls) == []
    for option in recipe_options(cls):
        assert option.help and not CHINESE.search(option.help)    # English by default


# -- the checker finds each fault it exists for

@dataclass(frozen=True)
class Inner:
    width: int = field(default=4, metadata={"help": "the width", "help_zh": "宽度"})
    depth: int = field(default=2, metadata={"help": "the depth"})              # no help_zh


@dataclass(frozen=True)
class Planted:
    steps: int = field(default=1, metadata={"help": "steps", "help_zh": "步数"})
    lr: float = field(default=0.1, metadata={"help": "learning rate",
                                             "help_zh": "learning rate 学习率"})
    seed: int = field(default=0, metadata={"help": "the seed", "help_zh": "seed"})
    inner: Inner = field(default_factory=Inner, metadata={"help": "the inner part"})
    shown: int = field(default=0, metadata={"help": "set by the code", "internal": True})


def test_the_checker_reports_every_planted_fault():
    found = "\n".join(help_problems(Planted))
    assert "Planted.inner.depth: needs a non-empty English and Chinese text" in found
    assert "Planted.inner: needs a non-empty English and Chinese text" in found
    assert "Planted.lr: English left in the Chinese text: learning, rate" in found
    assert "Planted.seed: no Chinese in the Chinese text" in found
    assert "steps" not in found and "width" not in found and "shown" not in found


def test_an_option_without_chinese_falls_back_to_english(zh):
    helps = {o.path: o.help for o in recipe_options(Planted)}
    assert helps["steps"] == "步数" and helps["inner.depth"] == "the depth"


def test_chinese_wraps_by_display_width_and_keeps_marks_with_their_word():
    text = "在任意固定线程数下逐位可复现的训练：使用 torch 的确定性内核（在 CPU 上只改变嵌入层的反向传播）"
    lines = wrap_display(text, 20)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(display_width(line) <= 20 for line in lines)
    assert not any(line[0] in "，。；：、）" for line in lines)
    assert wrap_display("--dim-feedforward 的宽度", 10) == ["--dim-feedforward", "的宽度"]
