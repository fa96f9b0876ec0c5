"""What the browser tests look at on a loaded page (kept apart so that a planted-fault test
can show each check failing)."""

from __future__ import annotations

from dataclasses import dataclass, field

SUBSET = ("broadcasting", "adamw-vs-adam", "tensor-basics")   # maths, figures, a plain one


@dataclass
class PageReport:
    url: str
    errors: list[str] = field(default_factory=list)      # console errors, uncaught exceptions
    remote: list[str] = field(default_factory=list)      # requests that left the machine
    untypeset: int = 0          # maths elements without MathJax output inside
    maths: int = 0
    broken_images: list[str] = field(default_factory=list)
    images: int = 0

    def problems(self) -> list[str]:
        out = [f"{self.url}: console: {e}" for e in self.errors]
        out += [f"{self.url}: network request {r}" for r in self.remote]
        if self.untypeset:
            out.append(f"{self.url}: {self.untypeset} of {self.maths} equations not typeset")
        out += [f"{self.url}: image not loaded: {src}" for src in self.broken_images]
        return out


LOCAL = ("file://", "http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")


def visit(page, url: str, *, settle_ms: int = 200) -> PageReport:
    """Load ``url`` in ``page`` and report console errors, network requests, maths that
    MathJax left untouched and images that did not load."""
    report = PageReport(url)
    on_console = (lambda m: report.errors.append(m.text) if m.type == "error" else None)
    on_error = (lambda e: report.errors.append(f"uncaught {e}"))
    on_request = (lambda r: report.remote.append(r.url)
                  if not r.url.startswith(LOCAL) else None)
    page.on("console", on_console)
    page.on("pageerror", on_error)
    page.on("request", on_request)
    try:
        page.goto(url, wait_until="load")
        # MathJax typesets after load: wait for its promise when the page has maths
        page.evaluate("""async () => {
            if (window.MathJax && MathJax.startup && MathJax.startup.promise)
                await MathJax.startup.promise; }""")
        page.wait_for_timeout(settle_ms)
        stats = page.evaluate("""() => {
            const maths = Array.from(document.querySelectorAll('.math'));
            const imgs = Array.from(document.images);
            return {maths: maths.length,
                    untypeset: maths.filter(m => !m.querySelector('mjx-container')
                                                 && m.tagName !== 'MJX-CONTAINER').length,
                    images: imgs.length,
                    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0))
                                .map(i => i.getAttribute('src'))};
        }""")
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_error)
        page.remove_listener("request", on_request)
    report.maths, report.untypeset = stats["maths"], stats["untypeset"]
    report.images, report.broken_images = stats["images"], stats["broken"]
    return report


def search_results(page, url: str, *, wait_s: float = 10.0) -> list[str]:
    """The result links (URLs without fragment) of a Sphinx search page; [] when none come
    within ``wait_s``."""
    page.goto(url, wait_until="load")
    script = """() => Array.from(document.querySelectorAll('#search-results li a'))
        .map(a => a.href.split('#')[0])"""
    for _ in range(int(wait_s / 0.2)):
        found = page.evaluate(script)
        if found:
            return found
        page.wait_for_timeout(200)
    return []
