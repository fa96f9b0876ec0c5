"""Vision training recipes: LeNet-5 on the digits and a small ResNet on the shapes set.

Both recipes train zoo models (:mod:`dlfs.models.cnn`, built from ``dlfs.nn``) with the one
training loop :func:`dlfs.train.fit` and report test accuracy with wall and CPU seconds, so
the benchmark (``benchmarks/bench_vision.py``), the tests and the lessons share one code path.

- ``train_lenet_digits``: scikit-learn's digits upscaled to 28×28, the fixed seeded 80/20
  split of :func:`dlfs.data.datasets.digits` (1437 train / 360 test), LeNet-5 with ReLU.
- ``train_resnet_shapes``: the synthetic shapes set (3 classes, 32×32 RGB), a ResNet-18
  layout with ``small_input=True`` and a narrow ``width`` (8 instead of 64) so that it
  trains in seconds on a CPU.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from dlfs import nn
from dlfs.data import DataLoader, TensorDataset
from dlfs.metrics import accuracy
from dlfs.runtime import eval_mode

__all__ = ["VisionRun", "predict_logits", "train_classifier",
           "timed_run", "train_lenet_digits", "train_resnet_shapes", "shapes_tensors"]


@dataclass
class VisionRun:
    """What a recipe returns: the trained model, test accuracy in [0, 1] and timings."""

    model: nn.Module
    accuracy: float
    seconds: float        # wall-clock seconds of training + evaluation
    cpu_seconds: float    # process CPU seconds (all threads) over the same span
    epochs: int
    n_train: int
    n_test: int


@torch.no_grad()
def predict_logits(model: nn.Module, x: Tensor, batch_size: int = 512) -> Tensor:
    """Logits ``(N, K)`` of ``model`` (in eval mode) for images ``x`` ``(N, C, H, W)``."""
    with eval_mode(model):
        return torch.cat([model(x[i:i + batch_size])
                          for i in range(0, len(x), batch_size)])  # (N, K)


def train_classifier(model: nn.Module, x: Tensor, y: Tensor, *, epochs: int,
                     batch_size: int = 64, lr: float = 2e-3, weight_decay: float = 0.0,
                     seed: int = 0, augment: Callable[[Tensor], Tensor] | None = None,
                     callbacks: Sequence[Any] = (), val: tuple[Tensor, Tensor] | None = None,
                     log_to: str | Path | None = None, hparams: Mapping[str, Any] | None = None,
                     title: str = "") -> nn.Module:
    """Train ``model`` on ``x`` ``(N, C, H, W)``, ``y`` ``(N,)`` with Adam and a cosine-decayed
    learning rate, through :func:`dlfs.train.fit` on the CPU, under the NaN/Inf guard and
    torch's deterministic kernels; returns the model.

    ``augment`` maps a training batch ``(B, C, H, W)`` to an altered one of the same shape
    (e.g. random shifts); it runs in train mode only. ``callbacks`` go to ``fit`` (e.g. a
    :class:`dlfs.train.ProgressBar`). ``val`` (images, labels): validation loss and
    accuracy after each epoch (``val/loss``, ``val/accuracy``; they change nothing in the
    training). ``log_to``: a run directory for the TensorBoard log (every step) and
    ``curves.png``, with ``hparams`` (settings) and ``title``
    (:func:`dlfs.train.run_report.run_logging`).
    """
    from dlfs.train import fit
    from dlfs.train.run_report import run_logging

    def forward(model: nn.Module, batch: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
        xb, yb = batch
        return model(augment(xb) if augment is not None and model.training else xb), yb

    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True,
                        generator=gen)
    steps = epochs * len(loader)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps,
                                                pct_start=0.15)
    # a list of batches: iterating it draws no random number (a loader's would)
    val_loader = None if val is None else [(val[0][i:i + 512], val[1][i:i + 512])
                                           for i in range(0, len(val[0]), 512)]
    logs = [] if log_to is None else run_logging(
        log_to, hparams=hparams, metrics=("loss/val", "val/accuracy"), title=title)
    fit(model, loader, loss_fn=nn.functional.cross_entropy, optimizer=opt, scheduler=sched,
        epochs=epochs, device="cpu", seed=seed, forward=forward,
        log_every=1 if log_to is not None else max(1, steps), val_loader=val_loader,
        metrics=None if val is None else {"accuracy": accuracy},
        callbacks=[*logs, *callbacks],
        nan_guard=True, deterministic=True)
    return model


def timed_run(build: Callable[[], nn.Module], x_tr: Tensor, y_tr: Tensor, x_te: Tensor,
              y_te: Tensor, epochs: int, **train_kw: Any) -> VisionRun:
    """Build a model, :func:`train_classifier` it on ``(x_tr, y_tr)`` (``train_kw`` passed on),
    measure test accuracy on ``(x_te, y_te)``; wall and CPU seconds cover both."""
    wall, cpu = time.perf_counter(), time.process_time()
    model = train_classifier(build(), x_tr, y_tr, epochs=epochs, **train_kw)
    acc = accuracy(predict_logits(model, x_te), y_te)
    return VisionRun(model, acc, time.perf_counter() - wall, time.process_time() - cpu,
                     epochs, len(x_tr), len(x_te))


def train_lenet_digits(epochs: int = 12, seed: int = 0, n_train: int | None = None,
                       batch_size: int = 32, lr: float = 3e-3) -> VisionRun:
    """LeNet-5 (ReLU) on digits 28×28, the seeded 80/20 split; test accuracy on the 20 %.

    ``n_train`` keeps only the first images of the training part (quick runs).
    """
    from dlfs.data.datasets import digits
    from dlfs.models.cnn import lenet5

    x_tr, y_tr = digits("train", size=28, seed=0)[:]   # (1437, 1, 28, 28), (1437,)
    x_te, y_te = digits("test", size=28, seed=0)[:]    # (360, 1, 28, 28), (360,)
    if n_train is not None:
        x_tr, y_tr = x_tr[:n_train], y_tr[:n_train]
    torch.manual_seed(seed)
    return timed_run(lambda: lenet5(10, activation="relu"), x_tr, y_tr, x_te, y_te, epochs,
                     batch_size=batch_size, lr=lr, seed=seed)


def shapes_tensors(n: int, seed: int) -> tuple[Tensor, Tensor]:
    """``n`` shapes images as float32 ``(n, 3, 32, 32)`` in [0, 1] and labels ``(n,)``."""
    from dlfs.data.datasets.shapes import make_shapes

    images, labels = make_shapes(n, 32, seed=seed)
    x = torch.tensor(images, dtype=torch.float32).permute(0, 3, 1, 2) / 255  # (n, 3, 32, 32)
    return x.contiguous(), torch.tensor(labels, dtype=torch.int64)


def train_resnet_shapes(epochs: int = 8, seed: int = 0, n_train: int = 1200,
                        n_test: int = 400, width: int = 8, batch_size: int = 32,
                        lr: float = 3e-3) -> VisionRun:
    """A ResNet-18 layout (``small_input=True``, 3 classes, ``width`` channels in layer1)
    on the shapes set: ``n_train`` images from seed 100, ``n_test`` from seed 101."""
    from dlfs.models.cnn import resnet18

    x_tr, y_tr = shapes_tensors(n_train, seed=100)   # (n_train, 3, 32, 32)
    x_te, y_te = shapes_tensors(n_test, seed=101)    # (n_test, 3, 32, 32)
    torch.manual_seed(seed)
    return timed_run(lambda: resnet18(num_classes=3, small_input=True, width=width), x_tr,
                     y_tr, x_te, y_te, epochs, batch_size=batch_size, lr=lr, seed=seed)
