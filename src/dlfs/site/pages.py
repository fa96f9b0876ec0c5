"""The sources of the site's pages, one language at a time (pure functions of the registry,
the lesson files, ``docs/`` and the gym: no Sphinx here).

Page names are the same in both languages (``lessons/broadcasting``, ``tracks/pytorch``,
``guides/debug_checklist``, ``gym/coin-change``, ``api/dlfs.nn``), which is what lets the
language switch go to the same page in the other language.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..curriculum.bilingual import read_cells
from ..curriculum.registry import all_tracks, get_track, lesson_file, lessons_at, lessons_in
from ..curriculum.schema import Lesson, Track
from ..i18n import set_lang, t
from ..paths import PACKAGE_DIR

LANGS = ("en", "zh")
# the from-scratch library: one API page per package (its modules as sections)
API_ROOTS = ("autograd", "tensors", "nn", "optim", "data", "train", "attention", "models",
             "llm", "peft", "generative", "multimodal", "generate", "metrics", "distributed",
             "runtime", "playground")
GUIDES = ("debug_checklist", "shape_cheatsheet", "python_cheatsheet", "interview_questions")
_LIBRARY_PATH = re.compile(r"`src/dlfs/([\w/]+?)(?:\.py)?/?`")
_KERNEL_HEADER = """# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---
"""


def in_lang(lang: str):
    """Set the catalogue's language for the page being written (``t()`` then speaks it)."""
    set_lang(lang)


def library_fingerprint() -> str:
    """A hash of the library's code (lessons and this package aside). It goes into a hidden
    cell of every lesson page, so the execution cache re-runs the lessons when the library
    they call changes, not only when their own code does."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR).as_posix()
        if rel.startswith(("lessons/", "site/")):
            continue
        digest.update(rel.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# -- lessons ------------------------------------------------------------------------------

def places_of(lesson: Lesson) -> list[tuple[Track, str]]:
    """Every (track, entry key) the lesson fills (its ``at``), in track order."""
    order = {track.id: i for i, track in enumerate(all_tracks())}
    return sorted(((get_track(track_id), key) for track_id, key in lesson.places),
                  key=lambda place: order[place[0].id])


def tracks_with(lesson_ids: set[str]) -> list[Track]:
    """The tracks that hold at least one of these lessons, in display order."""
    return [tr for tr in all_tracks() if any(x.id in lesson_ids for x in lessons_in(tr.id))]


def api_page_of(module: str) -> str | None:
    """The API page (package name) documenting ``module``, or None when it has none."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in API_ROOTS:
        return None
    path = PACKAGE_DIR.joinpath(*parts[1:])
    if path.is_dir():
        return module
    if path.with_suffix(".py").is_file():
        return ".".join(parts[:-1])
    return None


def lesson_library_files(lesson: Lesson, source: str | None = None
                         ) -> list[tuple[str, str, str | None]]:
    """:func:`library_files` of the lesson's first markdown cell (its "Library files" line;
    ``source``: the lesson's text when the caller has read it already)."""
    if source is None:
        source = lesson_file(lesson).read_text(encoding="utf-8")
    return library_files(next(c.text for c in read_cells(source) if c.kind == "markdown"))


def library_files(markdown: str) -> list[tuple[str, str, str | None]]:
    """(path as written, module, API page) for each ``src/dlfs/...`` path in ``markdown``
    (the "Library files" line of a lesson's first cell)."""
    out = []
    for match in _LIBRARY_PATH.finditer(markdown):
        module = "dlfs." + match[1].strip("/").replace("/", ".")
        if all(m != module for _, m, _ in out):
            out.append((match[0].strip("`"), module, api_page_of(module)))
    return out


def _api_link(module: str, page: str | None) -> str:
    """The module's name, linked to its section of the API reference when it has one."""
    return f"{{py:mod}}`{module}`" if page is not None else f"`{module}`"


def lesson_page(lesson: Lesson, lang: str, fingerprint: str) -> str:
    """The lesson as a py:percent page in ``lang``: its first (title) cell, a box with the
    other title, where it sits on the roadmap, its library files (linked to the API pages)
    and how to run it; then the rest of the lesson (markdown of ``lang``, all code), then its
    exercises. A hidden first cell sets quick mode and carries the library fingerprint."""
    in_lang(lang)
    source = lesson_file(lesson).read_text(encoding="utf-8")
    cells = [c for c in read_cells(source) if c.kind == "code" or (c.lang or "en") == lang]
    other = lesson.title_zh if lang == "en" else lesson.title_en
    places = ", ".join(
        f"[{track.label(key)} · {track.title_zh if lang == 'zh' else track.title_en}]"
        f"(../tracks/{track.id}.md)" for track, key in places_of(lesson))
    files = ", ".join(_api_link(module, page)
                      for _, module, page in lesson_library_files(lesson, source))
    other_title = t("site.lesson.other_title", title=other)
    on_roadmap, library, run_it = (t("site.lesson.tracks"), t("site.lesson.files"),
                                   t("site.lesson.run"))
    box = [f"*{other_title}*", "", f"**{on_roadmap}:** {places}", ""]
    if files:
        box += [f"**{library}:** {files}", ""]
    notebook = t("site.lesson.notebook")
    box += [f":::{{admonition}} {run_it}", ":class: tip",
            t("site.lesson.run_text", id=lesson.id), "", "```bash",
            f"dlfs run {lesson.id}", f"dlfs run {lesson.id} --quick", "```",
            f"{{download}}`{notebook} <../notebooks/{lesson.id}.ipynb>` · "
            + t("site.lesson.source", path=f"src/dlfs/lessons/{lesson.path}"), ":::"]
    # quick mode; cells show what they print, as in a terminal (not their last value)
    setup = (f'# %% tags=["remove-cell"]\n# the site runs every lesson in quick mode '
             f'(library {fingerprint})\nimport os\n\nfrom IPython import get_ipython\n\n'
             f'os.environ["DLFS_LESSON_MODE"] = "quick"\n'
             f'get_ipython().ast_node_interactivity = "none"')
    parts = [_KERNEL_HEADER, setup]
    for i, cell in enumerate(cells):
        parts.append(_render(cell.kind, cell.text))
        if i == 0:
            parts.append(_render("markdown", "\n".join(box)))
    from ..curriculum.notebooks import your_turn_markdown

    turn = your_turn_markdown(lesson.id)
    if turn:
        parts.append(_render("markdown", turn))
    return "\n\n".join(parts) + "\n"


def _render(kind: str, text: str) -> str:
    if kind == "code":
        return f"# %%\n{text}"
    body = "\n".join(f"# {ln}" if ln else "#" for ln in text.splitlines())
    return f"# %% [markdown]\n{body}"


# -- navigation ---------------------------------------------------------------------------

def track_page(track: Track, lang: str, lesson_ids: set[str]) -> str:
    """A track's page: its entries in order, each with its lessons (those being built)."""
    in_lang(lang)
    title = track.title_en if lang == "en" else track.title_zh
    rows = []
    for entry in track.entries:
        for lesson in lessons_at(track.id, entry.key):
            if lesson.id in lesson_ids:
                name = lesson.title_en if lang == "en" else lesson.title_zh
                rows.append(f"| {track.label(entry.key)} | [{_cell(name)}](../lessons/"
                            f"{lesson.id}.py) | `{lesson.id}` |")
    toc = [x.id for x in lessons_in(track.id) if x.id in lesson_ids]
    lines = [f"# {title}", "", t("site.track.lessons", n=len(toc)), "",
             "| | | |", "|---|---|---|", *rows, "", ":::{toctree}", ":hidden:", ":maxdepth: 1",
             "", *[f"../lessons/{x}" for x in toc], ":::", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def index_page(lang: str, tracks: Sequence[Track], lesson_ids: set[str], *,
               guides: Iterable[str], gym: bool, api: bool) -> str:
    """The home page: what the book is, then the tracks and the other sections."""
    in_lang(lang)
    holding = tracks_with(lesson_ids)
    used = [tr for tr in tracks if tr in holding]
    heading, paths, more_heading = t("site.title"), t("site.tracks"), t("site.more")
    lines = [f"# {heading}", "", t("site.intro"), "", t("site.start"), "", f"## {paths}", ""]
    for track in used:
        n = sum(x.id in lesson_ids for x in lessons_in(track.id))
        title = track.title_en if lang == "en" else track.title_zh
        count = t("site.track.lessons", n=n)
        lines.append(f"- [{title}](tracks/{track.id}.md) — {count}")
    more = [f"guides/{g}" for g in guides] + (["gym/index"] if gym else []) \
        + (["api/index"] if api else [])
    lines += ["", ":::{toctree}", ":hidden:", f":caption: {paths}", "",
              *[f"tracks/{tr.id}" for tr in used], ":::", ""]
    if more:
        lines += [":::{toctree}", ":hidden:", f":caption: {more_heading}", "", *more, ":::", ""]
    return "\n".join(lines)


# -- guides, gym, API ---------------------------------------------------------------------

def guide_page(name: str, lang: str, docs_dir: Path) -> str:
    """``docs/<name>.md`` (English) or ``docs/<name>.zh-CN.md``, without the line that links
    to the other language (the site's switch does that)."""
    path = docs_dir / (f"{name}.md" if lang == "en" else f"{name}.zh-CN.md")
    text = path.read_text(encoding="utf-8")
    other = "zh" if lang == "en" else "en"
    # the link to the other language's file goes to that language's page of the site
    return re.sub(rf"\[([^\]]+)\]\({re.escape(name)}(?:\.zh-CN)?\.md\)",
                  lambda m: f'<a href="../../{other}/guides/{name}.html">{m[1]}</a>', text)


def gym_pages(lang: str, problem_ids: set[str] | None = None) -> dict[str, str]:
    """``gym/index`` (problems by day) and one page per problem statement."""
    from ..gym.problems import PROBLEMS

    in_lang(lang)
    problems = [p for p in PROBLEMS if problem_ids is None or p.id in problem_ids]
    pages, rows = {}, []
    for p in problems:
        title = p.title_en if lang == "en" else p.title_zh
        day = t("site.gym.day", day=p.day)
        rows.append(f"| {day} | [{_cell(title)}]({p.id}.md) | `{p.id}` |")
        pages[f"gym/{p.id}.md"] = problem_page(p, lang)
    gym = t("site.gym")
    pages["gym/index.md"] = "\n".join(
        [f"# {gym}", "", t("site.gym.intro"), "", "| | | |", "|---|---|---|", *rows,
         "", ":::{toctree}", ":hidden:", "", *[p.id for p in problems], ":::", ""])
    return pages


def problem_page(p, lang: str) -> str:
    """One gym problem: statement, formats, limits, examples, how to try it."""
    zh = lang == "zh"
    statement, inp_label, out_label = (t("site.gym.statement"), t("site.gym.input"),
                                       t("site.gym.output"))
    lines = [f"# {p.title_zh if zh else p.title_en}", "", f"`{p.id}`", "",
             f"## {statement}", "", p.statement_zh if zh else p.statement_en, "",
             f"**{inp_label}:** {p.input_format_zh if zh else p.input_format}", "",
             f"**{out_label}:** {p.output_format_zh if zh else p.output_format}", "",
             t("site.gym.limits", time_s=p.limits.time_s, memory_mb=p.limits.memory_mb), ""]
    for i, (inp, out) in enumerate(p.examples, 1):
        example = t("site.gym.example", i=i)
        lines += [f"**{example}**", "", f"*{inp_label}*", "", "```text", inp.rstrip(), "```",
                  "", f"*{out_label}*", "", "```text", out.rstrip(), "```", ""]
    starter = "gym/" + p.id.replace("-", "_") + ".py"    # where `dlfs gym new` writes it
    lines += [t("site.gym.try", id=p.id, file=starter), ""]
    return "\n".join(lines)


def api_packages(roots: Iterable[str] = API_ROOTS) -> list[str]:
    """Every package under the API roots (``dlfs.nn``, ``dlfs.nn.functional`` …), sorted."""
    out = []
    for root in roots:
        name = f"dlfs.{root}"
        out.append(name)
        package = importlib.import_module(name)
        for info in pkgutil.walk_packages(package.__path__, prefix=name + "."):
            if info.ispkg:
                out.append(info.name)
    return sorted(out)


def api_page(package: str) -> str:
    """One package as reStructuredText (the docstrings are reST): its docstring, then each
    of its modules (not subpackages) with their members."""
    module = importlib.import_module(package)
    modules = [info.name for info in pkgutil.iter_modules(module.__path__, prefix=package + ".")
               if not info.ispkg and not info.name.rsplit(".", 1)[1].startswith("_")]
    lines = [package, "=" * len(package), "", f".. automodule:: {package}", "   :no-members:",
             ""]
    for name in modules:
        lines += [name, "-" * len(name), "", f".. automodule:: {name}", "   :members:", ""]
    return "\n".join(lines)


def api_index(lang: str, packages: Sequence[str]) -> str:
    in_lang(lang)
    heading = t("site.api")
    return "\n".join([f"# {heading}", "", t("site.api.intro"), "",
                      *[f"- [`{p}`]({p}.rst)" for p in packages], "", ":::{toctree}",
                      ":hidden:", "", *packages, ":::", ""])
