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

from .. import sandbox
from ..curriculum import ProgressStore
from ..errors import DlfsError
from .execution import read_solution
from .journal import FIELDS, append_review, journal_path, read_reviews, topic_stats
from .judge import VERDICTS, history_path, judge, read_history, record
from .problem import Problem
from .problems import PROBLEMS, get_problem
from .starter import render_problem, starter_source


def _title(p: Problem, lang: str | None) -> str:
    return {"en": p.title_en, "zh": p.title_zh}.get(lang or "", f"{p.title_en} · {p.title_zh}")


def cmd_list(args: argparse.Namespace) -> int:
    store = ProgressStore()
    shown = [p for p in PROBLEMS if args.day is None or p.day == args.day]
    if not shown:
        raise DlfsError(f"no gym problems on day {args.day} (days run from 1 to 28)")
    print(f"{'day':>3}  {'id':<26} {'topic':<20} {'status':<8} title")
    for p in shown:
        status = {"passed": "AC", "failed": "tried"}.get(store.status(f"gym:{p.id}") or "", "—")
        print(f"{p.day:>3}  {p.id:<26} {p.topic:<20} {status:<8} {_title(p, args.lang)}")
    print("\nRead one with `dlfs gym show <id>`, start it with `dlfs gym new <id>`.")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    p = get_problem(args.id)
    print(render_problem(p, lang=args.lang, hint=args.hint))
    print(f"\nStart: dlfs gym new {p.id}    Check: dlfs gym check {p.id} <file.py>")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    p = get_problem(args.id)
    folder = Path(args.dir)
    if folder.exists() and not folder.is_dir():
        raise DlfsError(f"--dir: expected a folder, got {folder}, which is a file "
                        "· --dir 应为文件夹，但它是一个文件")
    path = folder / f"{p.id.replace('-', '_')}.py"
    if path.exists() and not args.force:
        raise DlfsError(f"{path} already exists; pass --force to overwrite it")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_source(p), encoding="utf-8")
    print(f"wrote {path}\nsolve it, then: dlfs gym check {p.id} {path}")
    return 0


def _clip(text: str, limit: int = 600) -> str:
    text = text.rstrip()
    return text if len(text) <= limit else f"{text[:limit]} … ({len(text):,} characters)"


def _print_failure(report) -> None:
    if report.detail:
        print(f"\n{report.detail}")
    if report.failing_input is not None:
        print(f"\n--- input ({report.source}) ---\n{_clip(report.failing_input)}")
    if report.verdict == "TLE" and report.source.startswith("large"):
        print("(every smaller test passed: the answer is right but the algorithm is too slow "
              "at these sizes; see the problem's limits and `dlfs gym show <id> --hint`)")
    if report.verdict == "OLE" and report.got:
        print(f"--- your output (its start) ---\n{_clip(report.got)}")
    if report.verdict == "WA":
        print(f"--- expected ---\n{_clip(report.expected)}\n"
              f"--- your output ---\n{_clip(report.got)}")


MAX_TIME_LIMIT = 600.0


def _check_options(args: argparse.Namespace) -> None:
    """Reject option values the judge cannot use, naming the option (exit 2, no traceback)."""
    for name in ("tests", "large"):
        value = getattr(args, name)
        if value < 0:
            raise DlfsError(f"--{name}: expected a whole number >= 0, got {value} "
                            f"· --{name} 应为不小于 0 的整数，实际为 {value}")
    limit = args.time_limit
    if limit is not None and not (math.isfinite(limit) and 0 < limit <= MAX_TIME_LIMIT):
        raise DlfsError(f"--time-limit: expected seconds > 0 and <= {MAX_TIME_LIMIT:g}, got "
                        f"{limit:g} · --time-limit 应为大于 0、不超过 {MAX_TIME_LIMIT:g} 的秒数，"
                        f"实际为 {limit:g}")


def cmd_check(args: argparse.Namespace) -> int:
    p = get_problem(args.id)
    _check_options(args)
    if not Path(args.file).exists():
        raise DlfsError(f"solution file not found: {args.file} (create one with "
                        f"`dlfs gym new {p.id}`) · 找不到解答文件")
    read_solution(args.file)  # a directory or a non-UTF-8 file: one clear line
    isolation = sandbox.isolation()
    if not isolation.available:
        print(isolation.note, file=sys.stderr)
    large = f" + {args.large} large" if p.large is not None and args.large else ""
    print(f"judging {args.file} on {p.id}: {len(p.examples)} examples + {args.tests} "
          f"generated{large} tests ...", flush=True)
    report = judge(p, args.file, n_tests=args.tests, n_large=args.large, seed=args.seed,
                   time_s=args.time_limit)
    record(p, report, args.file)
    print(report.summary())
    if not report.accepted:
        _print_failure(report)
    else:
        print(f"\nNow the three-line review: dlfs gym review {p.id}")
    return 0 if report.accepted else 1


def _ask(name: str) -> str:
    prompts = {"what": "What was the problem about (one line)? ",
               "mistake": "What mistake did you make (or nearly make)? ",
               "lesson": "What will you do next time? "}
    return input(prompts[name])


def cmd_review(args: argparse.Namespace) -> int:
    p = get_problem(args.id)
    texts = {name: getattr(args, name) for name in FIELDS}
    missing = [name for name, text in texts.items() if not text]
    if missing and not sys.stdin.isatty():
        raise DlfsError(f"missing {', '.join('--' + m for m in missing)} (stdin is not a "
                        "terminal, so there is nobody to ask)")
    for name in missing:
        texts[name] = _ask(name)
    try:
        append_review(p, **texts)
    except ValueError as exc:
        raise DlfsError(str(exc)) from None
    print(f"review of {p.id} added to {journal_path()}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    history, reviews = read_history(), read_reviews()
    if not history and not reviews:
        print("No judge runs or reviews yet: `dlfs gym check` and `dlfs gym review` fill them.")
        return 0
    rows = topic_stats(PROBLEMS, history, reviews)
    head = f"{'topic':<20} {'solved':>7} {'runs':>5} " \
           + " ".join(f"{k:>4}" for k in VERDICTS) + f" {'reviews':>7}  last mistake"
    print(head)
    print("-" * len(head))
    for r in rows:
        v = r.verdicts
        print(f"{r.topic:<20} {f'{r.solved}/{r.problems}':>7} {r.checks:>5} "
              + " ".join(f"{v.get(k, 0):>4}" for k in VERDICTS)
              + f" {r.reviews:>7}  {r.last_mistake[:50]}")
    solved = len({h['problem'] for h in history if h.get("verdict") == "AC"})
    print(f"\n{solved}/{len(PROBLEMS)} problems accepted; weakest topics first.")
    print(f"history: {history_path()}\njournal: {journal_path()}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add ``gym`` and its sub-commands to the ``dlfs`` parser."""
    gym = subparsers.add_parser("gym", help="the Python algorithm gym: problems and a judge",
                                description="The Python algorithm gym (Track B): problems, "
                                            "an offline judge, reviews and statistics.")

    def no_command(args: argparse.Namespace) -> int:
        gym.print_help()
        return 2

    gym.set_defaults(func=no_command)
    sub = gym.add_subparsers(dest="gym_command", metavar="GYM_COMMAND")

    def add(name: str, fn, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=fn)
        return p

    p = add("list", cmd_list, "list the problems with their status")
    p.add_argument("--day", type=int, help="only this day (1-28)")
    p.add_argument("--lang", choices=["en", "zh"], help="titles in one language only")
    p = add("show", cmd_show, "print a problem's statement, format, limits and examples")
    p.add_argument("id")
    p.add_argument("--lang", choices=["en", "zh"], help="statement in one language only")
    p.add_argument("--hint", action="store_true", help="also print complexity and edge cases")
    p = add("new", cmd_new, "write a starter solution file")
    p.add_argument("id")
    p.add_argument("--dir", default="gym", help="folder for the file (default: ./gym)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p = add("check", cmd_check,
            "judge a solution file (AC/WA/TLE/RE/MLE/OLE) in a sandbox and record it")
    p.add_argument("id")
    p.add_argument("file")
    p.add_argument("--tests", type=int, default=30, help="generated tests (default 30)")
    p.add_argument("--large", type=int, default=2,
                   help="tests at the stated limits, where the problem has them (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated tests")
    p.add_argument("--time-limit", type=float, default=None, dest="time_limit",
                   help="seconds per test (default: the problem's limit)")
    p = add("review", cmd_review, "append the three-line review to your journal")
    p.add_argument("id")
    for name in FIELDS:
        p.add_argument(f"--{name}", help=f"the '{name}' line (asked for when omitted)")
    add("stats", cmd_stats, "per-topic table of judge verdicts and reviews (Day 28)")
    return gym
