"""Loss functions, mirroring ``torch.nn.functional``, written from basic tensor ops.

Every loss computes one number per element (or per sample) and then *reduces*:
``'none'`` keeps them, ``'sum'`` adds them, ``'mean'`` averages them. Class-index losses
(``nll_loss``, ``cross_entropy``) average with the class weights as denominators, exactly as
torch does: ``mean = sum_i w[y_i] * l_i / sum_i w[y_i]`` over the targets that are not ignored.

Shapes: ``B`` batch, ``C`` classes, ``d1 ...`` extra dimensions (pixels of a segmentation map,
positions of a sequence). Logits are ``(B, C, d1, ...)``, class targets ``(B, d1, ...)``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ...i18n import t
from ._loss_base import LossInputError, _reduce, _warn_if_broadcast
from .activation import logsigmoid
from .class_losses import cross_entropy, nll_loss

__all__ = [
    "LossInputError",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cosine_embedding_loss",
    "cross_entropy",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "mse_loss",
    "nll_loss",
    "smooth_l1_loss",
    "triplet_margin_loss",
]


# --------------------------------------------------------------------------- regression


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error ``l = (x - y)^2``; input and target any shape ``(*)``.

    >>> mse_loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
    tensor(5.)
    """
    _warn_if_broadcast(input, target, "mse_loss")
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean absolute error ``l = |x - y|``; shapes ``(*)``."""
    _warn_if_broadcast(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """``l = 0.5 d^2 / beta`` if ``|d| < beta`` else ``|d| - 0.5 beta``, with ``d = x - y``.

    ``beta = 0`` is the plain L1 loss. Shapes ``(*)``.
    """
    if beta < 0:
        raise LossInputError(t("library.loss.smooth_l1_beta", beta=beta))
    _warn_if_broadcast(input, target, "smooth_l1_loss")
    d = input - target
    a = d.abs()
    if beta == 0.0:
        return _reduce(a, reduction)
    loss = torch.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
    return _reduce(loss, reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """``l = 0.5 d^2`` if ``|d| < delta`` else ``delta (|d| - 0.5 delta)``; equals
    ``delta * smooth_l1_loss(beta=delta)``. Shapes ``(*)``."""
    if delta <= 0:
        raise LossInputError(t("library.loss.huber_delta", delta=delta))
    _warn_if_broadcast(input, target, "huber_loss")
    d = input - target
    a = d.abs()
    loss = torch.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _reduce(loss, reduction)


def _check_binary_target(input: Tensor, target: Tensor, name: str) -> None:
    """Binary targets: floating point (0./1. or soft labels), same shape as the input."""
    if not target.is_floating_point():
        raise LossInputError(t("library.loss.binary_target_dtype", name=name, dtype=target.dtype))
    if input.shape != target.shape:
        raise LossInputError(t("library.loss.binary_target_shape", name=name,
                                 target=tuple(target.shape), input=tuple(input.shape)))


def _floored_log(x: Tensor, one_minus: bool = False) -> Tensor:
    """``max(log(x), -100)`` (or of ``log(1 - x)``) whose gradient is finite everywhere:
    where the floor applies, the log is evaluated at a harmless 0.5 and its branch discarded,
    so no ``0 * inf = nan`` reaches the gradient."""
    u = 1 - x if one_minus else x
    ok = u > math.exp(-100)
    safe = torch.where(ok, x, torch.full_like(x, 0.5))
    log_u = torch.log1p(-safe) if one_minus else safe.log()
    return torch.where(ok, log_u, torch.full_like(x, -100.0))


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """``l = -w [y log x + (1 - y) log(1 - x)]`` on probabilities ``x`` in [0, 1]; each log
    is floored at -100 like torch, so ``x = 0`` or ``1`` gives a finite loss (and, past the
    floor, a zero gradient: torch instead divides by ``max(x (1 - x), 1e-12)``). Shapes ``(*)``."""
    _check_binary_target(input, target, "binary_cross_entropy")
    if bool(((input < 0) | (input > 1)).any()):
        raise LossInputError(t("library.loss.bce_range"))
    loss = (target - 1) * _floored_log(input, one_minus=True) - target * _floored_log(input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE on logits ``x``, stable for large ``|x|``:
    ``l = (1 - y) x - (1 + (p - 1) y) log sigmoid(x)``, with ``p = pos_weight``
    broadcast over the last (class) dim. Shapes ``(*)``.

    >>> binary_cross_entropy_with_logits(torch.tensor([0.0]), torch.tensor([1.0]))
    tensor(0.6931)
    """
    _check_binary_target(input, target, "binary_cross_entropy_with_logits")
    log_sig = logsigmoid(input)
    if pos_weight is not None:
        log_weight = (pos_weight - 1) * target + 1                   # (*)
        loss = (1 - target) * input - log_weight * log_sig
    else:
        loss = (1 - target) * input - log_sig
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# --------------------------------------------------------------------------- distributions


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target || model) pointwise: ``l = y (log y - x)`` with ``x`` = model log-probs.

    ``log_target=True`` means ``target`` holds ``log y``: ``l = exp(t) (t - x)``.
    ``'batchmean'`` divides the sum by ``B = input.size(0)`` (the textbook KL per sample);
    ``'mean'`` divides by the number of elements. Shapes ``(B, *)``.
    """
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = torch.xlogy(target, target) - target * input          # 0 log 0 = 0
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.dim() != 0 else total
    return _reduce(loss, reduction)


# --------------------------------------------------------------------------- embeddings


def _pairwise_distance(x1: Tensor, x2: Tensor, p: float, eps: float) -> Tensor:
    """``||x1 - x2 + eps||_p`` over the last dim: ``(B, D) -> (B,)``."""
    d = x1 - x2 + eps
    if p == 2:
        return (d * d).sum(-1).sqrt()
    if p == 1:
        return d.abs().sum(-1)
    return d.abs().pow(p).sum(-1).pow(1.0 / p)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, reduction: str = "mean") -> Tensor:
    """``l = max(d(a, pos) - d(a, neg) + margin, 0)`` with ``d`` the p-norm distance.

    ``swap=True`` uses ``min(d(a, neg), d(pos, neg))`` as the negative distance.
    Shapes: ``(B, D)`` or ``(D,)`` for all three; output ``(B,)`` before reduction.
    """
    dims = {anchor.dim(), positive.dim(), negative.dim()}
    if len(dims) != 1 or dims.pop() not in (1, 2):
        raise LossInputError(t("library.loss.triplet_dims", a=anchor.dim(), p=positive.dim(),
                                 n=negative.dim()))
    d_pos = _pairwise_distance(anchor, positive, p, eps)             # (B,)
    d_neg = _pairwise_distance(anchor, negative, p, eps)             # (B,)
    if swap:
        d_neg = torch.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp(min=0), reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0.0, reduction: str = "mean") -> Tensor:
    """``l = 1 - cos(x1, x2)`` where ``y = 1``; ``max(0, cos(x1, x2) - margin)`` where ``y = -1``.

    input1, input2: ``(B, D)`` with target ``(B,)`` of +-1, or ``(D,)`` with a scalar target.
    ``cos = <x1, x2> / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12))``.
    """
    dim = target.dim()
    if dim not in (0, 1) or input1.dim() != dim + 1 or input2.dim() != dim + 1:
        raise LossInputError(t("library.loss.cosine_shapes", input1=tuple(input1.shape),
                                 input2=tuple(input2.shape), target=tuple(target.shape)))
    dot = (input1 * input2).sum(dim)                                 # (B,)
    sq1 = (input1 * input1).sum(dim) + 1e-12
    sq2 = (input2 * input2).sum(dim) + 1e-12
    cos = dot / (sq1 * sq2).sqrt()                                   # (B,)
    zeros = torch.zeros_like(cos)
    loss = (torch.where(target == 1, 1 - cos, zeros)
            + torch.where(target == -1, (cos - margin).clamp(min=0), zeros))
    return _reduce(loss, reduction)
