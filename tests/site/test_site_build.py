"""The built subset (three lessons, both languages), read as files: the pages exist in both
languages, nothing loads from the network, no internal link is broken, the search index
holds English and Chinese words, and a rebuild with nothing changed re-reads nothing."""

from __future__ import annotations

import json
import re

import pytest
from site_pagecheck import SUBSET

from dlfs.site import check
from dlfs.site.build import build

pytestmark = pytest.mark.xdist_group("site")


def _searchindex(root, lang) -> dict:
    text = (root / lang / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def test_both_languages_hold_every_page(built_site):
    for lang in ("en", "zh"):
        for lesson_id in SUBSET:
            assert (built_site / lang / "lessons" / f"{lesson_id}.html").is_file()
        for page in ("index", "search", "api/index", "gym/index", "guides/debug_checklist"):
            assert (built_site / lang / f"{page}.html").is_file(), (lang, page)
    landing = (built_site / "index.html").read_text(encoding="utf-8")
    assert 'href="en/index.html"' in landing and 'href="zh/index.html"' in landing


def test_a_lesson_page_in_chinese_has_the_chinese_narrative_only(built_site):
    zh = (built_site / "zh" / "lessons" / "broadcasting.html").read_text(encoding="utf-8")
    en = (built_site / "en" / "lessons" / "broadcasting.html").read_text(encoding="utf-8")
    assert "广播" in zh and "自己运行" in zh and "Run it yourself" not in zh
    assert "Run it yourself" in en and "自己运行" not in en
    # the executed output and the figure are in both pages
    for page in (zh, en):
        assert "[figure]" in page and re.search(r'<img[^>]+\.png"', page)


def test_nothing_loads_from_the_network(built_site):
    assert check.offline_problems(built_site) == []
    scripts = (built_site / "en" / "lessons" / "broadcasting.html").read_text(encoding="utf-8")
    assert "_static/mathjax/tex-svg-full.js" in scripts     # maths is typeset by our copy


def test_no_internal_link_is_broken(built_site):
    assert check.broken_links(built_site) == []


def test_the_search_index_holds_english_and_chinese_words(built_site):
    for lang, word in (("en", "broadcast"), ("zh", "广播")):
        index = _searchindex(built_site, lang)
        page = index["docnames"].index("lessons/broadcasting")
        found = set(index["terms"].get(word, [])) | set(index["titleterms"].get(word, []))
        assert page in found, (lang, word)


def test_a_rebuild_with_nothing_changed_reads_nothing_again(built_site):
    doctrees = built_site.parent / f"{built_site.name}-doctrees"
    before = {p: p.stat().st_mtime_ns for p in doctrees.rglob("*.doctree")}
    build(built_site, list(SUBSET))
    after = {p: p.stat().st_mtime_ns for p in doctrees.rglob("*.doctree")}
    assert before and after == before
