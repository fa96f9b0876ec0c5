"""Checks on a built site, without a browser: nothing loads from the network, and no internal
link is broken (``python -m dlfs.site`` runs both after every build; the browser tests in
``tests/site`` run them on a subset too, and load the pages for real).

>>> offline_problems_in_html('<script src="https://cdn.example.org/x.js"></script>', "p.html")
['p.html: loads https://cdn.example.org/x.js (<script src>)']
>>> offline_problems_in_html('<a href="https://pytorch.org">docs</a>', "p.html")  # a link
[]
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# tags and attributes through which a page *loads* something (a link <a href> loads nothing)
_LOADS = {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"),
          ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data")}
_LINK_LOADS = {"stylesheet", "preload", "prefetch", "icon", "shortcut", "modulepreload",
               "manifest", "apple-touch-icon", "preconnect", "dns-prefetch", "font"}
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
_CSS_REMOTE = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])((?:https?:)?//[^'")\s]+)""", re.I)


class _Page(HTMLParser):
    """The ids, links and loaded resources of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []     # (what, url) for internal-link checks
        self.loads: list[tuple[str, str]] = []     # (what, url) the browser fetches

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for key in ("id", "name") if tag == "a" else ("id",):
            if a.get(key):
                self.ids.add(a[key])
        for attr in ("src", "data"):
            if (tag, attr) in _LOADS and a.get(attr):
                self.loads.append((f"<{tag} {attr}>", a[attr]))
                self.links.append((f"<{tag} {attr}>", a[attr]))
        if tag == "link" and a.get("href"):
            rels = set(a.get("rel", "").lower().split())
            if rels & _LINK_LOADS:
                self.loads.append((f"<link rel={a.get('rel')}>", a["href"]))
            self.links.append(("<link href>", a["href"]))
        if tag == "a" and a.get("href"):
            self.links.append(("<a href>", a["href"]))


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


class _Site:
    """The pages of a built site, each read and parsed once however many checks ask, and
    where each relative link leads (a sidebar repeats the same links on every page)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pages: dict[Path, _Page] = {}
        self.targets: dict[tuple[Path, str], Path] = {}

    def page(self, path: Path) -> _Page:
        if path not in self.pages:
            self.pages[path] = _parse(path.read_text(encoding="utf-8", errors="replace"))
        return self.pages[path]

    def target(self, page_dir: Path, link_path: str) -> Path:
        """The file a relative link from ``page_dir`` names (a folder: its index.html)."""
        key = (page_dir, link_path)
        if key not in self.targets:
            target = (page_dir / unquote(link_path)).resolve()
            if link_path.endswith("/") or target.is_dir():
                target = target / "index.html"
            self.targets[key] = target
        return self.targets[key]


def offline_problems_in_html(text: str, name: str) -> list[str]:
    """What one HTML page loads from the network (scripts, styles, fonts, images …)."""
    return _remote_loads(_parse(text), name)


def _remote_loads(page: _Page, name: str) -> list[str]:
    return [f"{name}: loads {url} ({what})" for what, url in page.loads
            if _REMOTE.match(url.strip())]


def offline_problems(root: Path, site: _Site | None = None) -> list[str]:
    """Every network load in the site under ``root``: HTML tags that load a remote URL, and
    CSS ``url(...)`` / ``@import`` of remote styles and fonts."""
    site = site or _Site(root)
    out = []
    for path in sorted(root.rglob("*.html")):   # _static's template fragments included
        out += _remote_loads(site.page(path), path.relative_to(root).as_posix())
    for path in sorted(root.rglob("*.css")):
        for url in _CSS_REMOTE.findall(path.read_text(encoding="utf-8", errors="replace")):
            out.append(f"{path.relative_to(root).as_posix()}: loads {url} (css)")
    return out


def broken_links(root: Path, site: _Site | None = None) -> list[str]:
    """Internal links and resources of the site under ``root`` that lead nowhere: a missing
    file, or a ``#fragment`` that is no id of the target page."""
    site = site or _Site(root)
    exists: dict[Path, bool] = {}
    out = []
    for path in sorted(root.rglob("*.html")):
        if "_static" in path.relative_to(root).parts:   # the theme's template fragments
            continue
        for what, url in site.page(path).links:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("#", "javascript:")):
                if url.startswith("#") and len(url) > 1 and \
                        unquote(url[1:]) not in site.page(path).ids:
                    out.append(f"{path.relative_to(root).as_posix()}: {url} (no such id)")
                continue
            target = site.target(path.parent, parts.path)
            where = f"{path.relative_to(root).as_posix()}: {url} ({what})"
            if target not in exists:
                exists[target] = target.is_file()
            if not exists[target]:
                out.append(f"{where}: no such file")
            elif parts.fragment and target.suffix == ".html" and \
                    unquote(parts.fragment) not in site.page(target).ids:
                out.append(f"{where}: no such id")
    return out


def site_problems(root: Path) -> list[str]:
    """:func:`offline_problems` and :func:`broken_links`, reading each page once."""
    site = _Site(root)
    return offline_problems(root, site) + broken_links(root, site)
