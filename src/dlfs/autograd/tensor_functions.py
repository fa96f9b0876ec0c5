"""Functions over several axes or several tensors for the NumPy engine: softmax,
log_softmax, cross_entropy, concatenate, stack.

softmax and log_softmax are single nodes with a hand-derived backward (cheaper and more
stable than a chain of exp/sum/div nodes); cross_entropy composes log_softmax and indexing.

>>> logits = Tensor([[1000.0, 0.0], [0.0, 0.0]], requires_grad=True)   # (B=2, C=2)
>>> loss = cross_entropy(logits, np.array([0, 1]))                     # no overflow
>>> round(loss.item(), 6)
0.346574
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import i18n
from .tensor import ShapeError, Tensor, make_node

__all__ = ["concatenate", "cross_entropy", "log_softmax", "softmax", "stack"]


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """s_i = e^(x_i - m) / sum_j e^(x_j - m), m = max_j x_j (same shape as x).

    dL/dx_i = s_i (g_i - sum_j g_j s_j).
    """
    z = x.data - x.data.max(axis=axis, keepdims=True)
    e = np.exp(z)
    s = e / e.sum(axis=axis, keepdims=True)
    return make_node(s, (x,), lambda g: (s * (g - (g * s).sum(axis=axis, keepdims=True)),),
                     "softmax")


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """y_i = x_i - m - log sum_j e^(x_j - m), m = max_j x_j (same shape as x).

    dL/dx_i = g_i - e^(y_i) sum_j g_j.
    """
    z = x.data - x.data.max(axis=axis, keepdims=True)
    y = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return make_node(y, (x,), lambda g: (g - np.exp(y) * g.sum(axis=axis, keepdims=True),),
                     "log_softmax")


def cross_entropy(logits: Tensor, targets: Any, reduction: str = "mean") -> Tensor:
    """L = -(1/B) sum_b log softmax(logits_b)[targets_b], like ``F.cross_entropy``.

    Args:
        logits: (B, C) unnormalized scores.
        targets: (B,) integer class indices in [0, C) (array, list or Tensor).
        reduction: "mean" (a scalar), "sum" (a scalar) or "none" (shape (B,)).
    """
    t = np.asarray(targets.data if isinstance(targets, Tensor) else targets)
    if logits.ndim != 2:
        raise ShapeError(i18n.t("library.autograd.ce_logits", shape=logits.shape))
    if t.shape != logits.shape[:1] or t.dtype.kind not in "iu":
        raise ShapeError(i18n.t("library.autograd.ce_targets", want=logits.shape[:1],
                                 logits=logits.shape, dtype=t.dtype, shape=t.shape))
    if t.size and (t.min() < 0 or t.max() >= logits.shape[1]):
        raise ValueError(f"cross_entropy: targets must lie in [0, {logits.shape[1]}), "
                         f"got values from {t.min()} to {t.max()}")
    picked = -log_softmax(logits, axis=1)[np.arange(len(t)), t]  # (B,)
    if reduction == "mean":
        return picked.mean()
    if reduction == "sum":
        return picked.sum()
    if reduction == "none":
        return picked
    raise ValueError(f"cross_entropy: reduction must be 'mean', 'sum' or 'none', "
                     f"got {reduction!r}")


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; the others must match.

    dL/dx_k = the slice of g that x_k filled.
    """
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concatenate: needs at least one tensor")
    try:
        out = np.concatenate([t.data for t in ts], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ShapeError(i18n.t("library.autograd.concatenate", shapes=shapes,
                                 axis=axis)) from None
    ends = np.cumsum([t.shape[axis] for t in ts])[:-1]
    return make_node(out, ts, lambda g: tuple(np.split(g, ends, axis=axis)), "concatenate")


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join equal-shaped tensors along a new axis.

    dL/dx_k = g[..., k, ...] (index k along the new axis).
    """
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise ValueError("stack: needs at least one tensor")
    if len({t.shape for t in ts}) > 1:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ShapeError(i18n.t("library.autograd.stack", shapes=shapes))
    out = np.stack([t.data for t in ts], axis=axis)
    return make_node(out, ts, lambda g: tuple(np.moveaxis(g, axis, 0)), "stack")
