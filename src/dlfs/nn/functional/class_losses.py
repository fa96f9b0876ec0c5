"""Class-index losses: ``nll_loss`` and ``cross_entropy`` (indices or probabilities, class
weights, ``ignore_index``, label smoothing), mirroring ``torch.nn.functional``.

Logits are ``(B, C, d1, ...)`` (or ``(B, C)``, ``(C,)``), class targets ``(B, d1, ...)``. The mean
divides by the summed weights of the targets that count, as torch does.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ...i18n import t
from ._loss_base import (
    LossInputError,
    _check_reduction,
    _class_view,
    _log_softmax,
    _logsumexp,
    _reduce,
)

__all__ = ["cross_entropy", "nll_loss"]


def _check_class_target(input: Tensor, target: Tensor) -> None:
    """Class targets: int64 (or uint8), shaped like the input without its class dim."""
    if target.is_floating_point() or target.dtype not in (torch.int64, torch.uint8):
        raise LossInputError(t("library.loss.class_target_dtype", dtype=target.dtype))
    class_dim = 0 if input.dim() == 1 else 1
    expected = input.shape[:class_dim] + input.shape[class_dim + 1:]
    if target.shape != expected:
        raise LossInputError(t("library.loss.class_target_shape", input=tuple(input.shape),
                                 class_dim=class_dim, expected=tuple(expected),
                                 got=tuple(target.shape)))


def _class_targets(x: Tensor, target: Tensor, weight: Tensor | None,
                   ignore_index: int) -> tuple[Tensor, Tensor, Tensor]:
    """Class indices safe to gather with (ignored ones set to 0), the per-target weight
    ``w[y_i]`` (0 where ignored) and the mask of targets that count; each ``(B, d1, ...)``."""
    n = x.shape[0 if x.dim() == 1 else 1]
    valid = target != ignore_index                                   # (B, d1, ...)
    bad = valid & ((target < 0) | (target >= n))
    if bool(bad.any()):
        raise LossInputError(t("library.loss.target_out_of_bounds",
                                 target=int(target[bad].flatten()[0]), top=n - 1,
                                 ignore_index=ignore_index))
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
    ``w`` None means every weight is 1 (no product at all).

    Autograd through logsumexp and gather builds two full ``(B, C)`` gradients (one from the
    exp, one scattered from the gather) and adds them; here one ``(B, C)`` tensor is written
    and the one-hot part is a scatter of B numbers into it.
    """

    @staticmethod
    def forward(ctx, x: Tensor, y: Tensor, w: Tensor | None,  # type: ignore[override]
                class_dim: int) -> Tensor:
        m = x.amax(dim=class_dim, keepdim=True)                      # (B, 1, d1, ...)
        e = (x - m).exp_()                                           # (B, C, d1, ...)
        s = e.sum(dim=class_dim, keepdim=True)                       # (B, 1, d1, ...)
        y1 = y.unsqueeze(class_dim)                                  # (B, 1, d1, ...)
        raw = s.log().add_(m).sub_(x.gather(class_dim, y1)).squeeze(class_dim)  # (B, d1, ...)
        ctx.save_for_backward(x, e, s, y1, w, raw)
        ctx.class_dim = class_dim
        return raw if w is None else raw * w

    @staticmethod
    def backward(ctx, g: Tensor) -> tuple[Tensor | None, ...]:  # type: ignore[override]
        x, e, s, y1, w, raw = ctx.saved_tensors
        d = ctx.class_dim
        gw = (g if w is None else g * w).unsqueeze(d)                # (B, 1, d1, ...)
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


def _every_target_counts(target: Tensor, n_classes: int, ignore_index: int) -> bool:
    """True when every target is a class in [0, n_classes) and none can be ``ignore_index``
    (the usual case, with the default -100): then no mask or weight tensor is needed. One
    pass over the targets (their min and max) instead of the general path's five."""
    if target.numel() == 0 or 0 <= ignore_index < n_classes:
        return False
    lo, hi = torch.aminmax(target)
    return int(lo) >= 0 and int(hi) < n_classes


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
        raise LossInputError(t("library.loss.label_smoothing", value=label_smoothing))
    if input.shape == target.shape:
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    _check_reduction(reduction)
    _check_class_target(input, target)
    class_dim = 0 if input.dim() == 1 else 1
    if label_smoothing == 0.0:
        if weight is None and _every_target_counts(target, input.shape[class_dim],
                                                   ignore_index):
            nll = _SoftmaxCrossEntropy.apply(input, target.long(), None, class_dim)
            return _reduce(nll, reduction)            # every weight is 1: the mean is a mean
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
        raise LossInputError(t("library.loss.prob_target_dtype", shape=tuple(input.shape),
                                 dtype=target.dtype))
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
