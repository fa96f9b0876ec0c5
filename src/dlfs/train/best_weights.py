"""Keep the weights of the best epoch in memory, and put them back when training ends.

:class:`~dlfs.train.EarlyStopping` decides *when* to stop: after ``patience`` epochs without
improvement. By then the model has trained ``patience`` epochs past its best point, so its
weights are not the best ones. :class:`RestoreBestWeights` keeps a copy of the model's
``state_dict`` from the epoch whose monitored metric was best and loads it back at the end
of the run (whether an early stop, ``epochs`` or ``max_steps`` ended it). Use the two
together, with the same ``monitor``::

    fit(model, loader, ..., val_loader=val, epochs=200,
        callbacks=[EarlyStopping("val/loss", patience=5), RestoreBestWeights("val/loss")])

The copy lives in memory (the size of the model) and is not part of a checkpoint, so a
resumed run starts a new search; for large models or resumable runs use ``checkpoint_dir``,
whose ``best.pt`` holds the best weights on disk. After an error (the NaN guard, an
interruption) nothing is restored, so the failing state can be inspected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import Tensor

from ..i18n import t
from .callbacks import Callback, EarlyStopping

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["RestoreBestWeights"]


class RestoreBestWeights(Callback):
    """Copy the weights whenever ``monitor`` improves; load the best copy when training ends.

    Attributes (after a run):
        best: the best value of ``monitor`` seen (None before the first epoch).
        best_epoch: the epoch (0-based, as in ``History.epochs``) that reached it.
        restored: True once the best weights were loaded back.
    """

    def __init__(self, monitor: str = "val/loss", *, mode: str = "min"):
        # the comparison (min/max) is EarlyStopping's, with patience 1: "did this epoch improve?"
        self.tracker = EarlyStopping(monitor, mode=mode, patience=1)
        self.monitor = monitor
        self.best_state: dict[str, Tensor] | None = None
        self.best_epoch: int | None = None
        self.restored = False

    @property
    def best(self) -> float | None:
        return self.tracker.best

    def on_train_begin(self, trainer: Trainer) -> None:
        # each run starts a new search (the copy is not in checkpoints, see the module doc)
        self.tracker.best, self.tracker.bad_epochs = None, 0
        self.best_state, self.best_epoch, self.restored = None, None, False

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.monitor not in logs:
            raise KeyError(f"RestoreBestWeights: metric {self.monitor!r} is not in the epoch "
                           f"logs {sorted(logs)}")
        if self.tracker.improved(logs[self.monitor]):
            self.best_epoch = int(logs["epoch"])
            self.best_state = {k: v.detach().clone()
                               for k, v in trainer.model.state_dict().items()}

    def on_train_end(self, trainer: Trainer) -> None:
        if trainer.error is None and self.best_state is not None:
            trainer.model.load_state_dict(self.best_state)
            self.restored = True
            trainer.history.events.append(t("train.event.restored", epoch=self.best_epoch,
                                             monitor=self.monitor, best=self.best))
