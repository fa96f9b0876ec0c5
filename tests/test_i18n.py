"""The message catalogue: complete in both languages, and every key the code asks for exists.

Also the language choice (``--lang``, ``DLFS_LANG``, locale) and argparse's own messages.
"""

from __future__ import annotations

import re

import pytest

from dlfs import i18n
from dlfs.errors import DlfsError
from dlfs.paths import PACKAGE_DIR

SOURCES = [p for p in PACKAGE_DIR.rglob("*.py") if not {"lessons", "i18n"} & set(p.parts)]


@pytest.fixture(autouse=True)
def _reset_lang(monkeypatch):
    for var in ("DLFS_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    yield
    i18n.set_lang(None)


def test_every_message_has_both_languages():
    assert i18n.problems() == []


@pytest.mark.parametrize("bad, fault", [
    ({"k": ("Saved {path}", "")}, "non-empty"),
    ({"k": ("Saved {path}",)}, "non-empty"),
    ({"k": ("Saved {path}", "已保存 {file}")}, "placeholders differ"),
    ({"k": ("not checked", "未 checked")}, "English left"),
    ({"k": ("Next: run it", "Next: run it")}, "English left"),
])
def test_checker_catches_planted_faults(bad, fault):
    found = i18n.problems(bad)
    assert found and fault in found[0]


def test_checker_lets_code_ids_and_flags_through():
    ok = {"k": ("run {id} with --force", "用 `dlfs run x` 和 --force 运行 <id> gym-heap {id}")}
    assert i18n.problems(ok) == []


def _source_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)


def test_every_key_the_code_asks_for_exists():
    text = _source_text()
    asked = set(re.findall(r"\bt\(\s*\"([A-Za-z_][\w.:-]*)\"", text))
    missing = sorted(asked - set(i18n.catalogue()))
    assert not missing, f"t() asks for keys the catalogue lacks: {missing}"


def test_no_key_is_dead():
    text = _source_text()
    prefixes = set(re.findall(r"\bt\(\s*f\"([\w.:-]+\.)\{", text))
    dead = [k for k in i18n.catalogue()
            if not k.startswith("argparse:") and f'"{k}"' not in text
            and not any(k.startswith(p) for p in prefixes)]
    assert not dead, f"catalogue keys no code uses: {dead}"


def test_language_order_flag_env_locale(monkeypatch):
    assert i18n.lang() == "en" and i18n.chosen_lang() is None
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.lang() == "zh" and i18n.chosen_lang() is None
    monkeypatch.setenv("DLFS_LANG", "en")
    assert i18n.lang() == "en" and i18n.chosen_lang() == "en"
    i18n.set_lang("zh")
    assert i18n.lang() == "zh"


def test_a_bad_language_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("DLFS_LANG", "fr")
    with pytest.raises(DlfsError, match="DLFS_LANG: expected en or zh, got 'fr'"):
        i18n.lang()
    with pytest.raises(DlfsError, match="--lang"):
        i18n.set_lang("klingon")


def test_titles_follow_the_chosen_language():
    assert i18n.title("Tensors", "张量") == "Tensors · 张量"
    i18n.set_lang("zh")
    assert i18n.title("Tensors", "张量") == "张量"


def test_argparse_messages_are_translated(capsys):
    import argparse

    i18n.install_argparse()
    i18n.set_lang("zh")
    parser = argparse.ArgumentParser(prog="p")
    parser.add_argument("--n", type=int)
    with pytest.raises(SystemExit):
        parser.parse_args(["--n", "x"])
    err = capsys.readouterr().err
    assert "错误" in err and "无效的 int 值" in err and "invalid" not in err
    assert "用法" in parser.format_help() and "usage" not in parser.format_help()
