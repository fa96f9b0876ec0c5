"""The ``dlfs`` command. It only parses arguments and calls library functions.

    dlfs list [--track T] [--lang en|zh] [--json]
    dlfs run <lesson> [--quick|--full]
    dlfs check [<lesson> | --track T]
    dlfs progress [--track T]
    dlfs doctor
    dlfs tour
    dlfs train <recipe> [--quick] [options]   (dlfs.recipes: gpt, charrnn, transformer, ...)
    dlfs sample [--run DIR] [--prompt TEXT]   (dlfs.recipes.cli)
    dlfs gym list|show|new|check|review|stats (dlfs.gym.cli)
    dlfs exercise list|start|check|hint|solution|reset (dlfs.exercises.cli)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from . import __version__
from .board import register as register_board
from .curriculum import (
    NOT_WRITTEN,
    ProgressStore,
    Track,
    all_lessons,
    all_tracks,
    check_lesson,
    get_lesson,
    get_track,
    lesson_file,
    lesson_status,
    lessons_at,
    lessons_for,
    lessons_in,
    run_lesson,
)
from .errors import DlfsError
from .exercises.cli import register as register_exercises
from .gym.cli import register as register_gym
from .i18n import LANGS, install_argparse, lang, lang_from_argv, set_lang, t, title
from .paths import PACKAGE_DIR
from .recipes.cli import register as register_recipes
from .recipes.options import OneLineErrorParser
from .textui import table

#: Lessons that `dlfs tour` runs, in order, and the first lesson it points to afterwards.
TOUR = ("env-setup", "tensor-basics", "autograd-basics")


def _status(status: str) -> str:
    """A lesson status (``passed``, ``not checked`` …) in the learner's language."""
    return t(f"status.{status.replace(' yet', '').replace(' ', '_')}")


def _tracks(track_id: str | None) -> tuple[Track, ...]:
    return (get_track(track_id),) if track_id else all_tracks()


# --------------------------------------------------------------------------------------
# list
# --------------------------------------------------------------------------------------

def _list_rows(tracks: Sequence[Track], store: ProgressStore) -> list[dict]:
    """One object per lesson (with every place it fills) plus one per unfilled entry."""
    rows: list[dict] = []
    seen: dict[str, dict] = {}
    for track in tracks:
        for entry in track.entries:
            place = {"track": track.id, "key": entry.key, "label": track.label(entry.key)}
            lessons = lessons_at(track.id, entry.key)
            if not lessons:
                rows.append({"id": None, "tracks": [place], "title_en": entry.title_en,
                             "title_zh": entry.title_zh, "file": None, "status": NOT_WRITTEN})
            for lesson in lessons:
                if lesson.id in seen:
                    seen[lesson.id]["tracks"].append(place)
                    continue
                row = {"id": lesson.id, "tracks": [place], "title_en": lesson.title_en,
                       "title_zh": lesson.title_zh,
                       "file": str(lesson_file(lesson).relative_to(PACKAGE_DIR.parent)),
                       "status": lesson_status(lesson, store), "checks": list(lesson.checks)}
                seen[lesson.id] = row
                rows.append(row)
    return rows


def cmd_list(args: argparse.Namespace) -> int:
    store = ProgressStore()
    tracks = _tracks(args.track)
    if args.json:
        print(json.dumps(_list_rows(tracks, store), ensure_ascii=False, indent=1))
        return 0
    for track in tracks:
        written = sum(1 for e in track.entries if lessons_at(track.id, e.key))
        print(f"\n{title(track.title_en, track.title_zh)}  "
              + t("list.written", track=track.id, written=written, total=len(track.entries)))
        rows = []
        for entry in track.entries:
            label = track.label(entry.key)
            lessons = lessons_at(track.id, entry.key)
            if not lessons:
                rows.append([label, "—", _status(NOT_WRITTEN),
                             title(entry.title_en, entry.title_zh)])
            for lesson in lessons:
                rows.append([label, lesson.id, _status(lesson_status(lesson, store)),
                             title(lesson.title_en, lesson.title_zh)])
        print("\n".join(table(rows, indent="  ", gap=1)))
    print("\n" + t("list.footer"))
    return 0


# --------------------------------------------------------------------------------------
# run, check, progress, tour
# --------------------------------------------------------------------------------------

def _run_and_report(lesson_id: str, *, quick: bool) -> bool:
    lesson = get_lesson(lesson_id)
    mode = t("run.mode.quick") if quick else t("run.mode.full")
    print(f"=== {lesson.id} ({mode}) — {title(lesson.title_en, lesson.title_zh)}")
    print("    " + t("run.file", path=lesson_file(lesson)) + "\n", flush=True)
    result = run_lesson(lesson, quick=quick)
    if result.ok:
        print("\n=== " + t("run.done", id=lesson.id, s=result.seconds))
        _record_run(lesson.id)
        _your_turn(lesson.id)
    else:
        print("\n=== " + t("run.failed", id=lesson.id, s=result.seconds, error=result.error),
              file=sys.stderr)
    return result.ok


def _your_turn(lesson_id: str) -> None:
    """Name the exercises this lesson teaches (the lesson's "Your turn")."""
    from .exercises.bank import exercises_for_lesson

    exercises = exercises_for_lesson(lesson_id)
    if exercises:
        print("\n" + t("run.your_turn"))
        rows = [[f"dlfs exercise start {x.id}", f"# {title(*x.title)}"] for x in exercises]
        print("\n".join(table(rows, indent="  ", gap=1)))


def cmd_run(args: argparse.Namespace) -> int:
    """One lesson; an entry with several lessons (``book:7``) lists them and runs the one
    chosen (``book:7.2``), or all of them with ``--all``."""
    lessons = lessons_for(args.lesson)
    if len(lessons) > 1 and not args.all:
        choices = "; ".join(f"{args.lesson}.{i} = {x.id}" for i, x in enumerate(lessons, 1))
        raise DlfsError(t("run.several", ref=args.lesson, n=len(lessons), choices=choices))
    ok = [_run_and_report(x.id, quick=args.quick) for x in lessons]
    return 0 if all(ok) else 1


def _record_run(lesson_id: str) -> None:
    """A lesson the learner ran to the end counts in `dlfs progress`."""
    from .exercises.progress import run_key

    ProgressStore().record(run_key(lesson_id), passed=True)


def cmd_check(args: argparse.Namespace) -> int:
    if args.lesson and args.track:
        raise DlfsError(t("check.both"))
    if args.lesson:
        lessons = [get_lesson(args.lesson)]
    elif args.track:
        lessons = lessons_in(args.track)
    else:
        lessons = list(all_lessons())
    lessons = [x for x in lessons if lesson_file(x).is_file()]
    if not lessons:
        raise DlfsError(t("check.nothing"))
    store = ProgressStore()
    failed = 0
    for lesson in lessons:
        print(t("check.checking", id=lesson.id), flush=True)
        result = check_lesson(lesson, store)
        mark = t("check.pass") if result.passed else t("check.fail")
        failed += not result.passed
        print(f"  {mark}  {result.detail}")
        for note in result.notes:
            print("        " + t("check.note", note=note))
    print("\n" + t("check.summary", passed=len(lessons) - failed, failed=failed,
                   path=store.path))
    return 1 if failed else 0


def cmd_progress(args: argparse.Namespace) -> int:
    from .exercises.progress import entry_progress

    store = ProgressStore()
    if args.history:
        return _print_history(store)
    for track in _tracks(args.track):
        rows = [(entry, entry_progress(track, entry, store)) for entry in track.entries]
        done = sum(p.done for _, p in rows)
        print(f"\n## {title(track.title_en, track.title_zh)}  ({done}/{len(rows)})\n")
        lines = [[f"* [{p.mark}]", track.label(entry.key), title(entry.title_en, entry.title_zh),
                  f"— {p.summary() or _status(NOT_WRITTEN)}"] for entry, p in rows]
        print("\n".join(table(lines, gap=1)))
    print("\n" + t("progress.legend"))
    print(t("progress.state", path=store.path))
    return 0


def _verdict(verdict: str) -> str:
    """A stored (English) grading verdict in the learner's language."""
    from .exercises.grading import VERDICTS

    return t(VERDICTS[verdict]) if verdict in VERDICTS else verdict


def _print_history(store: ProgressStore) -> int:
    history = store.history()
    if not history:
        print(t("progress.no_history"))
        return 0
    rows = [[t("progress.h.at"), t("progress.h.exercise"), t("progress.h.verdict"),
             t("progress.h.cases"), t("progress.h.hints"), t("progress.h.source")]]
    rows += [[item["at"], item["exercise"], _verdict(item["verdict"]),
              item.get("cases") or "-", item.get("hints", 0),
              t(f"progress.source.{item.get('source', 'cli')}")]
             for item in history]
    print("\n".join(table(rows, align="<<<>>")))
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .playground import env_report, format_env_report

    report = env_report()
    print(format_env_report(report))
    if report["problems"]:
        print("\n" + t("doctor.broken"), file=sys.stderr)
        return 1
    print("\n" + t("doctor.ok"))
    return 0


def _next_lesson_after_tour() -> str | None:
    """The first written lesson after the tour: PyTorch track order first, then any."""
    for lesson in [*lessons_in("pytorch"), *all_lessons()]:
        if lesson.id not in TOUR and lesson_file(lesson).is_file():
            return lesson.id
    return None


def cmd_tour(args: argparse.Namespace) -> int:
    print(t("tour.start") + "\n")
    for lesson_id in TOUR:
        if not _run_and_report(lesson_id, quick=True):
            return 1
        print()
    nxt = _next_lesson_after_tour()
    print(t("tour.finished"))
    rows = [[f"dlfs run {nxt}", "# " + t("tour.next_lesson")]] if nxt else []
    rows += [["dlfs list", "# " + t("tour.list")],
             ["dlfs exercise list", "# " + t("tour.exercises")],
             ["dlfs progress", "# " + t("tour.progress")]]
    print("\n".join(table(rows, indent="  ", gap=1)))
    return 0


def cmd_completion(args: argparse.Namespace) -> int:
    from .completion import script

    print(script(args.shell))
    return 0


# --------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="dlfs",
        description=t("help.dlfs"),
    )
    parser.add_argument("--version", action="version", version=f"dlfs {__version__}")
    parser.add_argument("--debug", action="store_true", help=t("help.debug"))
    parser.add_argument("--lang", choices=LANGS, help=t("help.lang"))
    sub = parser.add_subparsers(dest="command", metavar=t("help.command_metavar"))

    def add(name: str, fn: Callable[[argparse.Namespace], int], help_: str
            ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=fn)
        return p

    tracks = ", ".join(x.id for x in all_tracks())
    p = add("list", cmd_list, t("help.list"))
    p.add_argument("--track", help=t("help.list.track", tracks=tracks))
    p.add_argument("--lang", choices=LANGS, help=t("help.lang"))
    p.add_argument("--json", action="store_true", help=t("help.list.json"))

    p = add("run", cmd_run, t("help.run"))
    p.add_argument("lesson", help=t("help.run.lesson"))
    p.add_argument("--all", action="store_true", help=t("help.run.all"))
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true", help=t("help.run.quick"))
    mode.add_argument("--full", dest="quick", action="store_false", help=t("help.run.full"))
    p.set_defaults(quick=False)

    p = add("check", cmd_check, t("help.check"))
    p.add_argument("lesson", nargs="?", help=t("help.check.lesson"))
    p.add_argument("--track", help=t("help.check.track"))

    p = add("progress", cmd_progress, t("help.progress"))
    p.add_argument("--track", help=t("help.progress.track"))
    p.add_argument("--history", action="store_true", help=t("help.progress.history"))

    add("doctor", cmd_doctor, t("help.doctor"))
    add("tour", cmd_tour, t("help.tour"))
    p = add("completion", cmd_completion, t("help.completion"))
    p.add_argument("shell", choices=("bash", "zsh"), help=t("help.completion.shell"))
    register_exercises(sub)
    register_gym(sub)
    register_recipes(sub)
    register_board(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    """The message on one line (an embedded library message may span several)."""
    return " ".join(str(exc).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlfs`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    install_argparse()
    try:  # the language first: the parser's help and errors are printed in it
        set_lang(lang_from_argv(argv))
        lang()
    except DlfsError as exc:
        print(f"dlfs: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except DlfsError as exc:
        if args.debug:
            traceback.print_exc()
        print(t("main.error", message=_one_line(exc)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(t("main.interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:  # `dlfs list | head` closed the pipe: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep interpreter exit quiet
        return 0
    except OSError as exc:  # the environment: a read-only folder, a full disk, a lost file
        if args.debug:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        print(t("main.error", message=f"{where}{exc.strerror or exc}"), file=sys.stderr)
        return 2
    except Exception as exc:  # an unexpected bug: one line, full traceback with --debug
        if args.debug:
            traceback.print_exc()
        print(t("main.internal", kind=type(exc).__name__, message=_one_line(exc)),
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
