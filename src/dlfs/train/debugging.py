"""Two first probes of a training run that does not learn: ``check_batch`` (is the data what
the model expects?) and ``overfit_one_batch`` (can the model memorise a single batch?).

Check the data before blaming the model: a batch of raw int pixels, a NaN, float labels or a
label equal to the number of classes each break training in a way that looks like a model
bug. Then overfit one batch: a healthy model, loss and optimizer drive the loss of a single
batch close to zero within a few dozen steps; if they cannot, the fault is in the model or
the loop (a missing ``zero_grad``, a detached tensor, a wrong loss), not in the data set or
the regularisation. :class:`~dlfs.train.NaNGuard` is the next probe, for runs that blow up.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

__all__ = ["check_batch", "overfit_one_batch"]


def check_batch(x: Tensor, y: Tensor, num_classes: int) -> None:
    """Raise ValueError, naming what is wrong, unless ``(x, y)`` is a valid classification
    batch: x (B, ...) floating point and finite, y (B,) int64 class indices in
    ``[0, num_classes)``. Returns None for a good batch.

    >>> check_batch(torch.zeros(2, 3), torch.tensor([0, 4]), num_classes=4)
    Traceback (most recent call last):
    ...
    ValueError: labels must lie in [0, 4); found [0, 4]
    """
    if not x.is_floating_point():
        raise ValueError(f"x has dtype {x.dtype}; the model wants floating point "
                         "(x.float())")
    if not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).sum())
        raise ValueError(f"x holds {bad} NaN/inf value(s)")
    if y.dtype != torch.int64:
        raise ValueError(f"y has dtype {y.dtype}; class indices must be int64 (y.long())")
    if y.dim() != 1:
        raise ValueError(f"y has shape {tuple(y.shape)}; class indices are 1-D (B,)")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"batch sizes differ: x has {x.shape[0]} rows, y has {y.shape[0]}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes}); found "
                         f"[{int(y.min())}, {int(y.max())}]")


def overfit_one_batch(model: nn.Module, x: Tensor, y: Tensor, steps: int = 100,
                      lr: float = 0.01) -> list[float]:
    """Train ``model`` (in train mode) on the single batch ``x (B, features)``, ``y (B,)``
    class indices, with Adam and the cross-entropy loss for ``steps`` steps.

    Returns the ``steps`` losses as floats, each taken before its update: a healthy
    pipeline ends close to zero. The optimizer is built once, before the loop, so Adam's
    moments build up across steps. Uses the library's own Adam and cross-entropy (each
    equal to torch's, see their tests).
    """
    from ..nn.functional import cross_entropy  # here: importing dlfs.train stays light
    from ..optim import Adam

    optimizer = Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
