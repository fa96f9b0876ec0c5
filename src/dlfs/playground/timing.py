"""Timing: a block or function (``time_block``), one callable (``bench``), several side by side
(``compare``). Every timer waits for queued GPU work before reading the clock."""

from __future__ import annotations

import functools
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from ..i18n import t
from ..runtime import synchronize
from ..textui import table

__all__ = ["BenchResult", "TimeBlock", "bench", "compare", "format_duration", "time_block"]


def format_duration(seconds: float) -> str:
    """A duration with a readable unit.

    >>> format_duration(0.00123), format_duration(2.5e-6), format_duration(3.0)
    ('1.23 ms', '2.50 µs', '3.00 s')
    """
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e9:.0f} ns"


class TimeBlock:
    """Times a block (``with``) or every call of a function (decorator).

    ``repeat`` is how many times the timed work runs: a ``with`` block is expected to loop
    ``repeat`` times itself (``for _ in range(tb.repeat)``), a decorated function is called
    ``repeat`` times per call. The printed figure is the time of one repetition.

    Attributes after the block: ``elapsed`` (seconds in total) and ``per_repeat``.

    >>> with time_block("sleep", quiet=True) as tb:
    ...     time.sleep(0.01)
    >>> tb.elapsed >= 0.01
    True
    """

    def __init__(self, label: str, *, repeat: int = 1, sync: bool = True,
                 quiet: bool = False, file: TextIO | None = None):
        if repeat < 1:
            raise ValueError(f"time_block: repeat must be >= 1, got {repeat}")
        self.label, self.repeat, self.sync, self.quiet = label, repeat, sync, quiet
        self.file = file
        self.elapsed: float = float("nan")
        self._start = 0.0

    @property
    def per_repeat(self) -> float:
        """Seconds per repetition."""
        return self.elapsed / self.repeat

    def __enter__(self) -> TimeBlock:
        if self.sync:
            synchronize()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.sync:
            synchronize()
        self.elapsed = time.perf_counter() - self._start
        if not self.quiet:
            suffix = t("library.timing.per_run", n=self.repeat) if self.repeat > 1 else ""
            print(t("library.timing.line", label=self.label,
                    duration=format_duration(self.per_repeat), suffix=suffix),
                  file=self.file or sys.stdout)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            timer = TimeBlock(self.label, repeat=self.repeat, sync=self.sync,
                              quiet=self.quiet, file=self.file)
            with timer:
                for _ in range(self.repeat):
                    result = fn(*args, **kwargs)
            wrapper.last = timer  # type: ignore[attr-defined]
            return result
        return wrapper


def time_block(label: str, *, repeat: int = 1, sync: bool = True, quiet: bool = False,
               file: TextIO | None = None) -> TimeBlock:
    """Time a block of code: ``with time_block("matmul") as tb: ...`` prints
    ``matmul: 1.23 ms`` and leaves the seconds in ``tb.elapsed``. Also a decorator.

    ``sync`` waits for CUDA/MPS work before reading the clock (GPU kernels run
    asynchronously; without it you time the launch, not the work).
    """
    return TimeBlock(label, repeat=repeat, sync=sync, quiet=quiet, file=file)


@dataclass(frozen=True)
class BenchResult:
    """Timings of one candidate: seconds per call for each repeat."""

    label: str
    times: tuple[float, ...]

    @property
    def min(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def bench(fn: Callable[[], Any], *, label: str | None = None, repeat: int = 5,
          number: int = 1, warmup: int = 1) -> BenchResult:
    """Call ``fn`` ``number`` times per repeat, ``repeat`` times, after ``warmup`` calls.

    Returns seconds per call for each repeat; the minimum is the least noisy estimate.
    """
    if repeat < 1 or number < 1 or warmup < 0:
        raise ValueError(
            f"bench: need repeat >= 1, number >= 1, warmup >= 0; got {repeat}, {number}, {warmup}"
        )
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        synchronize()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        synchronize()
        times.append((time.perf_counter() - start) / number)
    return BenchResult(label or getattr(fn, "__name__", "fn"), tuple(times))


def compare(candidates: Mapping[str, Callable[[], Any]], *, repeat: int = 5, number: int = 1,
            warmup: int = 1, quiet: bool = False,
            file: TextIO | None = None) -> list[BenchResult]:
    """Benchmark several candidates in one run and print min, median and ratio to the fastest.

    Ratios measured in the same run are what to compare on a shared, noisy machine.
    Returns the results fastest first.
    """
    if not candidates:
        raise ValueError("compare: candidates is empty; pass {'name': callable, ...}")
    results = [bench(fn, label=name, repeat=repeat, number=number, warmup=warmup)
               for name, fn in candidates.items()]
    results.sort(key=lambda r: r.min)
    if not quiet:
        fastest = results[0].min
        rows = [[t("library.timing.candidate"), t("library.timing.min"),
                 t("library.timing.median"), t("library.timing.ratio")]]
        for r in results:
            ratio = r.min / fastest if fastest > 0 else float("inf")
            rows.append([r.label, format_duration(r.min), format_duration(r.median),
                         f"{ratio:.2f}x"])
        print("\n".join(table(rows, align="<>>>")), file=file or sys.stdout)
    return results
