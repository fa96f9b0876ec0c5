"""TensorBoard logging through ``torch.utils.tensorboard``: scalars, histograms, images, graph.

Tags: ``train/loss`` and ``train/lr`` every ``log_every`` steps; every epoch metric under its
own name (``val/loss``, ``train/acc`` …, the epoch mean of the training loss as
``train/loss_epoch``), all at ``global_step`` = optimizer steps so far; ``weights/<name>`` and
``grads/<name>`` histograms every ``histogram_every`` steps; images from ``image_fn``.
View with ``tensorboard --logdir <log_dir>``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from .callbacks import Callback
from .rng import capture_rng_state, restore_rng_state

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["TensorBoardLogger", "run_writer"]


def run_writer(trainer: Trainer) -> Any:
    """The SummaryWriter of the run's :class:`TensorBoardLogger` (the one ``fit(log_dir=...)``
    adds, or one passed in), for callbacks that log more; None when the run keeps no log
    (no ``log_dir``, not rank 0, or not started)."""
    logger = trainer.callbacks.find(TensorBoardLogger)
    return None if logger is None else logger.writer


class TensorBoardLogger(Callback):
    """Write a TensorBoard event file under ``log_dir``.

    Args:
        log_dir: directory of the event files.
        histogram_every: steps between weight/gradient histograms (``None``: never).
        image_fn: ``fn(trainer) -> {tag: image (C, H, W) or batch (N, C, H, W)}`` called at
            each epoch end (e.g. sample images, reconstructions, filters).
        graph_input: an example input; if given, the model graph is traced once at the start.
    """

    def __init__(self, log_dir: str, *, histogram_every: int | None = None,
                 image_fn: Callable[[Trainer], dict[str, torch.Tensor]] | None = None,
                 graph_input: Any = None):
        self.log_dir, self.histogram_every = str(log_dir), histogram_every
        self.image_fn, self.graph_input = image_fn, graph_input
        self.writer: Any = None

    def on_train_begin(self, trainer: Trainer) -> None:
        from torch.utils.tensorboard import SummaryWriter

        # purge_step: after a resume from the checkpoint of step s, the events a killed run
        # wrote after it (steps > s) are dropped; step s's own were logged before the save
        step = trainer.state.step
        self.writer = SummaryWriter(self.log_dir, purge_step=step + 1 if step else None)
        if self.graph_input is not None:
            rng = capture_rng_state()  # tracing runs a forward (dropout draws random numbers)
            try:
                with warnings.catch_warnings():  # add_graph traces with the deprecated jit
                    warnings.simplefilter("ignore", DeprecationWarning)
                    self.writer.add_graph(trainer.model, self.graph_input)
            except Exception as exc:  # tracing fails on data-dependent control flow
                warnings.warn(f"TensorBoardLogger: could not trace the model graph: {exc}",
                              stacklevel=2)
            finally:
                restore_rng_state(rng)  # so a logged run and a resumed run stay identical

    def _histograms(self, trainer: Trainer, prefix: str, step: int) -> None:
        for name, p in trainer.model.named_parameters():
            values = p.grad if prefix == "grads" else p
            if values is not None:
                self.writer.add_histogram(f"{prefix}/{name}", values.detach().float().cpu(),
                                          step)

    def _histograms_due(self, trainer: Trainer, step: int) -> bool:
        return self.histogram_every is not None and step % self.histogram_every == 0

    def on_backward_end(self, trainer: Trainer) -> None:
        step = trainer.state.step + 1  # the step these gradients are about to make
        if self._histograms_due(trainer, step):
            self._histograms(trainer, "grads", step)

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        step = trainer.state.step
        if step % trainer.config.log_every == 0:
            for tag, value in logs.items():
                self.writer.add_scalar(tag, value, step)
        if self._histograms_due(trainer, step):
            self._histograms(trainer, "weights", step)

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        step = trainer.state.step
        for tag, value in logs.items():
            if tag in ("epoch", "step"):
                continue
            self.writer.add_scalar("train/loss_epoch" if tag == "train/loss" else tag,
                                   value, step)
        if self.image_fn is not None:
            for tag, image in self.image_fn(trainer).items():
                add = self.writer.add_images if image.dim() == 4 else self.writer.add_image
                add(tag, image.detach().float().cpu(), step)
        self.writer.flush()

    def on_train_end(self, trainer: Trainer) -> None:
        if self.writer is not None:
            self.writer.close()
