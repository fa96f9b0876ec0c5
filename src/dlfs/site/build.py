"""Build the book site: ``python -m dlfs.site OUT [--lessons ID ...] [--lang en|zh]``
(``make docs``: ``build/site``).

Beside ``OUT`` it keeps ``OUT-src/<lang>`` (the generated page sources), ``OUT-cache`` (the
execution cache, shared by the languages), ``OUT-doctrees/<lang>`` (Sphinx's incremental
state) and ``OUT-runs`` (what the lessons write). Sources are rewritten only when their text
changes, so a rebuild re-reads only what changed and re-executes only lessons whose code (or
the library under them) changed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..curriculum.bilingual import narrative
from ..curriculum.notebooks import your_turn_markdown
from ..curriculum.registry import all_lessons, get_lesson, lesson_file
from ..errors import DlfsError
from ..i18n import set_lang, t
from ..paths import repo_root
from . import check, pages

CONF_DIR = Path(__file__).resolve().parent
SUBSET_PROBLEMS = 2      # a subset build (--lessons) carries this many gym problems


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it (keeps mtimes for Sphinx)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def notebook_text(lesson, lang: str) -> str:
    """The downloadable notebook of a lesson in one language (narrative of ``lang``, the
    code, the "Your turn" cell), as .ipynb JSON."""
    import jupytext
    from nbformat.v4 import new_markdown_cell

    notebook = jupytext.reads(narrative(lesson_file(lesson).read_text(encoding="utf-8"), lang),
                              fmt="py:percent")
    turn = your_turn_markdown(lesson.id)
    if turn:
        notebook.cells.append(new_markdown_cell(turn))
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                       "name": "python3"}
    for i, cell in enumerate(notebook.cells):   # stable ids: the same lesson, the same file
        cell.id = f"cell-{i}"
    return jupytext.writes(notebook, fmt="ipynb")


def generate(src: Path, lang: str, lesson_ids: list[str] | None, fingerprint: str) -> int:
    """Write the page sources of one language under ``src``; delete stale ones. Returns the
    number of lesson pages. ``fingerprint`` (of the library) is computed once per build, so
    both languages carry the same code and share the execution cache."""
    lessons = list(all_lessons()) if lesson_ids is None else [get_lesson(x) for x in lesson_ids]
    ids = {x.id for x in lessons}
    wanted: dict[str, str] = {}
    for lesson in lessons:
        wanted[f"lessons/{lesson.id}.py"] = pages.lesson_page(lesson, lang, fingerprint)
        wanted[f"notebooks/{lesson.id}.ipynb"] = notebook_text(lesson, lang)
    tracks = pages.tracks_with(ids)
    for track in tracks:
        wanted[f"tracks/{track.id}.md"] = pages.track_page(track, lang, ids)
    root = repo_root()
    docs = root / "docs" if root is not None else None
    guides = [g for g in pages.GUIDES if docs is not None and (docs / f"{g}.md").is_file()]
    for guide in guides:
        wanted[f"guides/{guide}.md"] = pages.guide_page(guide, lang, docs)
    if docs is not None and (docs / "images").is_dir():
        for image in sorted((docs / "images").iterdir()):
            target = src / "guides" / "images" / image.name
            if not target.is_file() or target.read_bytes() != image.read_bytes():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(image, target)
            wanted[f"guides/images/{image.name}"] = ""
    from ..gym.problems import PROBLEMS

    problem_ids = None if lesson_ids is None else {p.id for p in PROBLEMS[:SUBSET_PROBLEMS]}
    wanted.update(pages.gym_pages(lang, problem_ids))
    if lesson_ids is None:
        packages = pages.api_packages()
    else:   # a subset: the API pages its lessons link to
        packages = sorted({page for x in lessons
                           for _, _, page in pages.lesson_library_files(x) if page})
    for package in packages:
        wanted[f"api/{package}.rst"] = pages.api_page(package)
    wanted["api/index.md"] = pages.api_index(lang, packages)
    wanted["index.md"] = pages.index_page(lang, tracks, ids, guides=guides, gym=True, api=True)
    for rel, text in wanted.items():
        if not rel.startswith("guides/images/"):
            write_if_changed(src / rel, text)
    for path in sorted(src.rglob("*"), reverse=True):   # pages no longer built
        rel = path.relative_to(src).as_posix()
        if path.is_file() and rel not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    set_lang(None)
    return len(lessons)


def _execute(path: str, timeout: int) -> tuple[str, str | None, float, str | None]:
    """Run one lesson page in a fresh kernel (a worker process): (path, executed notebook
    as JSON or None, seconds, error text or None)."""
    import jupytext
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    notebook = jupytext.reads(Path(path).read_text(encoding="utf-8"), fmt="py:percent")
    result = single_nb_execution(notebook, cwd=str(Path(path).parent), timeout=timeout,
                                 allow_errors=False, meta_override=True)
    if result.err is not None:
        return path, None, result.time, result.exc_string or repr(result.err)
    return path, nbformat.writes(notebook), result.time, None


def execute_pending(lesson_pages: list[Path], cache_dir: Path, jobs: int,
                    timeout: int = 900) -> list[str]:
    """Execute, ``jobs`` at a time, the lesson pages the cache does not hold yet, and store
    them in the cache MyST-NB reads (the same jupyter-cache, keyed by the code cells), so
    Sphinx then executes nothing. Returns the lessons that failed, with their errors."""
    import jupytext
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_dir))
    pending = []
    for path in lesson_pages:
        try:
            cache.match_cache_notebook(jupytext.read(path, fmt="py:percent"))
        except KeyError:
            pending.append(str(path))
    if not pending:
        return []
    from concurrent.futures import ProcessPoolExecutor

    failures = []
    done = 0
    with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(pending)))) as pool:
        for path, executed, seconds, error in pool.map(_execute, pending,
                                                        [timeout] * len(pending)):
            done += 1
            name = Path(path).stem
            print(t("site.exec.one", done=done, n=len(pending), id=name, seconds=seconds),
                  flush=True)
            if error is not None:
                failures.append(f"{name}:\n{error}")
                continue
            cache.cache_notebook_bundle(
                CacheBundleIn(nbformat.reads(executed, as_version=4), path,
                              data={"execution_seconds": seconds}),
                check_validity=False, overwrite=True)
    return failures


def copy_mathjax(static: Path) -> None:
    """MathJax 3's all-in-one SVG build, from the ``django-static-mathjax`` package (a pip
    dependency of the docs extra: the site never loads it from a CDN)."""
    try:
        import mathjax
    except ImportError:
        raise DlfsError(t("site.err.missing", name="django-static-mathjax")) from None
    source = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg-full.js"
    target = static / "mathjax" / "tex-svg-full.js"
    if not target.is_file() or target.stat().st_size != source.stat().st_size:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def landing_page() -> str:
    """``OUT/index.html``: the two languages (no script, works from ``file://``)."""
    set_lang("en")
    en = t("site.title")
    set_lang("zh")
    zh = t("site.title")
    set_lang(None)
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{en} · {zh}</title></head>\n<body style=\"font-family: sans-serif; "
            "margin: 4rem auto; max-width: 40rem\">\n"
            f"<h1>{en}<br>{zh}</h1>\n<p><a href=\"en/index.html\" hreflang=\"en\">English</a>"
            " · <a href=\"zh/index.html\" hreflang=\"zh-CN\" lang=\"zh-CN\">中文</a></p>\n"
            "</body></html>\n")


@contextlib.contextmanager
def _environment(env: dict[str, str]):
    """``os.environ`` replaced by ``env`` for the block (the kernels inherit it)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def build(out: Path, lesson_ids: list[str] | None = None, langs: tuple[str, ...] = pages.LANGS,
          *, quiet: bool = True, jobs: int | None = None) -> float:
    """Generate and build the site under ``out``; returns the seconds it took. Lessons run
    ``jobs`` at a time (default: one per core)."""
    jobs = jobs or os.cpu_count() or 1
    for lesson_id in lesson_ids or ():    # an unknown id fails before anything is written
        get_lesson(lesson_id)
    """Generate and build the site under ``out``; returns the seconds it took."""
    for name in ("sphinx", "myst_nb", "jupytext", "sphinx_book_theme"):
        try:
            __import__(name)
        except ImportError:
            raise DlfsError(t("site.err.missing", name=name)) from None
    start = time.perf_counter()
    out = out.resolve()
    side = out.parent
    static = side / f"{out.name}-static"
    copy_mathjax(static)
    env = dict(os.environ, DLFS_SITE_CACHE=str(side / f"{out.name}-cache"),
               DLFS_SITE_STATIC=str(static), DLFS_LESSON_MODE="quick",
               DLFS_RUNS_DIR=str(side / f"{out.name}-runs"), MPLBACKEND="Agg",
               PYTHONHASHSEED="0", PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.pop("DLFS_LANG", None)   # lessons print their notes in both languages
    fingerprint = pages.library_fingerprint()
    for lang in langs:
        src = side / f"{out.name}-src" / lang
        generate(src, lang, lesson_ids, fingerprint)
        if lang == langs[0]:   # the code is the same in both languages: run it once
            with _environment(env):
                failures = execute_pending(sorted((src / "lessons").glob("*.py")),
                                           side / f"{out.name}-cache", jobs)
            if failures:
                raise DlfsError(t("site.err.lessons", n=len(failures),
                                  failures="\n\n".join(failures)))
        cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(CONF_DIR),
               "-d", str(side / f"{out.name}-doctrees" / lang), str(src), str(out / lang)]
        if quiet:
            cmd.append("-q")
        code = subprocess.run(cmd, env=dict(env, DLFS_SITE_LANG=lang)).returncode
        if code:
            raise DlfsError(t("site.err.sphinx", lang=lang, code=code))
    write_if_changed(out / "index.html", landing_page())
    if set(langs) == set(pages.LANGS):   # each language links to the other
        problems = check.site_problems(out)
        if problems:
            raise DlfsError(t("site.err.check", n=len(problems),
                              problems="\n".join(problems[:20])))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlfs.site",
                                     description="build the book site (make docs)")
    parser.add_argument("out", type=Path, help="output folder, e.g. build/site")
    parser.add_argument("--lessons", nargs="+", metavar="ID",
                        help="only these lessons (and 2 gym problems, their API pages)")
    parser.add_argument("--lang", choices=pages.LANGS, action="append",
                        help="one language (default: both)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="lessons executed at a time (default: one per core)")
    parser.add_argument("--verbose", action="store_true", help="Sphinx's full log")
    args = parser.parse_args(argv)
    try:
        seconds = build(args.out, args.lessons, tuple(args.lang or pages.LANGS),
                        quiet=not args.verbose, jobs=args.jobs)
    except DlfsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(t("site.build.wrote", path=args.out / "index.html", seconds=seconds))
    return 0
