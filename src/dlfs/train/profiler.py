"""A ``torch.profiler`` callback: a few steps profiled, a top-ops table, a Chrome trace.

The schedule skips ``wait`` steps, warms up for ``warmup`` steps (profiling on, results
discarded: the first steps pay one-off costs), then records ``active`` steps. Open the trace
in ``chrome://tracing`` or https://ui.perfetto.dev.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch.profiler import ProfilerActivity, profile, schedule

from .callbacks import Callback

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["ProfilerCallback"]


class ProfilerCallback(Callback):
    """Profile ``active`` optimizer steps after ``wait + warmup`` steps.

    After the active steps, :attr:`table` holds the top ``row_limit`` ops sorted by
    ``sort_by`` (a string table from ``key_averages().table``), :attr:`op_totals` /
    :attr:`op_inclusive` the self / inclusive CPU time per op in µs (the loop's
    ``dlfs/forward``, ``dlfs/backward``, ``dlfs/optimizer_step`` labels among them), and
    :attr:`trace_path` the written Chrome trace (JSON).
    """

    def __init__(self, trace_path: str | Path, *, wait: int = 1, warmup: int = 1,
                 active: int = 2, sort_by: str = "self_cpu_time_total", row_limit: int = 10,
                 record_shapes: bool = False, profile_memory: bool = False):
        self.trace_path = Path(trace_path)
        self.wait, self.warmup, self.active = wait, warmup, active
        self.sort_by, self.row_limit = sort_by, row_limit
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.table: str | None = None
        self.op_totals: dict[str, float] = {}  # op name -> self CPU time in µs
        self.op_inclusive: dict[str, float] = {}  # op/label -> CPU time incl. children, µs
        self._prof: Any = None
        self._steps_left = 0

    def _ready(self, prof: Any) -> None:
        self.trace_path.parent.mkdir(parents=True, exist_ok=True)
        prof.export_chrome_trace(str(self.trace_path))
        averages = prof.key_averages()
        self.table = averages.table(sort_by=self.sort_by, row_limit=self.row_limit)
        self.op_totals = {e.key: float(e.self_cpu_time_total) for e in averages}
        self.op_inclusive = {e.key: float(e.cpu_time_total) for e in averages}

    def on_train_begin(self, trainer: Trainer) -> None:
        activities = [ProfilerActivity.CPU]
        if torch.cuda.is_available() and trainer.device.type == "cuda":
            activities.append(ProfilerActivity.CUDA)
        self._prof = profile(activities=activities, record_shapes=self.record_shapes,
                             profile_memory=self.profile_memory, on_trace_ready=self._ready,
                             schedule=schedule(wait=self.wait, warmup=self.warmup,
                                               active=self.active, repeat=1))
        self._prof.__enter__()
        self._steps_left = self.wait + self.warmup + self.active

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self._prof is None:
            return
        self._prof.step()
        self._steps_left -= 1
        if self._steps_left <= 0:
            self._stop()

    def _stop(self) -> None:
        prof, self._prof = self._prof, None
        prof.__exit__(None, None, None)

    def on_train_end(self, trainer: Trainer) -> None:
        if self._prof is not None:  # training ended before the schedule finished
            self._stop()
