"""The offline judge: run a learner's stdin→stdout script like an online judge would.

Each test runs the solution in :mod:`dlfs.sandbox`: a fresh working directory, the base
Python interpreter in isolated mode (``python -I``: the standard library only, no dlfs, no
virtual environment), limits on the whole process tree (wall-clock and CPU time, memory of
all processes together, number of processes, file size, output), and, where bubblewrap is
installed, no view of the learner's files and no network. Nothing a solution starts
outlives its test. The output is compared token by token with the expected one. Verdicts:

====  ==========================================================================
AC    accepted: every test passed
WA    wrong answer; the report holds the smallest failing input found (after a
      random failure the judge tries smaller generated inputs and keeps the
      shortest one that still fails)
TLE   time limit exceeded (wall clock, or CPU time of one process)
RE    runtime error (non-zero exit); the report holds the traceback's tail and,
      where it applies, why: a module that is not in the standard library (dlfs
      included), the process limit, the file-size limit
MLE   memory limit exceeded: a ``MemoryError`` under the per-process address-space
      limit, or all processes of the solution together above the limit
OLE   output limit exceeded: more output than twice the expected answer plus
      1 MiB (the judge stops reading there and keeps none of the rest)
====  ==========================================================================

The hand examples run first, then ``n_tests`` generated inputs checked against the
problem's brute-force oracle, then (where the problem has them) a few inputs at the
stated limits checked against the reference solution. :func:`record` stores the verdict
in the learner's progress (key ``gym:<problem-id>``) and appends it to the judge history.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..curriculum import ProgressStore
from ..i18n import LANGS, catalogue, t
from ..paths import data_home
from .execution import RunOutcome, output_cap, read_solution, run_solution
from .problem import Problem, outputs_match

VERDICTS = ("AC", "WA", "TLE", "RE", "MLE", "OLE")
HISTORY_FILE = "gym_history.jsonl"
_GOT_CHARS = 4000  # of an over-long output, the report keeps this much

#: How the judge runs a solution: (input text, output cap in bytes) -> outcome.
Runner = Callable[[str, int], RunOutcome]

#: A failing verdict's code, explained (the English text is the bare code).
_VERDICT_KEYS = {"WA": "gym.verdict.wa", "TLE": "gym.verdict.tle", "RE": "gym.verdict.re",
                 "MLE": "gym.verdict.mle", "OLE": "gym.verdict.ole"}
_SOURCE_RE = re.compile(r"(example|generated test|large test) (\d+)(, shrunk)?")
_SOURCE_KEYS = {"example": "gym.source.example", "generated test": "gym.source.generated",
                "large test": "gym.source.large"}


def _msg(key: str, lang: str | None, **fields: object) -> str:
    """Message ``key`` in ``lang`` (``None``: the current language)."""
    if lang is None:
        return t(key, **fields)
    return catalogue()[key][LANGS.index(lang)].format(**fields)


def describe_source(source: str, lang: str | None = None) -> str:
    """Which test a report's ``source`` names ("generated test 3, shrunk"), in words.

    >>> describe_source("generated test 3, shrunk", "zh"), describe_source("example 1", "en")
    ('第 3 个生成测试（已缩小输入）', 'example 1')
    """
    m = _SOURCE_RE.fullmatch(source)
    if not m:
        return source
    text = _msg(_SOURCE_KEYS[m.group(1)], lang, n=int(m.group(2)))
    return _msg("gym.source.shrunk", lang, test=text) if m.group(3) else text


@dataclass(frozen=True)
class JudgeReport:
    """The judge's answer for one solution file.

    ``failing_input``/``expected``/``got`` describe the first failing test (after shrinking
    for WA; for OLE ``got`` is the start of the output); ``detail`` explains a TLE, RE, MLE
    or OLE (the limit, and the traceback tail for RE/MLE); ``tests_passed`` counts tests
    that passed before the failure (all of them for AC).
    """

    problem_id: str
    verdict: str
    tests_passed: int
    tests_total: int
    max_seconds: float
    failing_input: str | None = None
    expected: str | None = None
    got: str | None = None
    detail: str = ""
    source: str = ""  # "example 1", "generated 7", ...

    @property
    def accepted(self) -> bool:
        return self.verdict == "AC"

    def summary(self, lang: str | None = None) -> str:
        """One line, e.g. ``WA on generated test 3 (12/40 passed)``, in ``lang`` (``None``:
        the current language). The verdict stays a code; in Chinese it is explained."""
        if self.accepted:
            return _msg("gym.summary.ac", lang, total=self.tests_total,
                        ms=self.max_seconds * 1000)
        key = _VERDICT_KEYS.get(self.verdict)
        verdict = _msg(key, lang) if key else self.verdict
        return _msg("gym.summary.fail", lang, verdict=verdict,
                    source=describe_source(self.source, lang), passed=self.tests_passed,
                    total=self.tests_total)


@dataclass
class _Judging:
    problem: Problem
    run: Runner

    def verdict(self, inp: str, expected: str) -> tuple[str, RunOutcome]:
        run = self.run(inp, output_cap(expected))
        if run.status != "ok":
            return run.status, run
        ok = outputs_match(run.stdout, expected, self.problem.float_tol)
        return ("AC" if ok else "WA"), run

    def shrink(self, failing: str, rng: random.Random, tries: int) -> tuple[str, str, str]:
        """A shorter generated input that still gets WA, or ``failing`` itself.

        Generates many inputs, keeps those shorter than ``failing``, and runs at most
        ``tries`` of them spread evenly over their lengths, shortest first; the first one
        that fails is the smallest failing input found.
        """
        pool = sorted({c for c in (self.problem.generate(rng) for _ in range(tries * 8))
                       if len(c) < len(failing)}, key=len)
        if tries > 0 and pool:
            step = max(1, len(pool) // tries)
            for cand in pool[::step][:tries]:
                expected = self.problem.brute(cand)
                verdict, run = self.verdict(cand, expected)
                if verdict == "WA":
                    return cand, expected, run.stdout
        return failing, "", ""


def judge(problem: Problem, solution: str | os.PathLike[str], *, n_tests: int = 30,
          n_large: int = 2, seed: int = 0, time_s: float | None = None,
          memory_mb: int | None = None, shrink_tries: int = 25) -> JudgeReport:
    """Judge a solution file on the hand examples, then on ``n_tests`` generated tests.

    ``time_s``/``memory_mb`` override the problem's limits (the tests use short ones).
    Raises :class:`~dlfs.errors.DlfsError` for a missing, non-file or non-UTF-8 solution.
    """
    path, source = read_solution(solution)
    time_s = problem.limits.time_s if time_s is None else time_s
    memory_mb = problem.limits.memory_mb if memory_mb is None else memory_mb
    if not time_s > 0 or memory_mb < 16:
        raise ValueError(f"judge: need time_s > 0 and memory_mb >= 16, got {time_s}, "
                         f"{memory_mb}")

    def run(inp: str, cap: int) -> RunOutcome:
        return run_solution(path, source, inp, time_s=time_s, memory_mb=memory_mb,
                            output_bytes=cap)

    return judge_runner(problem, run, n_tests=n_tests, n_large=n_large, seed=seed,
                        shrink_tries=shrink_tries)


def judge_runner(problem: Problem, run: Runner, *, n_tests: int = 30,
                 n_large: int = 2, seed: int = 0, shrink_tries: int = 25) -> JudgeReport:
    """The judging procedure with any way of running a solution (input text → outcome).

    Order: hand examples, ``n_tests`` generated inputs checked against ``brute``, then (for
    problems with a ``large`` generator) ``n_large`` inputs at the limits checked against
    ``solve``, where an O(n^2) solution runs out of time.

    :func:`judge` passes a sandboxed runner; a test can pass the reference solution
    in-process (``lambda inp, cap: RunOutcome("ok", problem.solve(inp), "", 0.0)``).
    """
    if n_tests < 0 or n_large < 0:
        raise ValueError(f"judge: need n_tests, n_large >= 0, got {n_tests}, {n_large}")
    ctx = _Judging(problem, run)
    rng = random.Random(f"{problem.id}:{seed}")
    tests = [(inp, out, f"example {i + 1}") for i, (inp, out) in enumerate(problem.examples)]
    n_large = n_large if problem.large is not None else 0
    total = len(tests) + n_tests + n_large
    slowest = 0.0
    for k in range(total):
        if k < len(tests):
            inp, expected, source = tests[k]
        elif k < len(tests) + n_tests:
            inp = problem.generate(rng)
            expected, source = problem.brute(inp), f"generated test {k - len(tests) + 1}"
        else:
            inp = problem.large(rng)  # type: ignore[misc]
            expected, source = problem.solve(inp), f"large test {k - len(tests) - n_tests + 1}"
        verdict, run = ctx.verdict(inp, expected)
        slowest = max(slowest, run.seconds)
        if verdict == "AC":
            continue
        got = run.stdout if verdict != "OLE" else run.stdout[:_GOT_CHARS]
        if verdict == "WA" and source.startswith("generated") and shrink_tries > 0:
            small, small_exp, small_got = ctx.shrink(
                inp, random.Random(f"{problem.id}:shrink:{seed}"), shrink_tries)
            if small != inp:
                inp, expected, got = small, small_exp, small_got
                source += ", shrunk"
        return JudgeReport(problem.id, verdict, k, total, slowest, inp, expected, got,
                           run.detail, source)
    return JudgeReport(problem.id, "AC", total, total, slowest)


def history_path() -> Path:
    """The judge history file (one JSON object per line) in :func:`dlfs.paths.data_home`."""
    return data_home() / HISTORY_FILE


def record(problem: Problem, report: JudgeReport, solution: str | os.PathLike[str] = "",
           store: ProgressStore | None = None) -> None:
    """Store the verdict as progress key ``gym:<id>`` and append it to the history."""
    store = store or ProgressStore()
    summary = report.summary("en")  # files keep one language, whatever the learner reads
    store.record(f"gym:{problem.id}", passed=report.accepted, detail=summary)
    entry = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "problem": problem.id, "day": problem.day, "topic": problem.topic,
             "verdict": report.verdict, "summary": summary, "file": str(solution)}
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def read_history() -> list[dict]:
    """Every recorded judge run, oldest first (unreadable lines are skipped)."""
    path = history_path()
    if not path.exists():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def report_dict(report: JudgeReport) -> dict:
    """The report as plain data (for ``--json`` output)."""
    return asdict(report)
