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
from .i18n import t
from .paths import PACKAGE_DIR
from .recipes.cli import register as register_recipes
from .recipes.options import OneLineErrorParser

#: Lessons that `dlfs tour` runs, in order, and the first lesson it points to afterwards.
TOUR = ("env-setup", "tensor-basics", "autograd-basics")


def _title(en: str, zh: str, lang: str | None) -> str:
    return {"en": en, "zh": zh}.get(lang or "", f"{en} · {zh}")


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
        print(f"\n{_title(track.title_en, track.title_zh, args.lang)}  "
              f"[{track.id}: {written}/{len(track.entries)} written]")
        for entry in track.entries:
            label = track.label(entry.key)
            lessons = lessons_at(track.id, entry.key)
            if not lessons:
                print(f"  {label:<14} {'—':<22} {NOT_WRITTEN:<16} "
                      f"{_title(entry.title_en, entry.title_zh, args.lang)}")
            for lesson in lessons:
                print(f"  {label:<14} {lesson.id:<22} {lesson_status(lesson, store):<16} "
                      f"{_title(lesson.title_en, lesson.title_zh, args.lang)}")
    print("\n" + t("list.footer"))
    return 0


# --------------------------------------------------------------------------------------
# run, check, progress, tour
# --------------------------------------------------------------------------------------

def _run_and_report(lesson_id: str, *, quick: bool) -> bool:
    lesson = get_lesson(lesson_id)
    mode = "quick" if quick else "full"
    print(f"=== {lesson.id} ({mode}) — {lesson.title_en} · {lesson.title_zh}")
    print(f"    file: {lesson_file(lesson)}\n", flush=True)
    result = run_lesson(lesson, quick=quick)
    if result.ok:
        print(f"\n=== {lesson.id}: done in {result.seconds:.1f} s")
        _record_run(lesson.id)
        _your_turn(lesson.id)
    else:
        print(f"\n=== {lesson.id}: FAILED after {result.seconds:.1f} s — {result.error}",
              file=sys.stderr)
    return result.ok


def _your_turn(lesson_id: str) -> None:
    """Name the exercises this lesson teaches (the lesson's "Your turn")."""
    from .exercises.bank import exercises_for_lesson

    exercises = exercises_for_lesson(lesson_id)
    if exercises:
        print("\nYour turn · 轮到你了 — write these pieces yourself, graded offline:")
        for exercise in exercises:
            print(f"  dlfs exercise start {exercise.id:<22} # {exercise.title[0]} · "
                  f"{exercise.title[1]}")


def cmd_run(args: argparse.Namespace) -> int:
    """One lesson; an entry with several lessons (``book:7``) lists them and runs the one
    chosen (``book:7.2``), or all of them with ``--all``."""
    lessons = lessons_for(args.lesson)
    if len(lessons) > 1 and not args.all:
        choices = "; ".join(f"{args.lesson}.{i} = {x.id}" for i, x in enumerate(lessons, 1))
        raise DlfsError(f"{args.lesson} has {len(lessons)} lessons: {choices}. Run one by its "
                        f"id or number (dlfs run {args.lesson}.1), or all of them with --all")
    ok = [_run_and_report(x.id, quick=args.quick) for x in lessons]
    return 0 if all(ok) else 1


def _record_run(lesson_id: str) -> None:
    """A lesson the learner ran to the end counts in `dlfs progress`."""
    from .exercises.progress import run_key

    ProgressStore().record(run_key(lesson_id), passed=True)


def cmd_check(args: argparse.Namespace) -> int:
    if args.lesson and args.track:
        raise DlfsError("give either a lesson id or --track, not both")
    if args.lesson:
        lessons = [get_lesson(args.lesson)]
    elif args.track:
        lessons = lessons_in(args.track)
    else:
        lessons = list(all_lessons())
    lessons = [x for x in lessons if lesson_file(x).is_file()]
    if not lessons:
        raise DlfsError("nothing to check: no written lesson matches")
    store = ProgressStore()
    failed = 0
    for lesson in lessons:
        print(f"checking {lesson.id} ...", flush=True)
        result = check_lesson(lesson, store)
        mark = "PASS" if result.passed else "FAIL"
        failed += not result.passed
        print(f"  {mark}  {result.detail}")
        for note in result.notes:
            print(f"        note: {note}")
    print(f"\n{len(lessons) - failed} passed, {failed} failed; "
          f"results saved to {store.path}")
    return 1 if failed else 0


def cmd_progress(args: argparse.Namespace) -> int:
    from .exercises.progress import entry_progress

    store = ProgressStore()
    if args.history:
        return _print_history(store)
    for track in _tracks(args.track):
        rows = [(entry, entry_progress(track, entry, store)) for entry in track.entries]
        done = sum(p.done for _, p in rows)
        print(f"\n## {track.title_en} · {track.title_zh}  ({done}/{len(rows)})\n")
        for entry, progress in rows:
            what = progress.summary() or NOT_WRITTEN
            print(f"* [{progress.mark}] {track.label(entry.key)} "
                  f"{entry.title_en} · {entry.title_zh}  — {what}")
    print("\n[x] every lesson run and every exercise solved by you; [~] started. Ticks come "
          "from `dlfs run`, `dlfs exercise check` and `dlfs gym check`, never from our own "
          "tests · [x] 课程都运行过、练习都由你自己完成；[~] 已开始")
    print(f"state file: {store.path}; your attempts: dlfs progress --history")
    return 0


def _print_history(store: ProgressStore) -> int:
    history = store.history()
    if not history:
        print("no graded attempt yet: dlfs exercise start <id>, then dlfs exercise check <id> "
              "· 还没有评分记录")
        return 0
    for item in history:
        print(f"{item['at']}  {item['exercise']:<24} {item['verdict']:<16} "
              f"cases {item.get('cases') or '-':<6} hints {item.get('hints', 0)}  "
              f"({item.get('source', 'cli')})")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .playground import env_report, format_env_report

    report = env_report()
    print(format_env_report(report))
    if report["problems"]:
        print("\ndoctor: something is broken (see PROBLEMS above); a fresh `make test` "
              "rebuilds .venv with the pinned versions", file=sys.stderr)
        return 1
    print("\ndoctor: all good")
    return 0


def _next_lesson_after_tour() -> str | None:
    """The first written lesson after the tour: PyTorch track order first, then any."""
    for lesson in [*lessons_in("pytorch"), *all_lessons()]:
        if lesson.id not in TOUR and lesson_file(lesson).is_file():
            return lesson.id
    return None


def cmd_tour(args: argparse.Namespace) -> int:
    print("dlfs tour: three short lessons in quick mode.\n")
    for lesson_id in TOUR:
        if not _run_and_report(lesson_id, quick=True):
            return 1
        print()
    nxt = _next_lesson_after_tour()
    print("Tour finished. Where to go next:")
    if nxt:
        print(f"  dlfs run {nxt:<16} # the next lesson")
    print("  dlfs list                # every track, lesson and gap")
    print("  dlfs exercise list       # write the pieces yourself, graded offline")
    print("  dlfs progress            # the lessons you ran, the exercises you solved")
    return 0


# --------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="dlfs",
        description="Deep Learning From Scratch: lessons, checks and tools. "
                    "从零实现深度学习：课程、检查与工具。",
    )
    parser.add_argument("--version", action="version", version=f"dlfs {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, fn: Callable[[argparse.Namespace], int], help_: str
            ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=fn)
        return p

    p = add("list", cmd_list, "list tracks, lessons and their status")
    p.add_argument("--track", help="only this track (pytorch, gym, book, autograd, liuer, "
                                   "topics, kaggle)")
    p.add_argument("--lang", choices=["en", "zh"], help="titles in one language only")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = add("run", cmd_run, "run one lesson (by id, or track:key such as pytorch:3)")
    p.add_argument("lesson", help="lesson id, e.g. env-setup, or track:key, e.g. pytorch:0 "
                   "(book:7.2: the second lesson of an entry that has several)")
    p.add_argument("--all", action="store_true",
                   help="run every lesson of a track:key entry that has several")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true",
                      help="seconds-long version (what the tests run)")
    mode.add_argument("--full", dest="quick", action="store_false",
                      help="longer runs, better figures (default)")
    p.set_defaults(quick=False)

    p = add("check", cmd_check, "for contributors: run a lesson and the tests behind it "
            "(ticks nothing in `dlfs progress`; learners: dlfs exercise check)")
    p.add_argument("lesson", nargs="?", help="lesson id (default: every written lesson)")
    p.add_argument("--track", help="check every lesson of this track")

    p = add("progress", cmd_progress, "the roadmaps as check boxes, ticked by what you did: "
            "lessons run, exercises solved, gym problems accepted")
    p.add_argument("--track", help="only this track")
    p.add_argument("--history", action="store_true", help="every graded attempt, in order")

    add("doctor", cmd_doctor, "environment report and sanity check (Day 0)")
    add("tour", cmd_tour, "a short guided run through the first lessons")
    register_exercises(sub)
    register_gym(sub)
    register_recipes(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    """The message on one line (an embedded library message may span several)."""
    return " ".join(str(exc).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dlfs`` console script; returns the exit code."""
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
        print(f"dlfs: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dlfs: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `dlfs list | head` closed the pipe: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keep interpreter exit quiet
        return 0
    except OSError as exc:  # the environment: a read-only folder, a full disk, a lost file
        if args.debug:
            traceback.print_exc()
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"dlfs: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an unexpected bug: one line, full traceback with --debug
        if args.debug:
            traceback.print_exc()
        print(f"dlfs: internal error: {type(exc).__name__}: {_one_line(exc)} "
              "(run again with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
