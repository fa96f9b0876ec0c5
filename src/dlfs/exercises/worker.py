"""The graded process: ``python -m dlfs.exercises.worker EXERCISE FILE SHOWN_AS``.

It loads the learner's file, finds the piece the exercise names, grades it, and writes the
report as one JSON line on stdout; whatever the learner's code prints goes to stderr.
:func:`dlfs.exercises.checking.check_file` runs it in the sandbox.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys

from ..i18n import t
from .grading import ERROR, REFUSED, CaseResult, Report, grade, learner_traceback


def load_entry(path: str, entry: str, shown_as: str) -> tuple[object | None, Report | None]:
    """(the learner's function or class, None), or (None, a report saying why not)."""
    def fail(verdict: str, name: str, detail: str) -> tuple[None, Report]:
        case = REFUSED if verdict == "refused" else ERROR
        return None, Report("", verdict, [CaseResult(name, case, detail)])

    loading = t("exercises.run.loading")
    try:
        source = open(path, encoding="utf-8").read()
        code = compile(source, path, "exec")
    except SyntaxError as exc:
        return fail("error", loading, t("exercises.run.syntax", msg=exc.msg, file=shown_as,
                                        line=exc.lineno))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return fail("error", loading, f"{type(exc).__name__}: {exc}")
    borrowed = _borrows_the_bank(source)
    if borrowed:
        return fail("refused", loading, t("exercises.run.borrows", file=shown_as, where=borrowed))
    spec = importlib.util.spec_from_loader("dlfs_learner_solution", loader=None, origin=path)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = path
    sys.modules[module.__name__] = module
    try:
        exec(code, module.__dict__)
    except Exception as exc:
        return fail("error", loading, learner_traceback(exc, path, shown_as))
    if not hasattr(module, entry):
        return fail("missing", loading, t("exercises.run.missing", file=shown_as, entry=entry))
    impl = getattr(module, entry)
    home = getattr(impl, "__module__", None) or ""
    if home.split(".")[0] in ("dlfs", "torch"):
        where = f"{home}.{getattr(impl, '__qualname__', entry)}"
        return fail("refused", loading,
                    t("exercises.run.not_yours", entry=entry, where=where, file=shown_as))
    return impl, None


#: The workbench's own modules (checkers, planted bugs, oracles): not for the graded file.
_BANK_IMPORT = re.compile(r"dlfs\s*\.\s*exercises|exercises\s*\.\s*bank|import_module|__import__")


def _borrows_the_bank(source: str) -> str | None:
    """The first line of the learner's source that reaches for the workbench's own code."""
    for number, line in enumerate(source.splitlines(), 1):
        if _BANK_IMPORT.search(line.split("#", 1)[0]):
            return t("exercises.run.line", n=number, code=line.strip())
    return None


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
