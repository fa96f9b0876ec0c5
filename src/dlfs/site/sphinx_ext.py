"""A Sphinx extension of the book site: on every page, a link to the same page in the other
language (the two builds have the same page names, side by side under ``en/`` and ``zh/``)."""

from __future__ import annotations

import html
from typing import Any

OTHER = {"en": ("zh", "中文", "zh-CN"), "zh": ("en", "English", "en")}


def other_language_url(pagename: str, lang: str) -> str:
    """The relative URL of ``pagename`` in the other language's build.

    >>> other_language_url("lessons/broadcasting", "en")
    '../../zh/lessons/broadcasting.html'
    >>> other_language_url("index", "zh")
    '../en/index.html'
    """
    up = "../" * (pagename.count("/") + 1)
    return f"{up}{OTHER[lang][0]}/{pagename}.html"


def _switch(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    lang = "zh" if (app.config.language or "en").startswith("zh") else "en"
    _, label, hreflang = OTHER[lang]
    url = html.escape(other_language_url(pagename, lang))
    link = (f'<a class="dlfs-lang-switch" href="{url}" hreflang="{hreflang}" '
            f'lang="{hreflang}">{label}</a>')
    context["metatags"] = context.get("metatags", "") + \
        f'\n<link rel="alternate" hreflang="{hreflang}" href="{url}">'
    if context.get("body"):
        context["body"] = f'<p class="dlfs-lang-bar">{link}</p>\n' + context["body"]


def _chinese_search():
    """Sphinx 9.0's Chinese search writes ``window.Stemmer = ChineseStemmer`` into
    ``language_data.js`` but ships only the English stemmer (which is what its Python side
    stems Latin words with), so every zh page raised a ReferenceError. Name that one."""
    from sphinx.search.zh import SearchChinese

    class SearchChineseStemmedInEnglish(SearchChinese):
        language_name = "English"

    return SearchChineseStemmedInEnglish


def setup(app: Any) -> dict:
    app.connect("html-page-context", _switch)
    app.add_search_language(_chinese_search())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
