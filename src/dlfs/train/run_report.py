"""What a learner reads after a run, the same for every recipe: samples in TensorBoard at each
evaluation, the settings with the final metrics in its HPARAMS tab, and ``curves.png``.

:class:`RunReport` is the callback a recipe adds to ``fit`` (the scalars themselves come from
:class:`~dlfs.train.TensorBoardLogger` in the naming scheme of :mod:`dlfs.train.tensorboard`);
:class:`PrintCurves` has it print where the curves went. A recipe with its own loop (no ``fit``)
uses the same pieces directly: :func:`add_text_sample`, :func:`add_grid`,
:func:`write_hparams`, :func:`save_curves` and :func:`curves_line`, or :class:`LoopLog`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..i18n import t
from .callbacks import Callback
from .tensorboard import VAL_CURVE, TensorBoardLogger, write_layout

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["CURVES_FILE", "GRID_TAG", "TEXT_TAG", "LoopLog", "PrintCurves", "RunReport", "add_grid",
           "add_text_sample", "curves_line", "hparam_values", "run_logging", "save_curves",
           "val_points", "write_hparams", "write_layout"]

TEXT_TAG, GRID_TAG = "samples/text", "samples/grid"
CURVES_FILE = "curves.png"

Series = tuple[Sequence[float], Sequence[float]]   # (steps, values)


def add_text_sample(writer: Any, text: str, step: int) -> None:
    """A text sample under ``samples/text`` (the TEXT tab), indented so that TensorBoard's
    markdown shows it as code, line breaks and all."""
    writer.add_text(TEXT_TAG, "    " + text.replace("\n", "\n    "), step)


def add_grid(writer: Any, image: torch.Tensor, step: int) -> None:
    """A grid of images under ``samples/grid`` (the IMAGES tab): ``(C, H, W)`` in [0, 1]
    (e.g. :func:`dlfs.generative.grid.grid_image`)."""
    writer.add_image(GRID_TAG, image.detach().float().cpu(), step)


def hparam_values(values: Mapping[str, Any]) -> dict[str, int | float | str | bool]:
    """Settings as the HPARAMS tab takes them: numbers, strings and booleans as they are,
    anything else (``None``, tuples) as its text.

    >>> hparam_values({"lr": 0.001, "grad_clip": None, "widths": (8, 16)})
    {'lr': 0.001, 'grad_clip': 'None', 'widths': '(8, 16)'}
    """
    return {key: value if isinstance(value, (int, float, str, bool)) else str(value)
            for key, value in values.items()}


def write_hparams(writer: Any, values: Mapping[str, Any], metrics: Mapping[str, float]) -> None:
    """The run's settings (``values``, e.g. :func:`dlfs.recipes.options.flat_values` of its
    recipe) with its final ``metrics`` (tag -> value): the HPARAMS tab reads each metric as
    the last value of the scalar of the same tag in this run (``loss/val``, ``val/accuracy``
    …), so compare runs started with ``dlfs board`` on several run directories."""
    from torch.utils.tensorboard.summary import hparams

    for summary in hparams(hparam_values(values), dict(metrics)):
        writer.file_writer.add_summary(summary)
    writer.flush()


def val_points(trainer: Trainer) -> list[list[float]]:
    """``[step, validation loss]`` of a run: its epochs' ``val/loss`` and the values logged
    as ``val/loss`` through :func:`~dlfs.train.tensorboard.log_scalar` (e.g. by
    :class:`~dlfs.train.PeriodicEval`), one per step, in step order."""
    points = {int(row["step"]): float(row["val/loss"])
              for row in trainer.history.epochs if "val/loss" in row and "step" in row}
    points.update({int(step): float(value)
                   for step, value in trainer.checkpoint_extra.get(VAL_CURVE, [])})
    return [[step, points[step]] for step in sorted(points)]


def _smooth(values: Sequence[float], window: int) -> list[float]:
    out, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def save_curves(path: str | Path, losses: Mapping[str, Series], lr: Series | None = None,
                title: str = "") -> Path:
    """Plot ``losses`` (name -> (steps, values); ``loss/val`` drawn with markers) and, below,
    the learning rate ``lr``, against the step; save a PNG (matplotlib, no display needed).

    >>> import tempfile, os
    >>> out = save_curves(os.path.join(tempfile.mkdtemp(), "c.png"),
    ...                   {"loss/train": ([1, 2, 3], [2.0, 1.5, 1.2]), "loss/val": ([3], [1.4])},
    ...                   lr=([1, 2, 3], [1e-3, 1e-3, 5e-4]))
    >>> out.name, out.stat().st_size > 0
    ('c.png', True)
    """
    from matplotlib.figure import Figure  # no pyplot: no global state, no display (Agg)

    if not any(len(steps) for steps, _ in losses.values()):
        raise ValueError("save_curves: no loss values to plot")
    with_lr = lr is not None and len(lr[0]) > 0
    fig = Figure(figsize=(6.4, 5.2 if with_lr else 3.6))
    axes = fig.subplots(2 if with_lr else 1, 1, sharex=True, squeeze=False,
                        gridspec_kw={"height_ratios": [3, 1.3]} if with_lr else None)
    ax = axes[0][0]
    for name, (steps, values) in losses.items():
        if not len(steps):
            continue
        if name == "loss/val" or len(steps) < 3:
            ax.plot(steps, values, "o-", ms=3.5, label=name)
        else:                         # every step: faint, with a moving average over it
            window = max(1, len(values) // 40)
            line, = ax.plot(steps, values, lw=0.8, alpha=0.35)
            ax.plot(steps, _smooth(list(values), window), color=line.get_color(),
                    label=name if window == 1 else f"{name} (mean of {window})")
    ax.set(ylabel="loss", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    if with_lr:
        assert lr is not None
        axes[1][0].plot(lr[0], lr[1], color="tab:green", label="opt/lr")
        axes[1][0].set(ylabel="lr")
        axes[1][0].ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
        axes[1][0].grid(alpha=0.3)
    axes[-1][0].set(xlabel="step")
    fig.subplots_adjust(left=0.13, right=0.97, top=0.92 if title else 0.97,
                        bottom=0.1 if with_lr else 0.14, hspace=0.16)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    return path


def curves_line(path: str | Path) -> str:
    """The line a recipe prints for its ``curves.png``."""
    return t("train.curves.saved", path=str(path))


class RunReport(Callback):
    """Every recipe's report of a run, written into its TensorBoard log and ``out_dir``:

    - every ``every`` steps (a recipe's evaluations) and at the end: ``text(model)`` under
      ``samples/text`` and ``grid(model)`` (an image ``(C, H, W)`` in [0, 1]) under
      ``samples/grid``, where given (``model`` is the one being trained). Both must leave
      the weights, the mode and the global random state as they were (sample with a
      generator of their own);
    - at the end of a run that did not fail: ``hparams`` (the recipe's settings) with the
      final values of ``metrics`` (tags logged during the run: ``loss/val`` …) in the HPARAMS
      tab, and ``out_dir/curves.png``: ``loss/train`` (every step), ``loss/val`` and
      ``opt/lr`` against the step, from the run's :class:`~dlfs.train.History` and
      :func:`val_points` (whole after a resume). ``curves_path`` then names the file.

    Put it after the callbacks that evaluate (their values at the last step come first) and
    before an explicit :class:`~dlfs.train.TensorBoardLogger` (which closes the log at the
    end). Only rank 0 of a multi-process run keeps it.
    """

    def __init__(self, out_dir: str | Path, *, every: int | None = None,
                 text: Callable[[Any], str] | None = None,
                 grid: Callable[[Any], torch.Tensor] | None = None,
                 hparams: Mapping[str, Any] | None = None,
                 metrics: Iterable[str] = ("loss/val",), title: str = ""):
        if every is not None and every < 1:
            raise ValueError(f"RunReport: every must be >= 1, got {every}")
        self.out_dir, self.every, self.text, self.grid = Path(out_dir), every, text, grid
        self.hparams, self.metrics, self.title = hparams, tuple(metrics), title
        self.curves_path: Path | None = None
        self._sampled_at: int | None = None

    @staticmethod
    def _logger(trainer: Trainer) -> TensorBoardLogger | None:
        logger = trainer.callbacks.find(TensorBoardLogger)
        return logger if logger is not None and logger.writer is not None else None

    def _samples(self, trainer: Trainer) -> None:
        step, logger = trainer.state.step, self._logger(trainer)
        if logger is None or self._sampled_at == step:
            return
        self._sampled_at = step
        if self.text is not None:
            add_text_sample(logger.writer, self.text(trainer.model), step)
        if self.grid is not None:
            add_grid(logger.writer, self.grid(trainer.model), step)

    def on_train_begin(self, trainer: Trainer) -> None:
        self.curves_path, self._sampled_at = None, None

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        if self.every is not None and trainer.state.step % self.every == 0:
            self._samples(trainer)

    def on_train_end(self, trainer: Trainer) -> None:
        if trainer.error is not None or not trainer.history.step_loss:
            return
        if self.every is not None:
            self._samples(trainer)
        logger = self._logger(trainer)
        if logger is not None and self.hparams is not None:
            final = {tag: logger.last[tag] for tag in self.metrics if tag in logger.last}
            write_hparams(logger.writer, self.hparams, final)
        history = trainer.history
        steps = list(range(1, len(history.step_loss) + 1))
        val = val_points(trainer)
        self.curves_path = save_curves(
            self.out_dir / CURVES_FILE,
            {"loss/train": (steps, history.step_loss),
             "loss/val": ([s for s, _ in val], [v for _, v in val])},
            lr=(steps, history.step_lr), title=self.title)
        printer = trainer.callbacks.find(PrintCurves)
        if printer is not None:
            printer.show(self.curves_path)


def run_logging(out_dir: str | Path, *, throughput: str = "samples",
                **report: Any) -> list[Callback]:
    """``[RunReport(out_dir, **report), TensorBoardLogger(out_dir / "tensorboard",
    throughput=...)]``: the two callbacks a recipe's ``fit`` takes after its evaluation
    callbacks (give ``fit`` the same ``log_dir``, or none)."""
    return [RunReport(out_dir, **report),
            TensorBoardLogger(str(Path(out_dir) / "tensorboard"), throughput=throughput)]


class LoopLog:
    """The naming scheme for a training loop of one's own (no ``fit``): a TensorBoard log in
    ``run_dir/tensorboard`` (``loss/train``, ``loss/val``, ``opt/lr``, ``opt/grad_norm``,
    ``perf/samples_per_s`` and whatever else :meth:`scalar` is given) and, at
    :meth:`close`, the settings in the HPARAMS tab and ``run_dir/curves.png``.

    >>> import tempfile
    >>> log = LoopLog(tempfile.mkdtemp(), hparams={"lr": 0.1})
    >>> for step in (1, 2, 3):
    ...     log.step(step, loss=1.0 / step, lr=0.1, grad_norm=2.0, samples=8, seconds=0.01)
    >>> log.val(3, 0.5)
    >>> log.close().name
    'curves.png'
    """

    def __init__(self, run_dir: str | Path, *, hparams: Mapping[str, Any] | None = None,
                 title: str = "", echo: Callable[[str], None] | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.run_dir, self.hparams, self.title, self.echo = Path(run_dir), hparams, title, echo
        self.writer = SummaryWriter(str(self.run_dir / "tensorboard"))
        write_layout(self.writer)
        self.points: dict[str, list[tuple[int, float]]] = {"loss/train": [], "loss/val": [],
                                                           "opt/lr": []}
        self.last: dict[str, float] = {}

    def scalar(self, tag: str, value: float, step: int) -> None:
        """One value under ``tag`` (a tag of the scheme)."""
        self.writer.add_scalar(tag, value, step)
        self.last[tag] = float(value)
        if tag in self.points:
            self.points[tag].append((step, float(value)))

    def step(self, step: int, *, loss: float, lr: float, grad_norm: float | None = None,
             samples: int | None = None, seconds: float | None = None) -> None:
        """The values of one optimizer step."""
        self.scalar("loss/train", loss, step)
        self.scalar("opt/lr", lr, step)
        if grad_norm is not None:
            self.scalar("opt/grad_norm", grad_norm, step)
        if samples is not None and seconds:
            self.scalar("perf/samples_per_s", samples / seconds, step)

    def val(self, step: int, loss: float) -> None:
        """A validation loss (``loss/val``)."""
        self.scalar("loss/val", loss, step)

    def close(self, metrics: Iterable[str] = ("loss/val",)) -> Path:
        """Write the hparams with the last values of ``metrics``, save ``curves.png`` (and
        print where, through ``echo``), close the log; returns the curves' path."""
        if self.hparams is not None:
            write_hparams(self.writer, self.hparams,
                          {tag: self.last[tag] for tag in metrics if tag in self.last})
        self.writer.close()

        def series(tag: str) -> Series:
            return [s for s, _ in self.points[tag]], [v for _, v in self.points[tag]]

        path = save_curves(self.run_dir / CURVES_FILE,
                           {"loss/train": series("loss/train"), "loss/val": series("loss/val")},
                           lr=series("opt/lr"), title=self.title)
        if self.echo is not None:
            self.echo(curves_line(path))
        return path


class PrintCurves(Callback):
    """Have the run's :class:`RunReport` print where it saved ``curves.png`` at the end of
    training (in any place of the callback list). The command line adds it; code that
    trains quietly leaves it out."""

    def __init__(self, echo: Callable[[str], None] | None = None):
        self.echo = echo

    def show(self, path: Path) -> None:
        line = curves_line(path)
        if self.echo is not None:
            self.echo(line)
        else:
            print(line, flush=True)
