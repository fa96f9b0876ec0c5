"""Callbacks: the only place a training run has side effects (bars, files, stopping).

The loop calls these hooks in this order for every optimizer step::

    on_train_begin
      on_epoch_begin
        on_batch_begin → (forward) → on_forward_end(output, loss) → (backward)   × accum
        on_backward_end → (clip, optimizer step) → on_step_end(logs)
      on_epoch_end(logs)
    on_train_end                       (always, also after an error: see trainer.error)

Each hook receives the :class:`~dlfs.train.loop.Trainer`, whose attributes (``model``,
``optimizer``, ``state``, ``history``, ``config``…) a callback may read; setting
``trainer.should_stop = True`` ends the run after the current step.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..i18n import t
from .checkpoint import CheckpointManager

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["Callback", "CallbackList", "Checkpointing", "EarlyStopping", "PeriodicEval"]


class Callback:
    """Base class: override the hooks you need; each default does nothing."""

    def on_train_begin(self, trainer: Trainer) -> None: ...

    def on_epoch_begin(self, trainer: Trainer) -> None: ...

    def on_batch_begin(self, trainer: Trainer) -> None: ...

    def on_forward_end(self, trainer: Trainer, output: Any, loss: Any) -> None: ...

    def on_backward_end(self, trainer: Trainer) -> None: ...

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None: ...

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None: ...

    def on_train_end(self, trainer: Trainer) -> None: ...


_HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_begin", "on_forward_end",
          "on_backward_end", "on_step_end", "on_epoch_end", "on_train_end")


class CallbackList:
    """Calls a hook on every callback, in order."""

    def __init__(self, callbacks: Iterable[Callback]):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks: {cb!r} is not a dlfs.train.Callback "
                                f"(subclass Callback and override its hooks)")

    def __getattr__(self, hook: str) -> Any:
        if hook not in _HOOKS:
            raise AttributeError(hook)

        def call(*args: Any) -> None:
            for cb in self.callbacks:
                getattr(cb, hook)(*args)

        return call

    def find(self, kind: type) -> Callback | None:
        """The first callback of a given class, or None."""
        return next((cb for cb in self.callbacks if isinstance(cb, kind)), None)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    >>> es = EarlyStopping("val/loss", patience=1)
    >>> es.improved(1.0), es.improved(1.0), es.improved(0.5)
    (True, False, True)
    """

    def __init__(self, monitor: str = "val/loss", *, patience: int = 3, mode: str = "min",
                 min_delta: float = 0.0):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if patience < 1:
            raise ValueError(f"EarlyStopping: patience must be >= 1, got {patience}")
        self.monitor, self.patience, self.mode, self.min_delta = monitor, patience, mode, min_delta
        self.best: float | None = None
        self.bad_epochs = 0

    def improved(self, value: float) -> bool:
        """Record ``value``; True if it beats the best so far by more than ``min_delta``."""
        sign = 1.0 if self.mode == "min" else -1.0
        if self.best is None or sign * (self.best - value) > self.min_delta:
            self.best, self.bad_epochs = value, 0
            return True
        self.bad_epochs += 1
        return False

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: metric {self.monitor!r} is not in the epoch logs "
                           f"{sorted(logs)}")
        if not self.improved(logs[self.monitor]) and self.bad_epochs >= self.patience:
            trainer.should_stop = True
            trainer.history.events.append(t(
                "train.event.early_stop", epoch=int(logs["epoch"]), monitor=self.monitor,
                patience=self.patience, best=self.best))


class Checkpointing(Callback):
    """Write checkpoints: every ``every`` steps, after each epoch, when training stops,
    and ``best.pt`` whenever the monitored epoch metric improves.

    Added by ``fit`` when ``checkpoint_dir`` is set. After an error (e.g. the NaN guard) it
    writes nothing, so the last good checkpoint stays the newest one.
    """

    def __init__(self, directory: str, *, keep_last: int = 3, every: int | None = None,
                 monitor: str = "val/loss", mode: str = "min"):
        self.manager = CheckpointManager(directory, keep_last)
        self.every, self.monitor = every, monitor
        self.tracker = EarlyStopping(monitor, mode=mode, patience=1)
        self.last_saved_step: int | None = None
        self.saved: list[str] = []

    def _save(self, trainer: Trainer) -> None:
        step = trainer.state.step
        path = self.manager.save(trainer.checkpoint_payload(), step)
        self.last_saved_step = step
        self.saved.append(str(path))

    def on_train_begin(self, trainer: Trainer) -> None:
        self.last_saved_step = trainer.state.step  # a resumed run has this one already
        best = trainer.checkpoint_extra.get("best")
        if best is not None:
            self.tracker.best = float(best)

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.every is not None and trainer.state.step % self.every == 0:
            self._save(trainer)

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.monitor in logs and self.tracker.improved(logs[self.monitor]):
            trainer.checkpoint_extra["best"] = float(logs[self.monitor])
            self.manager.save_best(trainer.checkpoint_payload())
        self._save(trainer)

    def on_train_end(self, trainer: Trainer) -> None:
        if trainer.error is None and self.last_saved_step != trainer.state.step:
            self._save(trainer)


class PeriodicEval(Callback):
    """Every ``every`` optimizer steps, and once at the end, call ``evaluate(model) -> float``
    (e.g. a validation loss) and keep ``[step, mean train loss since the last one, value]``.

    ``evals`` lives in the checkpoint (``checkpoint_extra["evals"]``), so a resumed run
    continues its curve. Under a :class:`~dlfs.train.NaNGuard`, a NaN/Inf value stops the
    run with a :class:`~dlfs.train.NonFiniteError` before that step's checkpoint.
    ``report(step, train_loss, value, seconds)`` receives each row as it is made; the
    command line prints there. ``tag`` (e.g. ``"val/loss"``, ``"val/accuracy"``): also log
    each value through :func:`dlfs.train.tensorboard.log_scalar` (``val/loss`` becomes
    ``loss/val``, beside ``loss/train``; it also goes into ``curves.png``).
    """

    def __init__(self, every: int, evaluate: Callable[[Any], float],
                 report: Callable[[int, float, float, float], None] | None = None,
                 tag: str | None = None):
        if every < 1:
            raise ValueError(f"PeriodicEval: every must be >= 1, got {every}")
        self.every, self.evaluate, self.report, self.tag = every, evaluate, report, tag
        self.evals: list[list[float]] = []
        self.start = time.perf_counter()

    def on_train_begin(self, trainer: Trainer) -> None:
        self.start = time.perf_counter()
        self.evals = trainer.checkpoint_extra.setdefault("evals", [])

    def _eval(self, trainer: Trainer) -> None:
        step = trainer.state.step
        if self.evals and self.evals[-1][0] == step:
            return
        recent = trainer.history.step_loss[-self.every:] or [float("nan")]
        value = self.evaluate(trainer.model)
        if not math.isfinite(value):
            self._guard(trainer, value)
        row = [step, sum(recent) / len(recent), value]
        self.evals.append(row)
        self._log(trainer, step, value)
        if self.report:
            self.report(*row, time.perf_counter() - self.start)

    def _log(self, trainer: Trainer, step: int, value: float) -> None:
        from .tensorboard import log_scalar

        if self.tag:
            log_scalar(trainer, self.tag, value, step)

    def _guard(self, trainer: Trainer, value: float) -> None:
        """Under a :class:`~dlfs.train.NaNGuard`, a non-finite value stops the run (before
        this step's checkpoint), naming the first module whose output went non-finite."""
        from .nan_guard import NaNGuard, NonFiniteError, blame_evaluation

        if trainer.callbacks.find(NaNGuard) is None:
            return
        module = blame_evaluation(trainer.model, self.evaluate)
        raise NonFiniteError("evaluation", trainer.state.step, trainer.state.epoch, module,
                             t("train.nonfinite.evaluation_gave", value=value))

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if trainer.state.step % self.every == 0:
            self._eval(trainer)

    def on_train_end(self, trainer: Trainer) -> None:
        if trainer.error is None:
            self._eval(trainer)
