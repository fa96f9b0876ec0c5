"""``dlfs exercise list|start|check|hint|solution|reset``: the workbench on the command line."""

from __future__ import annotations

import argparse
import inspect
import json
from collections.abc import Sequence

from ..curriculum import get_track
from ..curriculum.progress import ProgressStore
from ..errors import DlfsError
from .bank import all_exercises, get_exercise
from .schema import Exercise
from .workspace import exercise_file, reset_stub, workspace_dir, write_stub

STATUS_ZH = {"new": "未开始", "failing": "未通过", "solved": "已完成", "revealed": "已看答案",
             "solved after reveal": "看答案后完成"}


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
        raise DlfsError("no exercise matches; `dlfs exercise list` shows them all · "
                        "没有符合条件的练习")
    for row in rows:
        where = ", ".join(row["at"])
        print(f"  {row['id']:<24} {row['status']:<12} {row['title_en']} · {row['title_zh']}"
              f"  [{where}]")
    solved = sum(r["status"].startswith("solved") for r in rows)
    print(f"\n{len(rows)} exercises, {solved} solved · 共 {len(rows)} 题，已完成 {solved} 题")
    if args.track != "gym":
        print("Start one: dlfs exercise start <id> · 开始：dlfs exercise start <id>")
    return 0


def cmd_start(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.exercise)
    path = write_stub(exercise, workspace_dir(args.workspace))
    print(f"wrote {path} — {exercise.title[0]} · {exercise.title[1]}")
    print(f"  edit it, then: dlfs exercise check {exercise.id}"
          + (f" --workspace {args.workspace}" if args.workspace else ""))
    print(f"  the lesson behind it: dlfs run {exercise.lesson}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .checking import check_file, record  # torch: only when something is graded
    from .grading import format_report

    exercise = get_exercise(args.exercise)
    path = exercise_file(exercise, workspace_dir(args.workspace))
    if not path.is_file():
        raise DlfsError(f"{path} does not exist; `dlfs exercise start {exercise.id}` writes "
                        f"it · 文件不存在，先运行 dlfs exercise start {exercise.id}")
    report = check_file(exercise, path)
    print(format_report(exercise, report))
    record(exercise, report, ProgressStore(), "cli")
    if not report.passed and report.verdict != "not implemented":
        print(f"stuck? dlfs exercise hint {exercise.id} · 卡住了？看提示")
    return 0 if report.passed else 1


def cmd_hint(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.exercise)
    store = ProgressStore()
    seen = store.exercise(exercise.id)["hints"]
    if seen >= len(exercise.hints):
        print(f"all {len(exercise.hints)} hints seen · 提示已全部看过:")
        shown = range(len(exercise.hints))
    else:
        seen = store.use_hint(exercise.id)
        shown = range(seen - 1, seen)
    for i in shown:
        en, zh = exercise.hints[i]
        print(f"hint {i + 1}/{len(exercise.hints)}: {en}\n提示 {i + 1}：{zh}")
    return 0


def cmd_solution(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.exercise)
    if not args.reveal:
        raise DlfsError(f"this shows the library's own code and marks {exercise.id!r} as "
                        "revealed; add --reveal to go ahead · 这会显示参考实现并记为“已看答案”，"
                        "确认请加 --reveal")
    reference = exercise.load_reference()
    source = inspect.getsource(reference)
    print(f"# {exercise.reference} ({inspect.getsourcefile(reference)})\n")
    print(source)
    ProgressStore().mark_revealed(exercise.id)
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    exercise = get_exercise(args.exercise)
    path, backup = reset_stub(exercise, workspace_dir(args.workspace))
    kept = f"; your old file is {backup}" if backup else ""
    print(f"wrote a fresh {path}{kept}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``dlfs exercise ...`` to the ``dlfs`` parser."""
    help_ = "write the pieces yourself, graded offline · 亲手实现，离线评分"
    parser = sub.add_parser("exercise", help=help_, description=help_)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    def add(name: str, fn, text: str, with_id: bool = True) -> argparse.ArgumentParser:
        p = actions.add_parser(name, help=text, description=text)
        p.set_defaults(func=fn)
        if with_id:
            p.add_argument("exercise", help="exercise id, e.g. linear (see dlfs exercise list)")
        return p

    def workspace(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workspace", metavar="DIR",
                       help="your folder (default: $DLFS_WORKSPACE or ./dlfs-work)")

    p = add("list", cmd_list, "every exercise and its status", with_id=False)
    p.add_argument("--track", help="only this roadmap: pytorch, book, autograd, gym, ...")
    p.add_argument("--day", metavar="KEY", help="only this day / chapter / part (e.g. 23)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    workspace(add("start", cmd_start, "write the stub into your workspace (never overwrites)"))
    workspace(add("check", cmd_check, "grade your file (in a sandbox) and record the attempt"))
    add("hint", cmd_hint, "the next hint (English and Chinese)")
    p = add("solution", cmd_solution, "print the library's own code; marks it revealed")
    p.add_argument("--reveal", action="store_true", help="yes, show it")
    workspace(add("reset", cmd_reset, "a fresh stub; your file is kept as <id>.py.bak"))


def main(argv: Sequence[str] | None = None) -> int:  # pragma: no cover - via dlfs.cli
    from ..cli import main as dlfs_main
    return dlfs_main(["exercise", *(argv or [])])
