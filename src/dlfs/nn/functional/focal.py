"""Focal loss: cross-entropy that turns down the loss of examples the model already gets right.

Lin et al. (2017, "Focal Loss for Dense Object Detection") multiply the cross-entropy of each
example by a *modulating factor* ``(1 - p_t)^gamma``, where ``p_t`` is the probability the
model gives to the true class:

    FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t)

An easy example (``p_t = 0.9``) keeps ``0.1^2 = 1 %`` of its loss at ``gamma = 2``; a hard one
(``p_t = 0.1``) keeps 81 %. So thousands of easy background examples no longer drown the few
hard ones. ``gamma = 0`` gives back the (alpha-weighted) cross-entropy exactly.

Two forms:

* :func:`sigmoid_focal_loss` — one independent binary decision per element (detection heads,
  multi-label). Logits ``x`` and targets ``y`` in [0, 1] share any shape ``(*)``;
  ``p = sigmoid(x)``, ``p_t = p y + (1 - p)(1 - y)``, ``alpha_t = alpha y + (1 - alpha)(1 - y)``.
  Computed from logits: ``-log p_t`` is the stable binary cross-entropy on logits and
  ``1 - p_t = sigmoid(x)(1 - y) + sigmoid(-x) y`` has no cancellation.
* :func:`focal_loss` — softmax over ``C`` classes, logits ``(B, C, d1, ...)`` (or ``(B, C)``,
  ``(C,)``), class targets ``(B, d1, ...)``; ``alpha`` is a per-class weight like
  ``cross_entropy``'s ``weight`` and ``'mean'`` divides by the summed ``alpha[y_i]`` of the
  targets that count, so ``gamma = 0`` is ``cross_entropy`` to the last bit of its semantics.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ...i18n import t
from ._loss_base import LossInputError, _check_reduction, _log_softmax, _reduce
from .activation import logsigmoid
from .class_losses import _check_class_target, _class_targets
from .loss import _check_binary_target, binary_cross_entropy_with_logits

__all__ = ["focal_loss", "sigmoid_focal_loss"]


def _check_gamma(gamma: float, name: str) -> None:
    if not isinstance(gamma, (int, float)) or isinstance(gamma, bool) or gamma < 0:
        raise LossInputError(t("library.loss.focal_gamma", name=name, gamma=gamma))


def _modulating_factor(one_minus_p_t: Tensor, gamma: float) -> Tensor:
    """``(1 - p_t)^gamma``. Where ``1 - p_t`` is exactly 0 (a sure, right prediction) the
    factor is 0 with gradient 0: for ``gamma < 1`` the power's own slope there is infinite,
    and ``inf * 0`` would put NaN into the gradient of a loss that is flat at that point."""
    zero = one_minus_p_t <= 0
    safe = torch.where(zero, torch.ones_like(one_minus_p_t), one_minus_p_t)
    return torch.where(zero, torch.zeros_like(one_minus_p_t), safe.pow(gamma))


def sigmoid_focal_loss(logits: Tensor, targets: Tensor, alpha: float | None = 0.25,
                       gamma: float = 2.0, reduction: str = "none") -> Tensor:
    """Binary focal loss on logits: ``l = -alpha_t (1 - p_t)^gamma log(p_t)``.

    logits, targets: the same shape ``(*)``; targets are floats (0./1., or soft labels in
    [0, 1]). ``alpha`` in [0, 1] weighs the positives (``1 - alpha`` the negatives);
    ``alpha=None`` or ``alpha < 0`` turns the weighting off. ``gamma = 0`` with no alpha is
    ``binary_cross_entropy_with_logits``. Returns ``(*)`` for ``'none'`` (the default, as in
    the detection code that made it known), else ``()``.

    >>> sigmoid_focal_loss(torch.tensor([0.0]), torch.tensor([1.0]))   # 0.25 * 0.5^2 * log 2
    tensor([0.0433])
    """
    _check_binary_target(logits, targets, "sigmoid_focal_loss")
    _check_gamma(gamma, "sigmoid_focal_loss")
    _check_reduction(reduction)
    if alpha is not None and alpha > 1:
        raise LossInputError(t("library.loss.focal_sigmoid_alpha", alpha=alpha))
    ce = binary_cross_entropy_with_logits(logits, targets, reduction="none")  # -log p_t  (*)
    loss = ce
    if gamma != 0:
        p = logsigmoid(logits).exp()                               # sigmoid(x)      (*)
        q = logsigmoid(-logits).exp()                              # 1 - sigmoid(x)  (*)
        one_minus_p_t = p * (1 - targets) + q * targets              # (*)
        loss = _modulating_factor(one_minus_p_t, gamma) * ce
    if alpha is not None and alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)      # (*)
        loss = alpha_t * loss
    return _reduce(loss, reduction)


def focal_loss(input: Tensor, target: Tensor, gamma: float = 2.0,
               alpha: Tensor | None = None, ignore_index: int = -100,
               reduction: str = "mean") -> Tensor:
    """Softmax focal loss: ``l_i = -alpha[y_i] (1 - p_{i,y_i})^gamma log p_{i,y_i}``.

    input: logits ``(B, C, d1, ...)``, ``(B, C)`` or ``(C,)``; target: int64 class indices
    ``(B, d1, ...)`` (``()`` for an unbatched input); alpha: per-class weights ``(C,)`` or
    None. Targets equal to ``ignore_index`` cost 0 and do not count. ``'mean'`` divides the
    sum by ``sum_i alpha[y_i]`` (the number of counted targets without alpha), as
    ``cross_entropy`` does with ``weight``; ``gamma = 0`` is exactly
    ``cross_entropy(input, target, weight=alpha, ignore_index=ignore_index)``.

    >>> focal_loss(torch.zeros(1, 2), torch.tensor([0]), gamma=2.0)   # 0.5^2 * log 2
    tensor(0.1733)
    """
    _check_gamma(gamma, "focal_loss")
    _check_reduction(reduction)
    _check_class_target(input, target)
    class_dim = 0 if input.dim() == 1 else 1
    n_classes = input.shape[class_dim]
    if alpha is not None and tuple(alpha.shape) != (n_classes,):
        raise LossInputError(t("library.loss.focal_alpha_shape", n=n_classes,
                                 shape=tuple(alpha.shape)))
    safe, w, _ = _class_targets(input, target, alpha, ignore_index)  # (B, d1, ...) each
    log_p = _log_softmax(input, class_dim)                           # (B, C, d1, ...)
    log_p_t = log_p.gather(class_dim, safe.unsqueeze(class_dim)).squeeze(class_dim)
    loss = -log_p_t                                                  # (B, d1, ...)
    if gamma != 0:
        # 1 - p_t = -expm1(log p_t): exact even when p_t is within 1e-16 of 1
        loss = _modulating_factor(-torch.expm1(log_p_t), gamma) * loss
    loss = w * loss                                                  # alpha[y_i], 0 if ignored
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce(loss, reduction)
