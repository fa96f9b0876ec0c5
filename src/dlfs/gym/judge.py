"""The offline judge: run a learner's stdin→stdout script like an online judge would.

Each test runs the solution in a fresh subprocess (``python -I``, working directory a
temporary folder) with a wall-clock limit and, on Linux, an address-space limit
(``RLIMIT_AS``). The output is compared token by token with the expected one. Verdicts:

====  ==========================================================================
AC    accepted: every test passed
WA    wrong answer; the report holds the smallest failing input found (after a
      random failure the judge tries smaller generated inputs and keeps the
      shortest one that still fails)
TLE   time limit exceeded
RE    runtime error (non-zero exit); the report holds the traceback's tail
MLE   memory limit exceeded (a ``MemoryError`` under the address-space limit)
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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..curriculum import ProgressStore
from ..errors import DlfsError
from ..paths import data_home
from .problem import Problem, outputs_match

VERDICTS = ("AC", "WA", "TLE", "RE", "MLE")
HISTORY_FILE = "gym_history.jsonl"
_TAIL_LINES = 12
_MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "out of memory")


@dataclass(frozen=True)
class RunOutcome:
    """One execution: ``status`` is ok / TLE / RE / MLE; ``seconds`` wall time."""

    status: str
    stdout: str
    stderr: str
    seconds: float


@dataclass(frozen=True)
class JudgeReport:
    """The judge's answer for one solution file.

    ``failing_input``/``expected``/``got`` describe the first failing test (after shrinking
    for WA); ``detail`` holds the traceback tail for RE/MLE; ``tests_passed`` counts tests
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

    def summary(self) -> str:
        """One line, e.g. ``WA on generated test 3 (12/40 passed)``."""
        if self.accepted:
            return (f"AC: {self.tests_total}/{self.tests_total} tests passed, "
                    f"slowest {self.max_seconds * 1000:.0f} ms")
        return (f"{self.verdict} on {self.source} "
                f"({self.tests_passed}/{self.tests_total} passed)")


def _limit_memory(memory_mb: int):
    """A ``preexec_fn`` that caps the child's address space and CPU seconds (Linux/macOS)."""
    def apply() -> None:
        import resource

        limit = memory_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):  # pragma: no cover - platform refuses: run unlimited
            pass
    return apply


def _tail(text: str, lines: int = _TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def run_solution(path: Path, inp: str, *, time_s: float, memory_mb: int) -> RunOutcome:
    """Run ``python -I path`` with ``inp`` on stdin in a temporary working directory."""
    env = {"PATH": os.environ.get("PATH", ""), "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "PYTHONIOENCODING": "utf-8", "LANG": "C.UTF-8"}
    preexec = _limit_memory(memory_mb) if sys.platform.startswith("linux") else None
    with tempfile.TemporaryDirectory(prefix="dlfs-judge-") as cwd:
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-I", str(path)], input=inp.encode(), capture_output=True,
                timeout=time_s, cwd=cwd, env=env, preexec_fn=preexec,
            )
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode(errors="replace")
            return RunOutcome("TLE", out, (exc.stderr or b"").decode(errors="replace"),
                              time.perf_counter() - start)
        seconds = time.perf_counter() - start
    stdout = proc.stdout.decode(errors="replace")
    stderr = proc.stderr.decode(errors="replace")
    if proc.returncode == 0:
        return RunOutcome("ok", stdout, stderr, seconds)
    if any(sign in stderr for sign in _MEMORY_SIGNS):
        return RunOutcome("MLE", stdout, stderr, seconds)
    return RunOutcome("RE", stdout, stderr, seconds)


@dataclass
class _Judging:
    problem: Problem
    run: Callable[[str], RunOutcome]

    def verdict(self, inp: str, expected: str) -> tuple[str, RunOutcome]:
        run = self.run(inp)
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
    """
    path = Path(solution).resolve()
    if not path.is_file():
        raise DlfsError(f"solution file not found: {solution}")
    time_s = time_s or problem.limits.time_s
    memory_mb = memory_mb or problem.limits.memory_mb
    report = judge_runner(
        problem, lambda inp: run_solution(path, inp, time_s=time_s, memory_mb=memory_mb),
        n_tests=n_tests, n_large=n_large, seed=seed, shrink_tries=shrink_tries)
    if report.verdict == "TLE":
        report = replace(report, detail=f"no answer within {time_s:g} s")
    return report


def judge_runner(problem: Problem, run: Callable[[str], RunOutcome], *, n_tests: int = 30,
                 n_large: int = 2, seed: int = 0, shrink_tries: int = 25) -> JudgeReport:
    """The judging procedure with any way of running a solution (input text → outcome).

    Order: hand examples, ``n_tests`` generated inputs checked against ``brute``, then (for
    problems with a ``large`` generator) ``n_large`` inputs at the limits checked against
    ``solve``, where an O(n^2) solution runs out of time.

    :func:`judge` passes a subprocess runner; a test can pass the reference solution
    in-process (``lambda inp: RunOutcome("ok", problem.solve(inp), "", 0.0)``).
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
        got = run.stdout
        if verdict == "WA" and source.startswith("generated") and shrink_tries > 0:
            small, small_exp, small_got = ctx.shrink(
                inp, random.Random(f"{problem.id}:shrink:{seed}"), shrink_tries)
            if small != inp:
                inp, expected, got = small, small_exp, small_got
                source += ", shrunk"
        detail = _tail(run.stderr) if verdict in ("RE", "MLE") else ""
        return JudgeReport(problem.id, verdict, k, total, slowest, inp, expected, got,
                           detail, source)
    return JudgeReport(problem.id, "AC", total, total, slowest)


def history_path() -> Path:
    """The judge history file (one JSON object per line) in :func:`dlfs.paths.data_home`."""
    return data_home() / HISTORY_FILE


def record(problem: Problem, report: JudgeReport, solution: str | os.PathLike[str] = "",
           store: ProgressStore | None = None) -> None:
    """Store the verdict as progress key ``gym:<id>`` and append it to the history."""
    store = store or ProgressStore()
    store.record(f"gym:{problem.id}", passed=report.accepted, detail=report.summary())
    entry = {"at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "problem": problem.id, "day": problem.day, "topic": problem.topic,
             "verdict": report.verdict, "summary": report.summary(), "file": str(solution)}
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
