"""Run a lesson file in this process, in quick or full mode, and report how it went."""

from __future__ import annotations

import os
import runpy
import sys
import time
import traceback
from dataclasses import dataclass

from .context import MODE_ENV
from .registry import lesson_file
from .schema import Lesson


@dataclass(frozen=True)
class LessonResult:
    """Outcome of one lesson run. ``error`` is one line naming the failing lesson line."""

    lesson_id: str
    ok: bool
    seconds: float
    error: str | None = None
    cpu_seconds: float = 0.0   # CPU time of this process: robust to other load on the machine


def _describe_failure(exc: BaseException, path: str) -> str:
    """One line: the exception and the deepest frame inside the lesson file."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
    where = f" at line {frames[-1].lineno} ({frames[-1].line})" if frames else ""
    message = str(exc) or "(no message)"
    return f"{type(exc).__name__}{where}: {message}"


def _torch_threads() -> int | None:
    """torch's intra-op thread count if torch is imported (the runner never imports it)."""
    torch = sys.modules.get("torch")
    return torch.get_num_threads() if torch is not None else None


def run_lesson(lesson: Lesson, *, quick: bool) -> LessonResult:
    """Execute ``lesson`` as ``__main__`` with the mode set; never raises for lesson failures.

    Matplotlib figures left open by the lesson are closed afterwards, and ``sys.argv``, the
    mode variable and torch's thread count (some lessons pin one thread for steadier
    timings) are restored, so several lessons can run in one process (`dlfs tour`).
    """
    path = str(lesson_file(lesson))
    if not os.path.isfile(path):
        return LessonResult(lesson.id, False, 0.0, f"lesson file is missing: {path}")
    saved_argv, saved_mode = sys.argv[:], os.environ.get(MODE_ENV)
    saved_threads = _torch_threads()
    os.environ[MODE_ENV] = "quick" if quick else "full"
    sys.argv = [path]
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        runpy.run_path(path, run_name="__main__")
        ok, error = True, None
    except (Exception, SystemExit) as exc:  # a lesson's failed assertion is a result
        if isinstance(exc, SystemExit) and exc.code in (None, 0):
            ok, error = True, None
        else:
            ok, error = False, _describe_failure(exc, path)
    finally:
        sys.argv = saved_argv
        if saved_mode is None:
            os.environ.pop(MODE_ENV, None)
        else:
            os.environ[MODE_ENV] = saved_mode
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        if saved_threads is not None:
            sys.modules["torch"].set_num_threads(saved_threads)
    return LessonResult(lesson.id, ok, time.perf_counter() - start, error,
                        time.process_time() - cpu_start)
