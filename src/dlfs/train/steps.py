"""The training step on its own, outside :class:`~dlfs.train.Trainer`: ``train_step`` (one
optimizer step on one batch) and ``accumulate_gradients`` (the gradient of a batch too large
for memory, fed as micro-batches).

``fit`` does both inside its loop (with AMP, clipping, callbacks); these two are the bare
textbook versions, for a hand-written loop and for the workbench.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import Tensor, nn

__all__ = ["accumulate_gradients", "train_step"]


def train_step(model: nn.Module, batch: tuple[Tensor, Tensor], optimizer: Any,
               loss_fn: Callable[[Tensor, Tensor], Tensor]) -> float:
    """One optimizer step of ``model`` on ``batch = (x (B, ...), y (B, ...))``.

    The model is put in train mode first (dropout on, BatchNorm using batch statistics: it
    may arrive in eval mode after an evaluation), and the old gradients are cleared through
    the optimizer (they may be left over from anything). Returns ``loss_fn(model(x), y)``,
    taken before the step, as a Python float: ``.item()`` lets the graph be freed.
    """
    model.train()
    optimizer.zero_grad()
    x, y = batch
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def accumulate_gradients(model: nn.Module, loss_fn: Callable[[Tensor, Tensor], Tensor],
                         micro_batches: list[tuple[Tensor, Tensor]]) -> float:
    """Leave in every parameter's ``.grad`` the gradient of the mean loss over all
    ``micro_batches`` together, with one backward per micro-batch; return that loss.

    ``micro_batches`` is ``[(x_i (n_i, ...), y_i (n_i, ...)), ...]`` with N = sum n_i
    samples. ``loss_fn`` averages over its batch, and the full-batch mean is
    sum_i (n_i / N) * mean_i, so micro-batch i's loss is scaled by n_i / N before its
    backward (1 / k for k equal micro-batches); ``backward`` adds into ``.grad``, which is
    therefore cleared first. No optimizer step is taken.
    """
    model.zero_grad(set_to_none=True)
    total = sum(x.shape[0] for x, _ in micro_batches)
    value = 0.0
    for x, y in micro_batches:
        # loss_fn averages over the micro-batch: weigh it by its share of the samples
        loss = loss_fn(model(x), y) * (x.shape[0] / total)
        loss.backward()
        value += loss.item()
    return value
