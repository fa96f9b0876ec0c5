"""What every loss in :mod:`dlfs.nn.functional.loss` shares: the input error type, the
``'none' | 'mean' | 'sum'`` reduction, class-weight broadcasting and a stable logsumexp."""

from __future__ import annotations

import warnings

from torch import Tensor

from dlfs.errors import DlfsError
from dlfs.i18n import t

__all__ = ["LossInputError"]


class LossInputError(DlfsError, ValueError):
    """A loss got inputs of the wrong shape, dtype or range (the message says which)."""


def _check_reduction(reduction: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise LossInputError(t("library.loss.reduction", reduction=reduction))


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``'none' | 'mean' | 'sum'`` to an elementwise loss."""
    _check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def _class_view(weight: Tensor, x: Tensor) -> Tensor:
    """Class weights ``(C,)`` viewed to broadcast over ``x`` ``(B, C, d1, ...)``."""
    shape = [1] * x.dim()
    shape[0 if x.dim() == 1 else 1] = weight.shape[0]
    return weight.view(shape)                                        # (1, C, 1, ...)


def _warn_if_broadcast(input: Tensor, target: Tensor, name: str) -> None:
    if input.shape != target.shape:
        warnings.warn(t("library.loss.broadcast_warning", name=name, target=tuple(target.shape),
                        input=tuple(input.shape)), UserWarning, stacklevel=3)


def _logsumexp(x: Tensor, dim: int) -> Tensor:
    """log sum_c exp(x_c) = m + log sum_c exp(x_c - m) with m = max_c x_c, so no exp overflows.
    ``m`` is a constant for autograd: the result does not depend on it.  (B, C, ...) -> (B, ...)"""
    m = x.detach().amax(dim=dim, keepdim=True)                     # (B, 1, d1, ...)
    e = (x - m).exp_()             # in place: x - m is a temporary, this saves a (B, C) copy
    return e.sum(dim=dim).log() + m.squeeze(dim)                   # (B, d1, ...)


def _log_softmax(x: Tensor, dim: int) -> Tensor:
    """log softmax(x) = x - logsumexp(x)."""
    return x - _logsumexp(x, dim).unsqueeze(dim)
