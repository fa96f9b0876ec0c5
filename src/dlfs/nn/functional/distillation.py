"""Knowledge distillation (Hinton, Vinyals & Dean, 2015): a small *student* learns from a big
*teacher*'s softened output distribution as well as from the labels.

With temperature ``T``, teacher logits ``t`` and student logits ``z`` (both ``(B, C)``)::

    p_T = softmax(t / T)                 the soft targets           (B, C)
    q_T = softmax(z / T)                 the student, equally soft  (B, C)
    L   = alpha * T^2 * KL(p_T || q_T) + (1 - alpha) * CE(z, y)

**Which KL.** ``KL(p_T || q_T) = sum_c p_T,c (log p_T,c - log q_T,c)``: the expectation is over
the *teacher*. It equals the cross-entropy with soft targets ``H(p_T, q_T) = -sum_c p_T,c log
q_T,c`` minus the teacher's entropy ``H(p_T)``, which does not depend on the student — so
minimising it is exactly Hinton's "cross-entropy with the soft targets", and its gradient is
``dKL/dz_c = (q_T,c - p_T,c) / T``. Weighting by ``p_T`` also makes the student spend
probability wherever the teacher does (the small probabilities of the wrong classes, the
"dark knowledge"); the reverse ``KL(q_T || p_T)`` would let it ignore them.

**Why T^2.** For large ``T``, ``q_T - p_T ~ ((z - mean z) - (t - mean t)) / (C T)``, so the
gradient above shrinks like ``1 / T^2``; multiplying by ``T^2`` keeps the soft term's
gradient on the same scale as the hard term's whatever ``T`` is, so ``alpha`` means the same
at every temperature.
"""

from __future__ import annotations

from torch import Tensor

from ...i18n import t
from ._loss_base import LossInputError, _reduce
from .activation import log_softmax
from .class_losses import cross_entropy
from .loss import kl_div

__all__ = ["distillation_loss"]


def _check_distillation_inputs(student_logits: Tensor, teacher_logits: Tensor, T: float,
                               alpha: float) -> None:
    if student_logits.dim() != 2:
        raise LossInputError(t("library.loss.distill_student", shape=tuple(student_logits.shape)))
    if teacher_logits.shape != student_logits.shape:
        raise LossInputError(t("library.loss.distill_teacher", teacher=tuple(teacher_logits.shape),
                                 student=tuple(student_logits.shape)))
    if isinstance(T, bool) or not isinstance(T, (int, float)) or not T > 0:
        raise LossInputError(t("library.loss.distill_temperature", T=T))
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 <= alpha <= 1:
        raise LossInputError(t("library.loss.distill_alpha", alpha=alpha))


def distillation_loss(student_logits: Tensor, teacher_logits: Tensor, target: Tensor | None,
                      T: float = 4.0, alpha: float = 0.9, reduction: str = "mean") -> Tensor:
    """``alpha * T^2 * KL(softmax(t/T) || softmax(z/T)) + (1 - alpha) * CE(z, y)`` per sample.

    student_logits ``z``, teacher_logits ``t``: ``(B, C)``; target ``y``: class indices
    ``(B,)`` int64 or class probabilities ``(B, C)`` (may be None when ``alpha == 1``).
    Returns ``()`` for ``'mean'`` (over the batch) and ``'sum'``, ``(B,)`` for ``'none'``.

    The teacher is *not* detached here: compute its logits under ``torch.no_grad()`` for a
    frozen teacher (gradients then reach the student only), or leave them attached for mutual
    learning.

    >>> import torch
    >>> z = torch.tensor([[2.0, 0.0, -1.0]])
    >>> distillation_loss(z, z, torch.tensor([0]), T=2.0, alpha=1.0)   # same logits: KL = 0
    tensor(0.)
    """
    _check_distillation_inputs(student_logits, teacher_logits, T, alpha)
    log_q = log_softmax(student_logits / T, dim=1)                   # (B, C) log q_T
    log_p = log_softmax(teacher_logits / T, dim=1)                   # (B, C) log p_T
    kl = kl_div(log_q, log_p, reduction="none", log_target=True).sum(1)   # (B,) KL(p_T || q_T)
    loss = alpha * T * T * kl                                        # (B,)
    if alpha < 1:
        if target is None:
            raise LossInputError(t("library.loss.distill_target", weight=1 - alpha))
        loss = loss + (1 - alpha) * cross_entropy(student_logits, target, reduction="none")
    return _reduce(loss, reduction)
