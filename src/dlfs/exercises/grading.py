"""Grade an implementation against an exercise's checker, case by case.

:func:`grade` runs in whatever process holds the implementation: the sandboxed worker for
``dlfs exercise check``, the notebook for ``check("sdpa", my_sdpa)``, the test suite for the
library's own code and the planted bugs. Each case ends in one verdict:

``PASS``; ``FAIL`` (a value or gradient differs: the message says which, where, by how
much); ``REFUSED`` (the code called the PyTorch built-in it re-implements, or the library's
own solution); ``NOT IMPLEMENTED``; ``ERROR`` (the code raised: its own traceback, trimmed to
the learner's file).
"""

from __future__ import annotations

import functools
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from .. import i18n
from ..builtin_guard import BuiltinCallError, also_refuse
from ..i18n import t
from ..textui import pad
from .cases import builtins_allowed
from .schema import Exercise

PASS, FAIL, REFUSED, NOT_IMPLEMENTED, ERROR = "PASS", "FAIL", "REFUSED", "NOT IMPLEMENTED", "ERROR"

#: Overall verdicts (stored in the progress file as they are) → the key of what is shown.
VERDICTS = {"solved": "exercises.verdict.solved", "failing": "exercises.verdict.failing",
            "not implemented": "exercises.verdict.not_implemented",
            "refused": "exercises.verdict.refused", "error": "exercises.verdict.error",
            "timeout": "exercises.verdict.timeout", "memory": "exercises.verdict.memory",
            "missing": "exercises.verdict.missing"}
#: A case's verdict → the key of what the report shows.
CASE_VERDICTS = {PASS: "exercises.case.pass", FAIL: "exercises.case.fail",
                 REFUSED: "exercises.case.refused", ERROR: "exercises.case.error",
                 NOT_IMPLEMENTED: "exercises.case.not_implemented"}


@dataclass
class CaseResult:
    name: str
    verdict: str
    detail: str = ""


@dataclass
class Report:
    """What grading one implementation found. ``verdict`` is one of :data:`VERDICTS`."""

    exercise_id: str
    verdict: str
    cases: list[CaseResult] = field(default_factory=list)
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict == "solved"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        cases = [CaseResult(**c) for c in data.get("cases", [])]
        return cls(data["exercise_id"], data["verdict"], cases, data.get("note", ""))


#: dlfs modules that grade (not graded code): a call from them counts as from outside.
MACHINERY = ("dlfs.exercises.grading", "dlfs.exercises.cases", "dlfs.exercises.checking",
             "dlfs.exercises.worker", "dlfs.testing", "dlfs.builtin_guard")
#: Where the checkers and the planted bugs live.
BANK = "dlfs.exercises.bank"


@functools.lru_cache(maxsize=1)
def planted_code() -> frozenset:
    """The code objects of every planted bug (a mutant function, ``functools.partial``, or
    the methods of a mutant class and of its bases defined in the bank): a learner's file that
    borrows one is refused, even though each is "only" a near-miss."""
    from .bank import all_exercises

    codes: set = set()
    for exercise in all_exercises():
        for mutant in exercise.mutants.values():
            target = getattr(mutant, "func", mutant)            # functools.partial
            if isinstance(target, type):
                for cls in target.__mro__:
                    if cls.__module__.startswith(BANK):
                        members = [getattr(v, "__func__", v) for v in vars(cls).values()]
                        codes.update(m.__code__ for m in members if hasattr(m, "__code__"))
            elif hasattr(target, "__code__"):
                codes.add(target.__code__)
    bank_dir = str(Path(__file__).resolve().parent / "bank")
    return frozenset(c for c in codes if c.co_filename.startswith(bank_dir))


def _module(frame: FrameType | None) -> str:
    return frame.f_globals.get("__name__", "") if frame is not None else ""


def _outside_torch(frame: FrameType | None) -> FrameType | None:
    """The nearest frame that is not torch's own code (``Function.apply``, a ``no_grad``
    decorator, ``Module.__call__`` sit between a caller and what it calls)."""
    while frame is not None and _module(frame).startswith("torch"):
        frame = frame.f_back
    return frame


def _is_allowed(frame: FrameType, module: str, qualname: str,
                allowed: tuple[str, ...]) -> bool:
    """``allowed`` holds modules (``dlfs.nn.functional.activation``) and names in them
    (``dlfs.nn.normalization:BatchNorm2d``: the function, or a class and every method its
    instances run, inherited ones included)."""
    owner = frame.f_locals.get("self")
    for entry in allowed:
        mod, _, name = entry.partition(":")
        if mod == module and (not name or qualname.split(".")[0] == name):
            return True
        if name and owner is not None and any(
                c.__module__ == mod and c.__name__ == name for c in type(owner).__mro__):
            return True
    return False


def reference_rule(exercise: Exercise):
    """A :func:`dlfs.builtin_guard.also_refuse` rule: the graded code may not enter the
    library (any ``dlfs`` module, the pieces in ``allowed`` excepted) nor the modules in
    ``extra_refused``. Only the way in is checked: what an allowed piece calls inside the
    library is its own business."""
    refused = exercise.extra_refused
    planted = planted_code()

    def rule(frame: FrameType) -> str | None:
        module = _module(frame)
        qualname = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
        if qualname == "<module>" or module.startswith(MACHINERY):
            return None                                  # an import, or the grader itself
        if frame.f_code in planted:
            return t("exercises.grade.planted", name=f"{module}.{qualname}")
        if module.startswith(BANK):
            # the checker's own code, and callbacks it hands to the learner's code (a model
            # for beam search) — but not a checker's class the learner subclassed
            owner = type(frame.f_locals.get("self", None))
            learner_subclass = (frame.f_locals.get("self") is not None
                                and not owner.__module__.startswith(("dlfs.", "torch")))
            return f"{module}.{qualname}" if learner_subclass else None
        in_library = module == "dlfs" or module.startswith("dlfs.")
        if not in_library and not module.startswith(refused or ("\0",)):
            return None
        if qualname.endswith(".backward") and _module(frame.f_back).startswith("torch"):
            return None   # the autograd engine running a Function whose forward was allowed
        caller = _module(_outside_torch(frame.f_back))
        from_library = caller.startswith("dlfs.") and not caller.startswith((*MACHINERY, BANK))
        if in_library and (from_library or _is_allowed(frame, module, qualname, exercise.allowed)):
            return None
        return f"{module}.{qualname}"
    return rule


def learner_traceback(exc: BaseException, learner_file: str | None, shown_as: str) -> str:
    """The traceback frames inside the learner's file, as Python prints them."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if learner_file and f.filename == learner_file]
    lines = [f'  File "{shown_as}", line {f.lineno}, in {f.name}\n    {f.line}' for f in frames]
    head = f"{type(exc).__name__}: {exc}".strip()
    return "\n".join([head, *lines]) if lines else head


def _classify(exc: BaseException, learner_file: str | None, shown_as: str) -> CaseResult:
    if isinstance(exc, BuiltinCallError):
        return CaseResult("", REFUSED, t("exercises.grade.refused", calls=", ".join(exc.calls)))
    if isinstance(exc, NotImplementedError):
        return CaseResult("", NOT_IMPLEMENTED, t("exercises.grade.not_implemented"))
    if isinstance(exc, AssertionError):
        return CaseResult("", FAIL, str(exc).strip() or t("exercises.grade.assertion"))
    return CaseResult("", ERROR, learner_traceback(exc, learner_file, shown_as))


def grade(exercise: Exercise, impl: Any, *, learner_file: str | None = None,
          shown_as: str | None = None, refuse_reference: bool = True) -> Report:
    """Run every case of ``exercise`` on ``impl``; never raises for a fault of ``impl``.

    ``learner_file`` is the path the implementation was loaded from (its frames are the
    ones a traceback shows, under the name ``shown_as``, by default "your file").
    ``refuse_reference=False`` lets the code call the reference's module: for grading the
    library itself and mutants that wrap it.
    """
    shown_as = shown_as or t("exercises.grade.your_file")
    results: list[CaseResult] = []
    rule = reference_rule(exercise) if refuse_reference else (lambda frame: None)
    cases = iter(exercise.cases(impl))
    with also_refuse(rule), builtins_allowed(exercise.builtins_ok):
        while True:
            try:
                case = next(cases)
            except StopIteration:
                break
            except Exception as exc:  # building the inputs called the code (a constructor)
                result = _classify(exc, learner_file, shown_as)
                result.name = t("exercises.grade.setup")
                results.append(result)
                break
            try:
                case.run()
                results.append(CaseResult(case.name, PASS))
            except Exception as exc:
                result = _classify(exc, learner_file, shown_as)
                result.name = case.name
                results.append(result)
                if result.verdict in (NOT_IMPLEMENTED, REFUSED):
                    break  # every later case would say the same
    return Report(exercise.id, _overall(results), results)


def _overall(results: list[CaseResult]) -> str:
    verdicts = [r.verdict for r in results]
    if verdicts and all(v == PASS for v in verdicts):
        return "solved"
    for verdict, overall in ((NOT_IMPLEMENTED, "not implemented"), (REFUSED, "refused")):
        if verdict in verdicts:
            return overall
    if FAIL in verdicts:
        return "failing"
    return "error" if verdicts else "failing"


def format_report(exercise: Exercise, report: Report) -> str:
    """The text ``dlfs exercise check`` prints: a line per case, the first failure in full."""
    lines = [f"{exercise.id} — {i18n.title(*exercise.title)}"]
    if report.note:
        lines.append(f"  {report.note}")
    shown = False
    for case in report.cases:
        word = t(CASE_VERDICTS[case.verdict]) if case.verdict in CASE_VERDICTS else case.verdict
        lines.append(f"  {pad(word, 4)}  {case.name}")
        if case.verdict != PASS and case.detail:
            detail = case.detail if not shown else case.detail.splitlines()[0]
            lines += [f"        {line}" for line in detail.splitlines()]
            shown = True
    passed = sum(c.verdict == PASS for c in report.cases)
    verdict = t(VERDICTS[report.verdict]) if report.verdict in VERDICTS else report.verdict
    lines.append(t("exercises.report.cases", passed=passed, total=len(report.cases),
                   verdict=verdict) if report.cases else verdict)
    return "\n".join(lines)
