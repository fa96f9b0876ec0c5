"""The built subset in a real browser (Debian's chromium through Playwright): every page
loads without console errors or network requests, equations are typeset, figures load, the
search finds English and Chinese words from file:// and from a local HTTP server, the
language switch leads to the same lesson, and a crawl from the home page finds no broken
link. Screenshots of three pages go to build/site-screenshots/ for a person to look at."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import quote, urldefrag

import pytest
from site_pagecheck import SUBSET, search_results, visit

from dlfs.paths import repo_root

pytestmark = pytest.mark.xdist_group("site")


@pytest.fixture(autouse=True)
def _browser_first(browser):
    """Without a browser, skip before the site is built (autouse fixtures come first)."""


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def server(built_site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler,
                                directory=str(built_site))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _pages(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.html") if "_static" not in p.parts)


def test_every_page_loads_clean(built_site, page):
    problems = []
    for path in _pages(built_site):
        problems += visit(page, path.as_uri(), settle_ms=50).problems()
    assert problems == []


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("lesson_id", SUBSET)
def test_lesson_pages_typeset_maths_and_show_figures(built_site, page, lang, lesson_id):
    report = visit(page, (built_site / lang / "lessons" / f"{lesson_id}.html").as_uri())
    assert report.problems() == []
    if lesson_id != "tensor-basics":          # the two with equations and a figure
        assert report.maths >= 3 and report.untypeset == 0
        assert report.images >= 1
    assert page.locator("mjx-container").count() >= report.maths


def test_the_page_check_catches_errors_remote_loads_raw_maths_and_missing_images(tmp_path,
                                                                                  page):
    """The checks above, on a planted page: a script error, a CDN script, maths MathJax
    never saw and an image that is not there must all be reported."""
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><span class="math">\\(x^2\\)</span>'
                   '<img src="missing.png"><script>undefinedFunction()</script>'
                   '<script src="http://cdn.example.invalid/lib.js"></script></body></html>')
    problems = visit(page, bad.as_uri()).problems()
    assert any("undefinedFunction" in p for p in problems)
    assert any("cdn.example.invalid" in p for p in problems)
    assert any("1 of 1 equations not typeset" in p for p in problems)
    assert any("missing.png" in p for p in problems)


@pytest.mark.parametrize("where", ["file", "http"])
def test_search_finds_english_and_chinese_words(built_site, page, server, where):
    base = built_site.as_uri() if where == "file" else server
    for lang, word in (("en", "broadcast"), ("zh", "广播")):
        found = search_results(page, f"{base}/{lang}/search.html?q={quote(word)}")
        assert any(u.endswith(f"/{lang}/lessons/broadcasting.html") for u in found), \
            (lang, word, found)
    assert search_results(page, f"{base}/en/search.html?q=zzqqxxnotaword", wait_s=2) == []


def test_the_language_switch_leads_to_the_same_lesson(built_site, page):
    page.goto((built_site / "en" / "lessons" / "adamw-vs-adam.html").as_uri())
    page.click("a.dlfs-lang-switch")
    assert page.url.endswith("/zh/lessons/adamw-vs-adam.html")
    assert "权重衰减" in page.locator("h1").first.inner_text()
    page.click("a.dlfs-lang-switch")
    assert page.url.endswith("/en/lessons/adamw-vs-adam.html")
    assert "weight decay" in page.locator("h1").first.inner_text().lower()


def test_a_crawl_from_the_home_page_finds_no_broken_link(built_site, page):
    start = (built_site / "index.html").as_uri()
    seen, queue, broken = set(), [start], []
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        if response is not None and not response.ok:
            broken.append(url)
            continue
        for href in page.evaluate("() => Array.from(document.querySelectorAll('a[href]'))"
                                  ".map(a => a.href)"):
            target, fragment = urldefrag(href)
            if not target.startswith(built_site.as_uri()) or not target.endswith(".html"):
                continue
            if not Path(target[len("file://"):]).is_file():
                broken.append(f"{url} -> {href}")
            elif target not in seen:
                queue.append(target)
    assert broken == []
    unreached = {p.relative_to(built_site).as_posix() for p in _pages(built_site)} - \
        {u[len(built_site.as_uri()) + 1:] for u in seen}
    assert unreached <= {f"{lang}/{name}.html" for lang in ("en", "zh")
                         for name in ("genindex", "py-modindex", "search")}  # index pages


def test_screenshots_for_a_person_to_look_at(built_site, page):
    root = repo_root()
    out = (root / "build" if root else built_site.parent) / "site-screenshots"
    out.mkdir(parents=True, exist_ok=True)
    for lang, lesson_id in (("en", "broadcasting"), ("zh", "adamw-vs-adam"),
                            ("zh", "broadcasting")):
        page.goto((built_site / lang / "lessons" / f"{lesson_id}.html").as_uri())
        page.evaluate("() => MathJax.startup.promise")
        target = out / f"{lang}-{lesson_id}.png"
        page.screenshot(path=str(target))
        assert target.stat().st_size > 10_000
