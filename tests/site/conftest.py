"""The site tests build a small subset of the book once (three lessons, both languages) and
share it. Under xdist the modules that use it run on one worker (their ``pytestmark`` puts
them in the ``site`` group; ``make test`` passes ``--dist loadgroup``), so the subset is built
once per run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from site_pagecheck import SUBSET


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """``<tmp>/site`` with ``en/`` and ``zh/``: the subset, built by ``dlfs.site.build``."""
    for name in ("sphinx", "myst_nb", "sphinx_book_theme", "mathjax"):
        pytest.importorskip(name, reason=f"the docs extra is not installed ({name})")
    from dlfs.site.build import build

    out = tmp_path_factory.mktemp("book") / "site"
    build(out, list(SUBSET))
    return out


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (its own browser download cannot work here)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        reason = ("no chromium on this machine: `make test-browser` (or .ci/run) installs it "
                  "with apt-get (chromium, fonts-wqy-microhei)")
        pytest.skip(reason)   # `-rs` (in addopts) prints the reason in the summary
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (the docs extra)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield b
        b.close()
