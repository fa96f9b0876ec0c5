"""The L2 penalty written out: the term that weight decay adds to a loss.

For weights ``w_1 … w_P`` (tensors of any shape) and a strength ``lambda``::

    penalty(w) = 1/2 * sum_p ||w_p||^2            (sum of squares of every element)
    grad_w  [lambda * penalty(w)] = lambda * w

so minimising ``loss + lambda * penalty`` with plain SGD gives the step
``w <- w - lr * (grad loss + lambda * w) = (1 - lr * lambda) * w - lr * grad loss``: each step
first shrinks ("decays") the weights by the factor ``1 - lr * lambda``. That is exactly what
``SGD(weight_decay=lambda)`` does. For Adam it is not: Adam divides the whole gradient,
penalty included, by its running RMS, so ``Adam(weight_decay=...)`` (the L2 term) and
``AdamW`` (the decay applied beside the adaptive step) differ — see the lessons
``weight-decay`` and ``adamw-vs-adam``.

Usually only weight matrices are penalised; biases and normalisation gains are left free
(pass the tensors you mean to penalise, e.g. ``[p for p in model.parameters() if p.dim() > 1]``).

>>> import torch
>>> w = torch.tensor([3.0, 4.0], requires_grad=True)
>>> penalty = l2_penalty([w])
>>> penalty.backward()
>>> penalty.item(), w.grad.tolist()
(12.5, [3.0, 4.0])
"""

from __future__ import annotations

from collections.abc import Iterable

from torch import Tensor

__all__ = ["l2_penalty"]


def l2_penalty(parameters: Iterable[Tensor]) -> Tensor:
    """``1/2 * sum_p ||w_p||^2`` over the given tensors: a scalar tensor in the graph.

    Args:
        parameters: the tensors to penalise (a generator such as ``model.parameters()``
            works too). At least one is needed; they must be floating point.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    params = list(parameters)
    if not params:
        raise ValueError("l2_penalty: got no tensors to penalise (an empty list or an "
                         "exhausted generator?)")
    for i, p in enumerate(params):
        if not isinstance(p, Tensor) or not p.is_floating_point():
            raise TypeError(f"l2_penalty: item {i} must be a floating-point tensor, got "
                            f"{getattr(p, 'dtype', type(p).__name__)}")
    total = (params[0] * params[0]).sum()
    for p in params[1:]:
        total = total + (p * p).sum()
    return total / 2
