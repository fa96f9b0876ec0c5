"""The site tests build a small subset of the book once per test run (three lessons, both
languages) and share it. Their modules are in the ``site`` xdist group (``make test`` passes
``--dist loadgroup``), but pytest-xdist 3.8 was seen giving the first two tests of the group to
the other worker, which then built the subset a second time (~30 s): so the build is also
shared between workers, in the run's common temporary folder under a lock. The
rebuild-with-nothing-changed check runs right after the build, under the same lock, so no
test reads pages while they may be rewritten."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path

import pytest
from site_pagecheck import SUBSET


def _run_root(tmp_path_factory) -> Path:
    """A folder all xdist workers of this run share (each worker's basetemp is a child of
    it); without xdist, this process's basetemp."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """``<run tmp>/book/site`` with ``en/`` and ``zh/``: the subset, built by
    ``dlfs.site.build`` once per run, then built again with nothing changed (see
    :func:`rebuild_report`)."""
    for name in ("sphinx", "myst_nb", "sphinx_book_theme", "mathjax"):
        pytest.importorskip(name, reason=f"the docs extra is not installed ({name})")
    from dlfs.site.build import build

    book = _run_root(tmp_path_factory) / "book"
    book.mkdir(exist_ok=True)
    out, report = book / "site", book / "rebuild.json"
    with open(book / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)          # one worker builds, the others wait
        if not report.exists():
            build(out, list(SUBSET))
            doctrees = book / f"{out.name}-doctrees"
            before = {str(p): p.stat().st_mtime_ns for p in doctrees.rglob("*.doctree")}
            build(out, list(SUBSET))
            after = {str(p): p.stat().st_mtime_ns for p in doctrees.rglob("*.doctree")}
            reread = sorted(p for p in before if after.get(p) != before[p])
            report.write_text(json.dumps({"doctrees": len(before), "reread": reread,
                                          "new": sorted(set(after) - set(before))}))
    return out


@pytest.fixture(scope="session")
def rebuild_report(built_site) -> dict:
    """What the second build of :func:`built_site` (nothing changed) did to the doctrees:
    how many there were, which were written again and which are new."""
    return json.loads((built_site.parent / "rebuild.json").read_text())


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
