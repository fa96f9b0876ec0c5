"""Reporting progress: a tqdm progress bar and a CSV / JSON-lines metrics log (callbacks), and
``save_loss_curves``, the curves of a run as a PNG that needs no server (see also
:mod:`dlfs.train.run_report`)."""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..i18n import t
from .callbacks import Callback

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["MetricsLogger", "ProgressBar", "save_loss_curves"]


def save_loss_curves(evals: list[list[float]], path: str | Path, title: str = "") -> Path:
    """Plot ``evals`` rows ``[step, mean train loss since the last row, validation loss]``
    (what :class:`~dlfs.train.PeriodicEval` keeps) against the step, and save a PNG. (A run
    of ``fit`` gets every step's curve from :class:`~dlfs.train.RunReport` instead.)"""
    from .run_report import save_curves

    if not evals:
        raise ValueError("save_loss_curves: no evaluation rows to plot")
    steps = [row[0] for row in evals]
    return save_curves(path, {"loss/train": (steps, [row[1] for row in evals]),
                              "loss/val": (steps, [row[2] for row in evals])}, title=title)


class ProgressBar(Callback):
    """A tqdm bar over optimizer steps showing loss, lr and steps/s.

    Args:
        enabled: ``None`` (default) shows the bar only when ``file`` is a terminal, so logs
            and test output stay clean; ``True``/``False`` force it.

        file: where the bar is drawn (default ``sys.stderr``).
    """

    def __init__(self, enabled: bool | None = None, file: IO[str] | None = None):
        self.enabled, self.file = enabled, file
        self.bar: Any = None

    def on_train_begin(self, trainer: Trainer) -> None:
        from tqdm.auto import tqdm

        out = self.file or sys.stderr
        show = self.enabled if self.enabled is not None else out.isatty()
        self.bar = tqdm(total=trainer.planned_steps(), initial=trainer.state.step,
                        file=out, disable=not show, unit=t("train.bar.unit"),
                        dynamic_ncols=True)

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        self.bar.update(1)
        if trainer.state.step % trainer.config.log_every == 0:
            self.bar.set_postfix_str(t("train.bar.postfix", loss=logs["train/loss"],
                                       lr=logs["train/lr"], epoch=trainer.state.epoch),
                                     refresh=False)

    def on_train_end(self, trainer: Trainer) -> None:
        if self.bar is not None:
            self.bar.close()


class MetricsLogger(Callback):
    """Append one row per epoch (and, with ``steps=True``, per step) to a CSV or JSONL file.

    The format follows the suffix: ``.csv`` (columns fixed by the first row; a later key
    not in them is an error) or ``.jsonl``/``.json`` (one JSON object per line).
    """

    def __init__(self, path: str | Path, *, steps: bool = False):
        self.path = Path(path)
        if self.path.suffix not in (".csv", ".jsonl", ".json"):
            raise ValueError(f"MetricsLogger: {self.path.name!r} must end in .csv, .jsonl or "
                             ".json")
        self.steps = steps
        self._columns: list[str] | None = None

    def _write(self, row: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        row = {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
               for k, v in row.items()}
        with self.path.open("a", newline="", encoding="utf-8") as f:
            if self.path.suffix != ".csv":
                f.write(json.dumps(row) + "\n")
                return
            if self._columns is None:
                self._columns = list(row)
                if f.tell() == 0:
                    csv.writer(f).writerow(self._columns)
            extra = set(row) - set(self._columns)
            if extra:
                raise ValueError(f"MetricsLogger: columns {sorted(extra)} appeared after the "
                                 f"CSV header {self._columns}; use a .jsonl file")
            csv.DictWriter(f, self._columns).writerow(row)

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.steps and trainer.state.step % trainer.config.log_every == 0:
            self._write({"kind": "step", "step": trainer.state.step, **logs})

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.steps:
            self._write({"kind": "epoch", **logs})
        else:
            self._write(dict(logs))
