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
import warnings

import torch
from torch import Tensor

from dlfs.errors import DlfsError

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


class LossInputError(DlfsError, ValueError):
    """A loss got inputs of the wrong shape, dtype or range (the message says which)."""


def _check_reduction(reduction: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise LossInputError(f"{reduction!r} is not a valid value for reduction "
                             "(use 'none', 'mean' or 'sum')")


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
        warnings.warn(f"{name}: target shape {tuple(target.shape)} differs from input shape "
                      f"{tuple(input.shape)}; they will broadcast, which is rarely intended.",
                      UserWarning, stacklevel=3)


def _logsumexp(x: Tensor, dim: int) -> Tensor:
    """log sum_c exp(x_c) = m + log sum_c exp(x_c - m) with m = max_c x_c, so no exp overflows.
    ``m`` is a constant for autograd: the result does not depend on it.  (B, C, ...) -> (B, ...)"""
    m = x.detach().amax(dim=dim, keepdim=True)                     # (B, 1, d1, ...)
    e = (x - m).exp_()             # in place: x - m is a temporary, this saves a (B, C) copy
    return e.sum(dim=dim).log() + m.squeeze(dim)                   # (B, d1, ...)


def _log_softmax(x: Tensor, dim: int) -> Tensor:
    """log softmax(x) = x - logsumexp(x)."""
    return x - _logsumexp(x, dim).unsqueeze(dim)


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
        raise LossInputError(f"smooth_l1_loss does not support negative values for beta, "
                             f"got {beta}")
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
        raise LossInputError(f"huber_loss does not support non-positive values for delta, "
                             f"got {delta}")
    _warn_if_broadcast(input, target, "huber_loss")
    d = input - target
    a = d.abs()
    loss = torch.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))
    return _reduce(loss, reduction)


# --------------------------------------------------------------------------- classification


def _check_class_target(input: Tensor, target: Tensor) -> None:
    """Class targets: int64 (or uint8), shaped like the input without its class dim."""
    if target.is_floating_point() or target.dtype not in (torch.int64, torch.uint8):
        raise LossInputError(
            f"class-index targets must be int64 (torch.long), got {target.dtype}; "
            "use target.long(), or pass class probabilities with the same shape as the input")
    class_dim = 0 if input.dim() == 1 else 1
    expected = input.shape[:class_dim] + input.shape[class_dim + 1:]
    if target.shape != expected:
        raise LossInputError(
            f"input of shape {tuple(input.shape)} (classes on dim {class_dim}) needs a target "
            f"of shape {tuple(expected)}, got {tuple(target.shape)}")


def _class_targets(x: Tensor, target: Tensor, weight: Tensor | None,
                   ignore_index: int) -> tuple[Tensor, Tensor, Tensor]:
    """Class indices safe to gather with (ignored ones set to 0), the per-target weight
    ``w[y_i]`` (0 where ignored) and the mask of targets that count; each ``(B, d1, ...)``."""
    n = x.shape[0 if x.dim() == 1 else 1]
    valid = target != ignore_index                                   # (B, d1, ...)
    bad = valid & ((target < 0) | (target >= n))
    if bool(bad.any()):
        raise LossInputError(f"Target {int(target[bad].flatten()[0])} is out of bounds: class "
                             f"indices must lie in [0, {n - 1}] (or equal "
                             f"ignore_index={ignore_index})")
    safe = target.masked_fill(~valid, 0).long()
    w = valid.to(x.dtype) if weight is None else weight[safe] * valid
    return safe, w, valid


def _pick(x: Tensor, target: Tensor, weight: Tensor | None,
          ignore_index: int) -> tuple[Tensor, Tensor, Tensor]:
    """``x[i, y_i]``, the per-target weight ``w[y_i]`` (0 where ignored) and the mask of
    targets that count; each ``(B, d1, ...)``."""
    class_dim = 0 if x.dim() == 1 else 1
    safe, w, valid = _class_targets(x, target, weight, ignore_index)
    picked = x.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
    return picked, w, valid


class _SoftmaxCrossEntropy(torch.autograd.Function):
    """Per-target loss ``l_i = w_i (logsumexp_c x_ic - x_{i, y_i})`` with the gradient written
    out: ``dl_i / dx_ic = w_i (softmax(x_i)_c - [c = y_i])`` — "softmax minus one-hot".

    Autograd through logsumexp and gather builds two full ``(B, C)`` gradients (one from the
    exp, one scattered from the gather) and adds them; here one ``(B, C)`` tensor is written
    and the one-hot part is a scatter of B numbers into it.
    """

    @staticmethod
    def forward(ctx, x: Tensor, y: Tensor, w: Tensor,  # type: ignore[override]
                class_dim: int) -> Tensor:
        m = x.amax(dim=class_dim, keepdim=True)                      # (B, 1, d1, ...)
        e = (x - m).exp_()                                           # (B, C, d1, ...)
        s = e.sum(dim=class_dim, keepdim=True)                       # (B, 1, d1, ...)
        y1 = y.unsqueeze(class_dim)                                  # (B, 1, d1, ...)
        raw = (s.log() + m - x.gather(class_dim, y1)).squeeze(class_dim)  # (B, d1, ...)
        ctx.save_for_backward(x, e, s, y1, w, raw)
        ctx.class_dim = class_dim
        return raw * w

    @staticmethod
    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        x, e, s, y1, w, raw = ctx.saved_tensors
        d = ctx.class_dim
        gw = (g * w).unsqueeze(d)                                    # (B, 1, d1, ...)
        dx = dw = None
        if ctx.needs_input_grad[0]:
            if torch.is_grad_enabled():   # double backward: softmax rebuilt from x, recorded
                p = torch.exp(x - _logsumexp(x, d).unsqueeze(d))     # softmax(x)
                dx = (p * gw).scatter_add(d, y1, -gw)
            else:
                dx = torch.mul(e, gw / s).scatter_add_(d, y1, -gw)   # (B, C, d1, ...)
        if ctx.needs_input_grad[2]:
            dw = g * raw
        return dx, None, dw, None


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of the target class: ``l_i = -w[y_i] * input[i, y_i]``.

    input: log-probabilities ``(B, C, d1, ...)``, ``(B, C)`` or ``(C,)``; target: int64
    ``(B, d1, ...)``, ``(B,)`` or ``()``. ``'mean'`` divides by ``sum_i w[y_i]``.

    >>> nll_loss(torch.tensor([[-1.0, -2.0], [-3.0, -0.5]]), torch.tensor([0, 1]))
    tensor(0.7500)
    """
    _check_reduction(reduction)
    _check_class_target(input, target)
    picked, w, _ = _pick(input, target, weight, ignore_index)
    losses = -w * picked                                             # (B, d1, ...)
    if reduction == "mean":
        return losses.sum() / w.sum()
    return _reduce(losses, reduction)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy on logits ``input`` ``(B, C, d1, ...)`` (or ``(B, C)``, ``(C,)``).

    target is either class indices (int64, ``(B, d1, ...)``) or class probabilities (float,
    same shape as input). For an index target ``y``, with ``log p_ic = x_ic - logsumexp_c x_ic``:
    ``nll_i = w[y_i] * (logsumexp_c x_ic - x_{i, y_i})`` (no full log-softmax needed), and
    with label smoothing ``eps`` (target ``(1 - eps) * onehot + eps / C``):
    ``l_i = (1 - eps) * nll_i + eps / C * sum_c w_c * (-log p_ic)``.

    >>> cross_entropy(torch.zeros(2, 4), torch.tensor([0, 3]))   # log(4)
    tensor(1.3863)
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise LossInputError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    if input.shape == target.shape:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    _check_reduction(reduction)
    _check_class_target(input, target)
    class_dim = 0 if input.dim() == 1 else 1
    if label_smoothing == 0.0:
        safe, w, _ = _class_targets(input, target, weight, ignore_index)
        nll = _SoftmaxCrossEntropy.apply(input, safe, w, class_dim)   # (B, d1, ...)
        return nll.sum() / w.sum() if reduction == "mean" else _reduce(nll, reduction)
    lse = _logsumexp(input, class_dim)                               # (B, d1, ...)
    x_y, w, valid = _pick(input, target, weight, ignore_index)       # (B, d1, ...) each
    nll = w * (lse - x_y)
    loss = nll.sum() / w.sum() if reduction == "mean" else _reduce(nll, reduction)
    logp = input - lse.unsqueeze(class_dim)                          # (B, C, d1, ...)
    wlogp = logp if weight is None else logp * _class_view(weight, logp)
    smooth = -wlogp.sum(class_dim) * valid                           # (B, d1, ...)
    smooth = smooth.sum() / w.sum() if reduction == "mean" else _reduce(smooth, reduction)
    n_classes = input.shape[class_dim]
    return (1 - label_smoothing) * loss + smooth * (label_smoothing / n_classes)


def _cross_entropy_probs(input: Tensor, target: Tensor, weight: Tensor | None,
                         reduction: str, label_smoothing: float) -> Tensor:
    """Cross-entropy against class probabilities ``q``: ``l_i = -sum_c w_c q_ic log p_ic``.
    ``'mean'`` divides by the number of samples ``B * d1 * ...`` (not by the weights)."""
    _check_reduction(reduction)
    if not target.is_floating_point():
        raise LossInputError(
            f"a target with the input's shape {tuple(input.shape)} is read as class "
            f"probabilities and must be floating point, got {target.dtype}")
    class_dim = 0 if input.dim() == 1 else 1
    n_classes = input.shape[class_dim]
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = _log_softmax(input, class_dim) * target                 # (B, C, d1, ...)
    if weight is not None:
        terms = terms * _class_view(weight, input)
    if reduction == "mean":
        return -terms.sum() / (input.numel() // n_classes)
    if reduction == "sum":
        return -terms.sum()
    return -terms.sum(class_dim)                                     # (B, d1, ...)


def _check_binary_target(input: Tensor, target: Tensor, name: str) -> None:
    """Binary targets: floating point (0./1. or soft labels), same shape as the input."""
    if not target.is_floating_point():
        raise LossInputError(f"{name}: targets must be floating point (0./1. or "
                             f"probabilities), got {target.dtype}; use target.float()")
    if input.shape != target.shape:
        raise LossInputError(
            f"{name}: target shape {tuple(target.shape)} must equal input shape "
            f"{tuple(input.shape)} (e.g. logits (B, 1) need targets (B, 1), or squeeze the "
            "logits to (B,))")


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
        raise LossInputError("binary_cross_entropy: all elements of input should be between "
                             "0 and 1 (did you pass logits? use binary_cross_entropy_with_logits)")
    loss = (target - 1) * _floored_log(input, one_minus=True) - target * _floored_log(input)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _log_sigmoid(x: Tensor) -> Tensor:
    """log sigmoid(x) = min(x, 0) - log(1 + exp(-|x|)), finite for any x."""
    return x.clamp(max=0) - torch.log1p((-x.abs()).exp())


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
    log_sig = _log_sigmoid(input)
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
        raise LossInputError(
            "triplet_margin_loss: anchor, positive and negative must all be 1-D (D,) or 2-D "
            f"(B, D), got {anchor.dim()}-D, {positive.dim()}-D and {negative.dim()}-D")
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
        raise LossInputError(
            "cosine_embedding_loss: expected inputs (B, D) with target (B,) or inputs (D,) "
            f"with a 0-D target, got {tuple(input1.shape)}, {tuple(input2.shape)} and "
            f"{tuple(target.shape)}")
    dot = (input1 * input2).sum(dim)                                 # (B,)
    sq1 = (input1 * input1).sum(dim) + 1e-12
    sq2 = (input2 * input2).sum(dim) + 1e-12
    cos = dot / (sq1 * sq2).sqrt()                                   # (B,)
    zeros = torch.zeros_like(cos)
    loss = (torch.where(target == 1, 1 - cos, zeros)
            + torch.where(target == -1, (cos - margin).clamp(min=0), zeros))
    return _reduce(loss, reduction)
