"""Gradient utilities of ``torch.nn.utils``, written from tensor operations:
``clip_grad_norm_`` (rescale all gradients together so their global norm is at most a bound).

>>> p = torch.nn.Parameter(torch.zeros(2)); p.grad = torch.tensor([3.0, 4.0])
>>> clip_grad_norm_([p], max_norm=1.0)
tensor(5.)
>>> p.grad
tensor([0.6000, 0.8000])
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import Tensor

__all__ = ["clip_grad_norm_"]


def _vector_norm(t: Tensor, norm_type: float) -> Tensor:
    """The p-norm of all elements of ``t`` (any shape) as one vector, a 0-d tensor."""
    if norm_type == math.inf:
        return t.abs().amax()
    if norm_type == 2.0:
        return t.pow(2).sum().sqrt()
    return t.abs().pow(norm_type).sum().pow(1.0 / norm_type)


@torch.no_grad()
def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients of ``parameters`` in place, all by one factor, so that their
    global ``norm_type``-norm is at most ``max_norm``; return the norm before clipping.

    The gradients count as one long vector: its norm N is the norm of the per-tensor norms.
    Each ``.grad`` is multiplied by ``min(1, max_norm / (N + 1e-6))`` (the 1e-6, as in
    torch, avoids dividing by zero; below ``max_norm`` nothing changes). Parameters whose
    ``.grad`` is None are skipped. As ``torch.nn.utils.clip_grad_norm_``.

    Args:
        parameters: a tensor or an iterable of tensors (a generator such as
            ``model.parameters()`` is read once).
        max_norm: the largest norm allowed.
        norm_type: p of the p-norm; ``math.inf`` for the largest absolute value.
        error_if_nonfinite: raise RuntimeError if N is NaN or inf (else the gradients are
            scaled by a NaN factor, as torch does).

    Returns:
        N, a 0-d tensor (``torch.tensor(0.0)`` when no parameter has a gradient).
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norm_type = float(norm_type)
    device = grads[0].device
    per_tensor = torch.stack([_vector_norm(g, norm_type).to(device) for g in grads])
    total = _vector_norm(per_tensor, norm_type)
    if error_if_nonfinite and not bool(torch.isfinite(total)):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is "
                           f"{float(total)}, so they cannot be clipped; set "
                           "error_if_nonfinite=False to scale them anyway")
    coef = (max_norm / (total + 1e-6)).clamp(max=1.0)   # 1.0: below max_norm nothing changes
    for g in grads:
        g.mul_(coef.to(g.device))
    return total
