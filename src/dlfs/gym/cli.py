"""``dlfs gym …``: the Python algorithm gym on the command line.

    dlfs gym list [--day N] [--lang en|zh]
    dlfs gym show <id> [--lang en|zh] [--hint]
    dlfs gym new <id> [--dir D] [--force]
    dlfs gym check <id> <file.py> [--tests N] [--large N] [--seed S] [--time-limit SEC]
    dlfs gym review <id> [--what ... --mistake ... --lesson ...]
    dlfs gym stats

Thin: it parses, calls :mod:`dlfs.gym` functions and prints.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from .. import i18n, sandbox
from ..curriculum import ProgressStore
from ..errors import DlfsError
from ..i18n import t
from ..recipes.options import DisplayWidthFormatter
from ..textui import display_width, table
from .execution import read_solution
from .journal import FIELDS, append_review, journal_path, read_reviews, topic_stats
from .judge import VERDICTS, describe_source, history_path, judge, read_history, record
from .problems import PROBLEMS, get_problem
from .starter import render_problem, starter_source, topic_name


def _use_lang(args: argparse.Namespace) -> None:
    """``--lang`` of ``gym list``/``gym show``: the language of everything the command says."""
    if getattr(args, "lang", None):
        i18n.set_lang(args.lang)


def _status(status: str | None) -> str:
    if status == "passed":
        return "AC"
    return t("gym.list.status.tried") if status == "failed" else t("gym.list.status.none")


def cmd_list(args: argparse.Namespace) -> int:
    _use_lang(args)
    store = ProgressStore()
    shown = [p for p in PROBLEMS if args.day is None or p.day == args.day]
    if not shown:
        raise DlfsError(t("gym.err.no_day", day=args.day))
    rows: list[list[object]] = [[t("gym.list.head.day"), t("gym.list.head.id"),
                                 t("gym.list.head.topic"), t("gym.list.head.status"),
                                 t("gym.list.head.title")]]
    rows += [[p.day, p.id, topic_name(p.topic), _status(store.status(f"gym:{p.id}")),
              i18n.title(p.title_en, p.title_zh)] for p in shown]
    print("\n".join(table(rows, align=">")))
    print("\n" + t("gym.list.footer"))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    _use_lang(args)
    p = get_problem(args.id)
    print(render_problem(p, lang=args.lang or i18n.chosen_lang(), hint=args.hint))
    print("\n" + t("gym.show.next", id=p.id))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    p = get_problem(args.id)
    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise DlfsError(t("gym.err.dir_is_file", path=folder))
    path = folder / f"{p.id.replace('-', '_')}.py"
    if path.exists() and not args.force:
        raise DlfsError(t("gym.err.exists", path=path))
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_source(p), encoding="utf-8")
    print(t("gym.new.wrote", path=path, id=p.id))
    return 0


def _clip(text: str, limit: int = 600) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else t("gym.check.clip", text=text[:limit], n=len(text))


def _print_failure(report) -> None:
    if report.detail:
        print(f"\n{report.detail}")
    if report.failing_input is not None:
        heading = t("gym.check.input", source=describe_source(report.source))
        print(f"\n{heading}\n{_clip(report.failing_input)}")
    if report.verdict == "TLE" and report.source.startswith("large"):
        print(t("gym.check.too_slow"))
    if report.verdict == "OLE" and report.got:
        print(t("gym.check.got_start") + "\n" + _clip(report.got))
    if report.verdict == "WA":
        print("\n".join((t("gym.check.expected"), _clip(report.expected),
                         t("gym.check.got"), _clip(report.got))))


MAX_TIME_LIMIT = 600.0


def _check_options(args: argparse.Namespace) -> None:
    """Reject option values the judge cannot use, naming the option (exit 2, no traceback)."""
    for name in ("tests", "large"):
        value = getattr(args, name)
        if value < 0:
            raise DlfsError(t("gym.err.count", name=name, value=value))
    limit = args.time_limit
    if limit is not None and not (math.isfinite(limit) and 0 < limit <= MAX_TIME_LIMIT):
        raise DlfsError(t("gym.err.time_limit", max=MAX_TIME_LIMIT, value=limit))


def cmd_check(args: argparse.Namespace) -> int:
    p = get_problem(args.id)
    _check_options(args)
    if not Path(args.file).exists():
        raise DlfsError(t("gym.err.no_solution", file=args.file, id=p.id))
    read_solution(args.file)  # a directory or a non-UTF-8 file: one clear line
    isolation = sandbox.isolation()
    if not isolation.available:
        print(isolation.note, file=sys.stderr)
    large = t("gym.check.large", n=args.large) if p.large is not None and args.large else ""
    print(t("gym.check.judging", file=args.file, id=p.id, examples=len(p.examples),
            tests=args.tests, large=large), flush=True)
    report = judge(p, args.file, n_tests=args.tests, n_large=args.large, seed=args.seed,
                   time_s=args.time_limit)
    record(p, report, args.file)
    print(report.summary())
    if not report.accepted:
        _print_failure(report)
    else:
        print("\n" + t("gym.check.review", id=p.id))
    return 0 if report.accepted else 1


def _ask(name: str) -> str:
    prompts = {"what": t("gym.review.ask.what"), "mistake": t("gym.review.ask.mistake"),
               "lesson": t("gym.review.ask.lesson")}
    return input(prompts[name])


def cmd_review(args: argparse.Namespace) -> int:
    p = get_problem(args.id)
    texts = {name: getattr(args, name) for name in FIELDS}
    missing = [name for name, text in texts.items() if not text]
    if missing and not sys.stdin.isatty():
        raise DlfsError(t("gym.err.review_no_tty", flags=", ".join("--" + m for m in missing)))
    for name in missing:
        texts[name] = _ask(name)
    try:
        append_review(p, **texts)
    except ValueError as exc:
        raise DlfsError(str(exc)) from None
    print(t("gym.review.added", id=p.id, path=journal_path()))
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    history, reviews = read_history(), read_reviews()
    if not history and not reviews:
        print(t("gym.stats.empty"))
        return 0
    rows: list[list[object]] = [[t("gym.list.head.topic"), t("gym.stats.head.solved"),
                                 t("gym.stats.head.runs"), *VERDICTS,
                                 t("gym.stats.head.reviews"), t("gym.stats.head.last_mistake")]]
    for r in topic_stats(PROBLEMS, history, reviews):
        rows.append([topic_name(r.topic), f"{r.solved}/{r.problems}", r.checks,
                     *(r.verdicts.get(k, 0) for k in VERDICTS), r.reviews, r.last_mistake[:50]])
    lines = table(rows, align="<" + ">" * (len(VERDICTS) + 3))
    print(lines[0])
    print("-" * display_width(lines[0]))
    print("\n".join(lines[1:]))
    solved = len({h['problem'] for h in history if h.get("verdict") == "AC"})
    print("\n" + t("gym.stats.footer", solved=solved, total=len(PROBLEMS)))
    print(t("gym.stats.history", path=history_path()))
    print(t("gym.stats.journal", path=journal_path()))
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``gym`` and its sub-commands to the ``dlfs`` parser."""
    gym = subparsers.add_parser("gym", help=t("gym.help"), description=t("gym.help.description"),
                                formatter_class=DisplayWidthFormatter)

    def no_command(args: argparse.Namespace) -> int:
        gym.print_help()
        return 2

    gym.set_defaults(func=no_command)
    sub = gym.add_subparsers(dest="gym_command", metavar="GYM_COMMAND")

    def add(name: str, fn, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_,
                           formatter_class=DisplayWidthFormatter)
        p.set_defaults(func=fn)
        return p

    p = add("list", cmd_list, t("gym.help.list"))
    p.add_argument("--day", type=int, help=t("gym.help.list.day"))
    p.add_argument("--lang", choices=["en", "zh"], help=t("gym.help.list.lang"))
    p = add("show", cmd_show, t("gym.help.show"))
    p.add_argument("id")
    p.add_argument("--lang", choices=["en", "zh"], help=t("gym.help.show.lang"))
    p.add_argument("--hint", action="store_true", help=t("gym.help.show.hint"))
    p = add("new", cmd_new, t("gym.help.new"))
    p.add_argument("id")
    p.add_argument("--dir", default="gym", help=t("gym.help.new.dir"))
    p.add_argument("--force", action="store_true", help=t("gym.help.new.force"))
    p = add("check", cmd_check, t("gym.help.check"))
    p.add_argument("id")
    p.add_argument("file")
    p.add_argument("--tests", type=int, default=30, help=t("gym.help.check.tests"))
    p.add_argument("--large", type=int, default=2, help=t("gym.help.check.large"))
    p.add_argument("--seed", type=int, default=0, help=t("gym.help.check.seed"))
    p.add_argument("--time-limit", type=float, default=None, dest="time_limit",
                   help=t("gym.help.check.time_limit"))
    p = add("review", cmd_review, t("gym.help.review"))
    p.add_argument("id")
    for name in FIELDS:
        p.add_argument(f"--{name}", help=t("gym.help.review.field", name=name))
    add("stats", cmd_stats, t("gym.help.stats"))
    return gym
