"""``dlfs exercise list|start|check|hint|solution|reset``: the workbench on the command line."""

from __future__ import annotations

import argparse
import inspect
import json
from collections.abc import Sequence

from .. import i18n
from ..curriculum import get_track
from ..curriculum.progress import ProgressStore
from ..errors import DlfsError
from ..i18n import t
from ..recipes.options import DisplayWidthFormatter
from ..textui import table
from .bank import all_exercises, get_exercise
from .schema import Exercise
from .workspace import exercise_file, reset_stub, workspace_dir, write_stub

#: An exercise's status (as stored and in ``--json``) → the key of the word shown.
STATUS_KEYS = {"new": "exercises.status.new", "failing": "exercises.status.failing",
               "solved": "exercises.status.solved", "revealed": "exercises.status.revealed",
               "solved after reveal": "exercises.status.solved_after_reveal"}


def exercise_status(exercise_id: str, store: ProgressStore) -> str:
    """new / failing / solved / revealed / solved after reveal."""
    state = store.exercise(exercise_id)
    if state["status"] == "solved":
        return "solved after reveal" if state["solved_after_reveal"] else "solved"
    if state["revealed"]:
        return "revealed"
    return state["status"]


def _places(exercise: Exercise) -> str:
    return ", ".join(get_track(t).label(k) + ("" if t == "pytorch" else f" ({t})")
                     for t, k in exercise.places)


def _matches(exercise: Exercise, track: str | None, key: str | None) -> bool:
    return any((track is None or t == track) and (key is None or k == key)
               for t, k in exercise.places)


def _gym_rows(store: ProgressStore, day: str | None) -> list[dict]:
    from ..gym.problems import PROBLEMS

    rows = []
    for problem in PROBLEMS:
        if day is not None and str(problem.day) != day:
            continue
        status = {"passed": "solved", "failed": "failing"}.get(
            store.status(f"gym:{problem.id}") or "", "new")
        rows.append({"id": problem.id, "title_en": problem.title_en,
                     "title_zh": problem.title_zh, "at": [f"gym:{problem.day}"],
                     "status": status, "command": f"dlfs gym new {problem.id}"})
    return rows


def cmd_list(args: argparse.Namespace) -> int:
    store = ProgressStore()
    if args.track is not None:
        get_track(args.track)  # an unknown track names the known ones
    if args.track == "gym":
        rows = _gym_rows(store, args.day)
    else:
        rows = [{"id": e.id, "title_en": e.title[0], "title_zh": e.title[1],
                 "at": list(e.at), "lesson": e.lesson,
                 "status": exercise_status(e.id, store)}
                for e in all_exercises() if _matches(e, args.track, args.day)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    if not rows:
        raise DlfsError(t("exercises.list.none"))
    header = [t("exercises.list.h.id"), t("exercises.list.h.status"),
              t("exercises.list.h.title"), t("exercises.list.h.where")]
    body = [[row["id"], t(STATUS_KEYS.get(row["status"], "exercises.status.new")),
             i18n.title(row["title_en"], row["title_zh"]), ", ".join(row["at"])]
            for row in rows]
    print("\n".join(table([header, *body], indent="  ")))
    solved = sum(r["status"].startswith("solved") for r in rows)
    print("\n" + t("exercises.list.total", n=len(rows), solved=solved))
    if args.track != "gym":
        print(t("exercises.list.start"))
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.exercise)
    path = write_stub(exercise, workspace_dir(args.workspace))
    print(t("exercises.start.wrote", path=path, title=i18n.title(*exercise.title)))
    print(t("exercises.start.next", id=exercise.id,
            workspace=f" --workspace {args.workspace}" if args.workspace else ""))
    print(t("exercises.start.lesson", lesson=exercise.lesson))
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .checking import check_file, record  # torch: only when something is graded
    from .grading import format_report

    exercise = get_exercise(args.exercise)
    path = exercise_file(exercise, workspace_dir(args.workspace))
    if not path.is_file():
        raise DlfsError(t("exercises.err.no_file", path=path, id=exercise.id))
    report = check_file(exercise, path)
    print(format_report(exercise, report))
    record(exercise, report, ProgressStore(), "cli")
    if not report.passed and report.verdict != "not implemented":
        print(t("exercises.check.stuck", id=exercise.id))
    return 0 if report.passed else 1


def cmd_hint(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.exercise)
    store = ProgressStore()
    seen = store.exercise(exercise.id)["hints"]
    n = len(exercise.hints)
    if seen >= n:
        print(t("exercises.hint.all_seen", n=n))
        shown = range(n)
    else:
        seen = store.use_hint(exercise.id)
        shown = range(seen - 1, seen)
    chosen = i18n.chosen_lang()
    for i in shown:
        # a hint in the language asked for; both when none was asked for
        for lang in (chosen,) if chosen else i18n.LANGS:
            line = i18n.catalogue()["exercises.hint.line"][i18n.LANGS.index(lang)]
            print(line.format(i=i + 1, n=n, text=exercise.hints[i][i18n.LANGS.index(lang)]))
    return 0


def cmd_solution(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.exercise)
    if not args.reveal:
        raise DlfsError(t("exercises.err.reveal", id=exercise.id))
    reference = exercise.load_reference()
    source = inspect.getsource(reference)
    print(f"# {exercise.reference} ({inspect.getsourcefile(reference)})\n")
    print(source)
    ProgressStore().mark_revealed(exercise.id)
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.exercise)
    path, backup = reset_stub(exercise, workspace_dir(args.workspace))
    if backup:
        print(t("exercises.reset.kept", path=path, backup=backup))
    else:
        print(t("exercises.reset.wrote", path=path))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``dlfs exercise ...`` to the ``dlfs`` parser."""
    help_ = t("exercises.help")
    parser = sub.add_parser("exercise", help=help_, description=help_,
                            formatter_class=DisplayWidthFormatter)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    def add(name: str, fn, text: str, with_id: bool = True) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=text, description=text,
                               formatter_class=DisplayWidthFormatter)
        p.set_defaults(func=fn)
        if with_id:
            p.add_argument("exercise", help=t("exercises.help.exercise_id"))
        return p

    def workspace(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workspace", metavar="DIR",
                       help=t("exercises.help.workspace"))

    p = add("list", cmd_list, t("exercises.help.list"), with_id=False)
    p.add_argument("--track", help=t("exercises.help.list.track"))
    p.add_argument("--day", metavar="KEY", help=t("exercises.help.list.day"))
    p.add_argument("--json", action="store_true", help=t("exercises.help.list.json"))
    workspace(add("start", cmd_start, t("exercises.help.start")))
    workspace(add("check", cmd_check, t("exercises.help.check")))
    add("hint", cmd_hint, t("exercises.help.hint"))
    p = add("solution", cmd_solution, t("exercises.help.solution"))
    p.add_argument("--reveal", action="store_true", help=t("exercises.help.solution.reveal"))
    workspace(add("reset", cmd_reset, t("exercises.help.reset")))


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - via dlfs.cli
    from ..cli import main as dlfs_main
    return dlfs_main(["exercise", *(argv or [])])
