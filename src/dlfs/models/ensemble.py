"""An ensemble of classifiers that averages their logits.

``M`` models trained independently (different seeds: initialisation and data order) make
partly different mistakes; averaging their outputs cancels some of them. For logits
``z^(m)(x)`` of shape ``(B, K)``::

    z_bar(x) = 1/M * sum_m z^(m)(x)                                 (B, K)

The members keep their own modes: ``ensemble.eval()`` puts every member in eval mode
(dropout off), as for any ``nn.Module`` holding others.

Averaging *probabilities* instead, ``p_bar = 1/M * sum_m softmax(z^(m))``, has a guarantee
that logit averaging lacks: by Jensen's inequality (``-log`` is convex) its negative
log-likelihood is never above the members' mean NLL. :meth:`Ensemble.member_logits` returns
the stacked ``(M, B, K)`` logits for either rule; the lesson ``model-ensembling`` measures both.

>>> import torch
>>> a, b = torch.nn.Linear(3, 2), torch.nn.Linear(3, 2)
>>> x = torch.randn(4, 3)
>>> torch.allclose(Ensemble([a, b])(x), (a(x) + b(x)) / 2)
True
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import Tensor, nn

__all__ = ["Ensemble"]


class Ensemble(nn.Module):
    """The mean of the members' outputs: ``forward(x) = mean_m members[m](x)``.

    Args:
        members: the trained models (at least one); each maps the same input to outputs of
            the same shape, e.g. logits ``(B, K)``.
    """

    def __init__(self, members: Iterable[nn.Module]):
        super().__init__()
        members = list(members)
        if not members:
            raise ValueError("Ensemble: needs at least one member model, got none")
        for i, m in enumerate(members):
            if not isinstance(m, nn.Module):
                raise TypeError(f"Ensemble: member {i} must be an nn.Module, got "
                                f"{type(m).__name__}")
        self.members = nn.ModuleList(members)

    def member_logits(self, x: Tensor) -> Tensor:
        """Every member's output, stacked: ``(M, B, K)`` for ``(B, K)`` logits."""
        outputs = [m(x) for m in self.members]
        shapes = {tuple(o.shape) for o in outputs}
        if len(shapes) != 1:
            raise ValueError(f"Ensemble: the members' outputs differ in shape: "
                             f"{[tuple(o.shape) for o in outputs]}")
        return torch.stack(outputs)                                  # (M, B, K)

    def forward(self, x: Tensor) -> Tensor:
        return self.member_logits(x).mean(dim=0)                     # (B, K)
