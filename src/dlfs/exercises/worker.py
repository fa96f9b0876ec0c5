"""The graded process: ``python -m dlfs.exercises.worker EXERCISE FILE SHOWN_AS``.

It loads the learner's file, finds the piece the exercise names, grades it, and writes the
report as one JSON line on stdout; whatever the learner's code prints goes to stderr.
:func:`dlfs.exercises.checking.check_file` runs it in the sandbox.
"""

from __future__ import annotations

import importlib.util
import json
import sys

from .grading import ERROR, CaseResult, Report, grade, learner_traceback


def load_entry(path: str, entry: str, shown_as: str) -> tuple[object | None, Report | None]:
    """(the learner's function or class, None), or (None, a report saying why not)."""
    def fail(verdict: str, name: str, detail: str) -> tuple[None, Report]:
        return None, Report("", verdict, [CaseResult(name, ERROR, detail)])

    try:
        source = open(path, encoding="utf-8").read()
        code = compile(source, path, "exec")
    except SyntaxError as exc:
        return fail("error", "loading your file",
                    f"SyntaxError: {exc.msg} ({shown_as}, line {exc.lineno})")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return fail("error", "loading your file", f"{type(exc).__name__}: {exc}")
    spec = importlib.util.spec_from_loader("dlfs_learner_solution", loader=None, origin=path)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = path
    sys.modules[module.__name__] = module
    try:
        exec(code, module.__dict__)
    except Exception as exc:
        return fail("error", "loading your file", learner_traceback(exc, path, shown_as))
    if not hasattr(module, entry):
        return fail("missing", "loading your file",
                    f"{shown_as} defines no {entry!r}; keep the name from the stub · "
                    f"文件里没有定义 {entry!r}，请保留模板中的名字")
    return getattr(module, entry), None


def main(argv: list[str] | None = None) -> int:
    from .bank import get_exercise

    exercise_id, path, shown_as = (argv if argv is not None else sys.argv[1:])[:3]
    exercise = get_exercise(exercise_id)
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # the learner's prints go to stderr
    try:
        impl, report = load_entry(path, exercise.entry, shown_as)
        if report is None:
            report = grade(exercise, impl, learner_file=path, shown_as=shown_as)
        report.exercise_id = exercise.id
    finally:
        sys.stdout = real_stdout
    print(json.dumps(report.to_dict(), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
