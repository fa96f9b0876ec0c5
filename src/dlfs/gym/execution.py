"""One run of a learner's solution on one input, in :mod:`dlfs.sandbox`, told as a status.

The solution runs as ``python -I <file>`` on the base interpreter, with every
``site-packages`` directory and the dlfs package hidden where bubblewrap works: the
standard library only, so the reference solutions cannot be imported. This module turns
the sandbox's :class:`~dlfs.sandbox.RunResult` into the judge's statuses and explains the
ones a learner may not expect, in the learner's language (:mod:`dlfs.i18n`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import sandbox
from ..errors import DlfsError
from ..i18n import t
from ..paths import PACKAGE_DIR

PROCESSES = 16  # a solution plus a few helpers (threads count too)
FILE_BYTES = 16 * sandbox.MiB
OUTPUT_SLACK = sandbox.MiB  # output may exceed twice the expected answer by this much
_MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "out of memory")
_PROCESS_SIGNS = ("BlockingIOError: [Errno 11]", "can't start new thread")  # RLIMIT_NPROC
_TAIL_LINES = 12


@dataclass(frozen=True)
class RunOutcome:
    """One execution: ``status`` is ok / TLE / RE / MLE / OLE; ``seconds`` wall time of the
    solution; ``detail`` explains a non-ok status (traceback tail, the limit that was hit)."""

    status: str
    stdout: str
    stderr: str
    seconds: float
    detail: str = ""


def read_solution(path: str | Path) -> tuple[Path, bytes]:
    """The solution file's resolved path and bytes, checked: it exists, is a file, is UTF-8."""
    resolved = Path(path).resolve()
    if not resolved.exists():
        raise DlfsError(t("gym.err.solution_missing", path=path))
    if not resolved.is_file():
        key = "gym.err.solution_dir" if resolved.is_dir() else "gym.err.solution_special"
        raise DlfsError(t(key, path=path))
    data = resolved.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DlfsError(t("gym.err.solution_utf8", byte=data[exc.start], offset=exc.start,
                          path=path)) from None
    return resolved, data


def output_cap(expected: str) -> int:
    """Bytes of output a test allows: twice the expected answer plus :data:`OUTPUT_SLACK`."""
    return 2 * len(expected.encode()) + OUTPUT_SLACK


def run_solution(path: Path, source: bytes, inp: str, *, time_s: float, memory_mb: int,
                 output_bytes: int) -> RunOutcome:
    """Run the solution (``source``, named like ``path``) on ``inp`` in the sandbox."""
    limits = sandbox.Limits(wall_s=time_s, memory_bytes=memory_mb * sandbox.MiB,
                            processes=PROCESSES, file_bytes=FILE_BYTES,
                            output_bytes=output_bytes)
    result = sandbox.run([sandbox.python_executable(), "-I", path.name], inp.encode(),
                         limits=limits, files={path.name: source},
                         hidden=(*sandbox.site_dirs(), str(PACKAGE_DIR)))
    return classify(result, limits)


def _tail(text: str, lines: int = _TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def classify(result: sandbox.RunResult, limits: sandbox.Limits) -> RunOutcome:
    """The judge's status for a sandbox result, with a detail line for the non-ok ones."""
    out = result.stdout.decode(errors="replace")
    err = result.stderr.decode(errors="replace")
    status, note = _status(result, err, limits)
    detail = "\n".join(part for part in (note, _tail(err) if status in ("RE", "MLE") else "")
                       if part)
    return RunOutcome(status, out, err, result.seconds, detail)


def _status(result: sandbox.RunResult, err: str, limits: sandbox.Limits) -> tuple[str, str]:
    """(status, explanation) for one run."""
    hit, wall, mb = result.limit_hit, f"{limits.wall_s:g}", limits.memory_bytes // sandbox.MiB
    if hit == "wall":
        return "TLE", t("gym.run.wall", wall=wall)
    if hit == "cpu":
        return "TLE", t("gym.run.cpu", wall=wall)
    if hit == "output":
        return "OLE", t("gym.run.output", cap=f"{limits.output_bytes:,}")
    if hit == "memory":
        return "MLE", t("gym.run.memory_all", mb=mb)
    if result.returncode != 0 and any(s in err for s in _MEMORY_SIGNS):
        return "MLE", t("gym.run.memory_error", mb=mb)
    if result.returncode == 0 and hit is None:
        return "ok", ""
    if hit == "processes" or any(sign in err for sign in _PROCESS_SIGNS):
        return "RE", t("gym.run.processes", n=limits.processes)
    if hit == "file_size" or "File too large" in err:
        return "RE", t("gym.run.file_size", mb=limits.file_bytes // sandbox.MiB)
    if "ModuleNotFoundError" in err or "No module named" in err:
        return "RE", t("gym.run.stdlib")
    return "RE", ""
