"""The site's page sources (no Sphinx): one language per lesson page, the code once, the
navigation from the registry, the library-file links, the guides' pairing, and the checkers
behind the built-site tests, each shown failing on a planted fault."""

from __future__ import annotations

import re

import pytest

from dlfs.curriculum.bilingual import doc_pairing_problems, read_cells
from dlfs.curriculum.registry import all_lessons, all_tracks, get_lesson, lesson_file, lessons_in
from dlfs.paths import PACKAGE_DIR, repo_root
from dlfs.site import check, pages

CJK = re.compile(r"[\u4e00-\u9fff]")


def _markdown(page: str) -> list[str]:
    return [c.text for c in read_cells(page) if c.kind == "markdown"]


def _code(page: str) -> list[str]:
    return [c.text for c in read_cells(page) if c.kind == "code"]


@pytest.mark.parametrize("lesson_id", ["broadcasting", "adamw-vs-adam", "env-setup"])
def test_a_lesson_page_has_one_language_and_the_code_once(lesson_id):
    lesson = get_lesson(lesson_id)
    source = lesson_file(lesson).read_text(encoding="utf-8")
    en, zh = (pages.lesson_page(lesson, lang, "f" * 16) for lang in ("en", "zh"))
    # the code cells: the hidden setup cell, then exactly the lesson's code, in both pages
    lesson_code = [c.text for c in read_cells(source) if c.kind == "code"]
    assert _code(en)[1:] == lesson_code == _code(zh)[1:]
    assert 'tags=["remove-cell"]' in en and "DLFS_LESSON_MODE" in _code(en)[0]
    assert "f" * 16 in _code(en)[0]            # the library fingerprint keys the cache
    english = [c.text for c in read_cells(source) if c.kind == "markdown" and c.lang is None]
    chinese = [c.text for c in read_cells(source) if c.kind == "markdown" and c.lang == "zh"]
    assert all(text in _markdown(en) for text in english)
    assert not any(text in _markdown(en) for text in chinese)
    assert all(text in _markdown(zh) for text in chinese)
    assert not any(text in _markdown(zh) for text in english)
    # the box after the title: the other title, run commands, the notebook download
    for page, other in ((en, lesson.title_zh), (zh, lesson.title_en)):
        box = _markdown(page)[1]
        assert other in box and f"dlfs run {lesson.id}" in box
        assert f"notebooks/{lesson.id}.ipynb" in box
    assert "自己运行" in _markdown(zh)[1] and "Run it yourself" in _markdown(en)[1]


def test_every_library_file_a_lesson_names_exists_and_links_to_the_api():
    """The "Library files" line of each lesson: every path is real, and paths inside the
    API roots get a link to their section of the API reference."""
    missing, linked = [], 0
    for lesson in all_lessons():
        first = next(c for c in read_cells(lesson_file(lesson).read_text(encoding="utf-8"))
                     if c.kind == "markdown")
        for written, module, page in pages.library_files(first.text):
            path = PACKAGE_DIR.joinpath(*module.split(".")[1:])
            if not (path.is_dir() or path.with_suffix(".py").is_file()):
                missing.append(f"{lesson.id}: {written}")
            linked += page is not None
    assert not missing, missing
    assert linked > 100


def test_library_files_parses_files_and_packages():
    text = ("**Library files:** `src/dlfs/playground/` (`inspect`), `src/dlfs/optim/adam.py`, "
            "`src/dlfs/lessons/x.py`, `tests/optim/test_optimizers.py`")
    assert pages.library_files(text) == [
        ("src/dlfs/playground/", "dlfs.playground", "dlfs.playground"),
        ("src/dlfs/optim/adam.py", "dlfs.optim.adam", "dlfs.optim"),
        ("src/dlfs/lessons/x.py", "dlfs.lessons.x", None)]


def test_track_pages_list_every_lesson_of_the_registry():
    """Navigation comes from the registry: each track page holds every lesson of the track
    (the data `dlfs list --json` prints), in the track's order."""
    ids = {x.id for x in all_lessons()}
    for track in all_tracks():
        page = pages.track_page(track, "en", ids)
        toc = re.findall(r"^\.\./lessons/([a-z0-9-]+)$", page, flags=re.M)
        assert toc == [x.id for x in lessons_in(track.id)], track.id
        assert track.title_en in page
        assert track.title_zh in pages.track_page(track, "zh", ids)


def test_the_index_links_every_track_with_lessons():
    ids = {x.id for x in all_lessons()}
    index = pages.index_page("zh", all_tracks(), ids, guides=pages.GUIDES, gym=True, api=True)
    for track in all_tracks():
        if lessons_in(track.id):
            assert f"tracks/{track.id}.md" in index
    assert "学习路线" in index and "gym/index" in index and "api/index" in index


def test_guides_link_to_the_other_language_on_the_site():
    docs = repo_root() / "docs"
    en = pages.guide_page("debug_checklist", "en", docs)
    zh = pages.guide_page("debug_checklist", "zh", docs)
    assert '<a href="../../zh/guides/debug_checklist.html">' in en and ".zh-CN.md)" not in en
    assert '<a href="../../en/guides/debug_checklist.html">' in zh


def test_gym_pages_in_both_languages():
    en, zh = pages.gym_pages("en", {"coin-change"}), pages.gym_pages("zh", {"coin-change"})
    assert set(en) == set(zh) == {"gym/index.md", "gym/coin-change.md"}
    assert "Fewest coins" in en["gym/coin-change.md"] or "coin" in en["gym/coin-change.md"]
    assert CJK.search(zh["gym/coin-change.md"]) and "dlfs gym new coin-change" in zh[
        "gym/coin-change.md"]
    # the commands are the ones that work: `gym new` writes gym/<id>.py, `gym check ID FILE`
    assert "dlfs gym check coin-change gym/coin_change.py" in en["gym/coin-change.md"]


def test_api_pages_cover_the_library_packages():
    packages = pages.api_packages()
    assert {"dlfs.nn", "dlfs.nn.functional", "dlfs.optim", "dlfs.autograd"} <= set(packages)
    page = pages.api_page("dlfs.optim")
    assert ".. automodule:: dlfs.optim.adam\n   :members:" in page


def test_the_fingerprint_follows_the_library_not_the_lessons(tmp_path, monkeypatch):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "nn.py").write_text("x = 1\n")
    (tmp_path / "lessons" / "l.py").write_text("y = 1\n")
    monkeypatch.setattr(pages, "PACKAGE_DIR", tmp_path)
    first = pages.library_fingerprint()
    (tmp_path / "lessons" / "l.py").write_text("y = 2\n")
    assert pages.library_fingerprint() == first          # a lesson's own code keys itself
    (tmp_path / "nn.py").write_text("x = 2\n")
    assert pages.library_fingerprint() != first          # the library re-runs every lesson


# -- the guides' two languages pair up -------------------------------------------------------

@pytest.mark.parametrize("name", pages.GUIDES)
def test_each_guide_pairs_with_its_chinese_version(name):
    docs = repo_root() / "docs"
    en = (docs / f"{name}.md").read_text(encoding="utf-8")
    zh = (docs / f"{name}.zh-CN.md").read_text(encoding="utf-8")
    assert doc_pairing_problems(en, zh, name) == []


def test_doc_pairing_catches_drift():
    en = "# T\n\ntext\n\n## A\n\n```python\nx = 1  # one\n```\n"
    zh = "# 标题\n\n正文\n\n## 甲\n\n```python\nx = 1  # 一\n```\n"
    assert doc_pairing_problems(en, zh, "d") == []
    assert doc_pairing_problems(en, zh.replace("## 甲\n", ""), "d")        # a section lost
    assert doc_pairing_problems(en, zh.replace("x = 1", "x = 2"), "d")    # code drifted
    assert doc_pairing_problems(en, zh.replace("```python\nx = 1  # 一\n```\n", ""), "d")
    assert doc_pairing_problems(en, en, "d")                               # not translated


# -- the checkers behind tests/site/test_site_build.py, on planted faults --------------------

def test_offline_check_finds_remote_scripts_styles_and_fonts(tmp_path):
    (tmp_path / "a.html").write_text(
        '<link rel="stylesheet" href="https://cdn.example.org/s.css">'
        '<script src="//cdn.example.org/m.js"></script>'
        '<a href="https://pytorch.org">a link is fine</a><script src="_static/x.js"></script>')
    (tmp_path / "s.css").write_text(
        "@import url('https://fonts.example.org/f.css'); .a { background: url(img/x.png) }")
    found = check.offline_problems(tmp_path)
    assert len(found) == 3 and all("example.org" in p for p in found)
    (tmp_path / "a.html").write_text('<script src="_static/x.js"></script>')
    (tmp_path / "s.css").write_text(".a { background: url(img/x.png) }")
    assert check.offline_problems(tmp_path) == []


def test_link_check_finds_missing_pages_and_anchors(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="sub/b.html#here">ok</a> <a href="sub/b.html#gone">bad anchor</a> '
        '<a href="missing.html">bad page</a> <img src="sub/pic.png"> <a href="#top">ok</a> '
        '<a id="top"></a> <a href="mailto:x@y.z">mail</a> <a href="https://x.org/y">web</a>')
    (tmp_path / "sub" / "b.html").write_text('<h1 id="here">B</h1><a href="../index.html">up</a>')
    (tmp_path / "sub" / "pic.png").write_bytes(b"\x89PNG")
    found = check.broken_links(tmp_path)
    assert len(found) == 2
    assert any("#gone" in p and "no such id" in p for p in found)
    assert any("missing.html" in p and "no such file" in p for p in found)


# -- jupytext reads the code as written -------------------------------------------------------

def _code_lines(cells) -> list[list[str]]:
    return [[ln for ln in text.splitlines() if ln.strip()] for text in cells]


def _jupytext_code(source: str) -> list[str]:
    jupytext = pytest.importorskip("jupytext")
    return [c.source for c in jupytext.reads(source, fmt="py:percent").cells
            if c.cell_type == "code"]


def test_jupytext_reads_every_lesson_code_as_written():
    """Pages and notebooks come from jupytext. It un-comments a comment line that starts like
    a shell command ("# copy ..." became "copy ..." and broke a page), so every lesson's code
    must read back unchanged (blank lines aside)."""
    changed = []
    for lesson in all_lessons():
        source = lesson_file(lesson).read_text(encoding="utf-8")
        ours = [c.text for c in read_cells(source) if c.kind == "code"]
        if _code_lines(ours) != _code_lines(_jupytext_code(source)):
            changed.append(lesson.id)
    assert changed == []


def test_the_jupytext_check_sees_the_trap():
    source = "# %%\n# copy the model first\nx = 1\n"
    ours = [c.text for c in read_cells(source) if c.kind == "code"]
    assert _code_lines(ours) != _code_lines(_jupytext_code(source))


def test_an_unknown_lesson_is_one_line_and_writes_nothing(tmp_path, capsys):
    pytest.importorskip("sphinx")
    from dlfs.site.build import main

    assert main([str(tmp_path / "site"), "--lessons", "broadcastin"]) == 2
    err = capsys.readouterr().err.strip()
    assert "broadcastin" in err and "broadcasting" in err and "\n" not in err
    assert list(tmp_path.iterdir()) == []
