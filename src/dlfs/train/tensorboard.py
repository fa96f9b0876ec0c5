"""TensorBoard logging through ``torch.utils.tensorboard``: one naming scheme for every run.

The tags every ``dlfs`` run writes (``fit`` with ``log_dir``, and the recipes' own loops):

===================== ==================================================================
``loss/train``        the training loss of each logged step (``log_every``)
``loss/val``          the validation loss (each epoch, or each evaluation of a recipe);
                      shown with ``loss/train`` in one chart (the CUSTOM SCALARS tab)
``loss/train_epoch``  the epoch mean of the training loss
``opt/lr``            the learning rate of the first parameter group, exactly
``opt/grad_norm``     the total gradient norm before clipping
``perf/<unit>_per_s`` training throughput (all processes): ``perf/samples_per_s`` or
                      ``perf/tokens_per_s``
``val/<metric>``      validation metrics (``val/accuracy`` …); ``train/<metric>`` likewise
``<recipe>/<name>``   what one recipe adds (``vae/kl``, ``dpo/reward_margin`` …)
``samples/text``      sampled text at each evaluation (the TEXT tab)
``samples/grid``      a grid of sampled images at each evaluation (the IMAGES tab)
hparams               the recipe's settings with its final metrics (the HPARAMS tab)
===================== ==================================================================

all at ``global_step`` = optimizer steps so far. The trainer's own log keys (``train/loss``,
``val/loss``, ``train/lr``, ``train/grad_norm``: what callbacks and :class:`History` see)
are renamed by :func:`scheme_tag`. ``weights/<name>`` and ``grads/<name>`` histograms every
``histogram_every`` steps; images from ``image_fn``. View with ``dlfs board``.
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

__all__ = ["LAYOUT", "SCHEME", "TensorBoardLogger", "count_units", "log_scalar", "run_writer",
           "scheme_tag", "write_layout"]

#: the trainer's log keys → the TensorBoard tags of the naming scheme
SCHEME = {"train/loss": "loss/train", "val/loss": "loss/val", "train/lr": "opt/lr",
          "train/grad_norm": "opt/grad_norm"}

#: the CUSTOM SCALARS tab: training and validation loss in one chart (the tags are regular
#: expressions, anchored so that ``loss/train_epoch`` stays out)
LAYOUT = {"loss": {"loss/train and loss/val": ["Multiline", ["^loss/train$", "^loss/val$"]]},
          "opt": {"lr and gradient norm": ["Multiline", ["^opt/lr$", "^opt/grad_norm"]]}}

#: ``checkpoint_extra`` key of the validation-loss points ``[step, value]`` logged through
#: :func:`log_scalar` (kept in checkpoints, so ``curves.png`` of a resumed run is whole)
VAL_CURVE = "val_curve"


def scheme_tag(key: str) -> str:
    """The TensorBoard tag of a log key.

    >>> scheme_tag("train/loss"), scheme_tag("val/loss"), scheme_tag("val/accuracy")
    ('loss/train', 'loss/val', 'val/accuracy')
    """
    return SCHEME.get(key, key)


def write_layout(writer: Any, layout: dict[str, Any] | None = None) -> None:
    """A custom-scalars layout (default :data:`LAYOUT`) into ``writer``'s run."""
    writer.add_custom_scalars(LAYOUT if layout is None else layout)


def run_writer(trainer: Trainer) -> Any:
    """The SummaryWriter of the run's :class:`TensorBoardLogger` (the one ``fit(log_dir=...)``
    adds, or one passed in), for callbacks that log more; None when the run keeps no log
    (no ``log_dir``, not rank 0, or not started)."""
    logger = trainer.callbacks.find(TensorBoardLogger)
    return None if logger is None else logger.writer


def log_scalar(trainer: Trainer, key: str, value: float, step: int | None = None) -> None:
    """Log one value of a run under the naming scheme (``key`` as :func:`scheme_tag` renames
    it) at ``step`` (default: the steps so far), if the run keeps a TensorBoard log. A
    validation loss is also kept in ``trainer.checkpoint_extra`` for ``curves.png``."""
    step = trainer.state.step if step is None else step
    tag = scheme_tag(key)
    if tag == "loss/val":
        points = trainer.checkpoint_extra.setdefault(VAL_CURVE, [])
        if points and points[-1][0] == step:
            points[-1] = [step, float(value)]
        else:
            points.append([step, float(value)])
    logger = trainer.callbacks.find(TensorBoardLogger)
    if logger is not None and logger.writer is not None:
        logger.scalar(tag, value, step)


def _first_tensor(obj: Any) -> torch.Tensor | None:
    if isinstance(obj, torch.Tensor):
        return obj
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        for item in obj:
            found = _first_tensor(item)
            if found is not None:
                return found
    return None


def count_units(batch: Any, unit: str) -> int:
    """Samples (the first tensor's leading size) or tokens (its number of elements: a
    ``(B, T)`` batch of token ids) in a batch.

    >>> ids = torch.zeros(4, 16, dtype=torch.long)
    >>> count_units((ids, ids), "samples"), count_units((ids, ids), "tokens")
    (4, 64)
    """
    first = _first_tensor(batch)
    if first is None or first.dim() == 0:
        return 1
    return int(first.numel()) if unit == "tokens" else int(first.shape[0])


class TensorBoardLogger(Callback):
    """Write a TensorBoard event file under ``log_dir``, in the naming scheme above.

    Args:
        log_dir: directory of the event files.

        throughput: ``"samples"`` or ``"tokens"``: what ``perf/<unit>_per_s`` counts.

        count: ``fn(batch) -> int``, the units in a micro-batch (default: the first tensor's
            leading size, or its number of elements for tokens; see :func:`count_units`).

        histogram_every: steps between weight/gradient histograms (``None``: never).

        image_fn: ``fn(trainer) -> {tag: image (C, H, W) or batch (N, C, H, W)}`` called at
            each epoch end (e.g. sample images, reconstructions, filters).

        graph_input: an example input; if given, the model graph is traced once at the start.
    """

    def __init__(self, log_dir: str, *, throughput: str = "samples",
                 count: Callable[[Any], int] | None = None, histogram_every: int | None = None,
                 image_fn: Callable[[Trainer], dict[str, torch.Tensor]] | None = None,
                 graph_input: Any = None):
        if throughput not in ("samples", "tokens"):
            raise ValueError(f"TensorBoardLogger: throughput must be 'samples' or 'tokens', "
                             f"got {throughput!r}")
        self.log_dir, self.histogram_every = str(log_dir), histogram_every
        self.throughput, self.count = throughput, count
        self.image_fn, self.graph_input = image_fn, graph_input
        self.writer: Any = None
        self.last: dict[str, float] = {}  # tag -> the newest value written through scalar()
        self._units, self._seconds = 0, 0.0

    def scalar(self, tag: str, value: float, step: int) -> None:
        """Write one value under ``tag`` (a tag of the scheme) and remember it."""
        self.writer.add_scalar(tag, value, step)
        self.last[tag] = float(value)

    @property
    def throughput_tag(self) -> str:
        """``perf/samples_per_s`` or ``perf/tokens_per_s``."""
        return f"perf/{self.throughput}_per_s"

    def on_train_begin(self, trainer: Trainer) -> None:
        from torch.utils.tensorboard import SummaryWriter

        # purge_step: after a resume from the checkpoint of step s, the events a killed run
        # wrote after it (steps > s) are dropped; step s's own were logged before the save
        step = trainer.state.step
        self.writer = SummaryWriter(self.log_dir, purge_step=step + 1 if step else None)
        write_layout(self.writer)
        self._units, self._seconds = 0, 0.0
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

    def on_batch_begin(self, trainer: Trainer) -> None:
        batch = trainer.batch
        self._units += self.count(batch) if self.count else count_units(batch, self.throughput)

    def on_backward_end(self, trainer: Trainer) -> None:
        step = trainer.state.step + 1  # the step these gradients are about to make
        if self._histograms_due(trainer, step):
            self._histograms(trainer, "grads", step)

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        step = trainer.state.step
        self._seconds += getattr(trainer, "step_seconds", 0.0)
        if step % trainer.config.log_every == 0:
            for key, value in logs.items():
                self.scalar(scheme_tag(key), value, step)
            if self._seconds > 0:
                units = self._units * getattr(trainer, "world_size", 1)  # every process's
                self.scalar(self.throughput_tag, units / self._seconds, step)
            self._units, self._seconds = 0, 0.0
        if self._histograms_due(trainer, step):
            self._histograms(trainer, "weights", step)

    def on_epoch_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        step = trainer.state.step
        for key, value in logs.items():
            if key in ("epoch", "step"):
                continue
            self.scalar("loss/train_epoch" if key == "train/loss" else scheme_tag(key), value,
                        step)
        if self.image_fn is not None:
            for tag, image in self.image_fn(trainer).items():
                add = self.writer.add_images if image.dim() == 4 else self.writer.add_image
                add(tag, image.detach().float().cpu(), step)
        self.writer.flush()

    def on_train_end(self, trainer: Trainer) -> None:
        if self.writer is not None:
            self.writer.close()
