"""Two ``torch.autograd.Function`` classes whose backward is written by hand — the pattern of the
autograd series' part 07:

* :class:`ReLUFunction`: the backward is the true derivative, ``g · [x > 0]`` (0 at the kink,
  as torch);
* :class:`RoundSTE`: the forward rounds to ``levels`` steps per unit on [-1, 1], whose true
  derivative is 0 almost everywhere; the backward is the *straight-through* surrogate
  ``g · [|x| <= 1]``, so what sits upstream of a quantizer can still learn.

>>> x = torch.tensor([-1.5, -0.3, 0.0, 0.4, 2.0], requires_grad=True)
>>> round_ste(x, 4).tolist()
[-1.0, -0.25, 0.0, 0.5, 1.0]
>>> round_ste(x, 4).sum().backward(); x.grad.tolist()
[0.0, 1.0, 1.0, 1.0, 0.0]
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["ReLUFunction", "RoundSTE", "round_ste"]


class ReLUFunction(torch.autograd.Function):
    """y = max(x, 0); dL/dx = dL/dy · [x > 0]. Any shape, elementwise."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        positive = x > 0
        ctx.save_for_backward(positive)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_y: Tensor) -> Tensor:
        (positive,) = ctx.saved_tensors
        return grad_y * positive


class RoundSTE(torch.autograd.Function):
    """y = round(clamp(x, -1, 1) · levels) / levels; dL/dx = dL/dy · ``[|x| <= 1]`` (the
    straight-through estimator, passing gradients only inside the clipping range)."""

    @staticmethod
    def forward(ctx, x: Tensor, levels: int) -> Tensor:
        ctx.save_for_backward(x)
        return torch.round(x.clamp(-1.0, 1.0) * levels) / levels

    @staticmethod
    def backward(ctx, grad_y: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad_y * (x.abs() <= 1), None     # `levels` is an int: no gradient


def round_ste(x: Tensor, levels: int) -> Tensor:
    """Quantize ``x`` to ``levels`` steps per unit on [-1, 1] with a straight-through
    gradient (:class:`RoundSTE`)."""
    if levels < 1:
        raise ValueError(f"round_ste: levels must be >= 1, got {levels}")
    return RoundSTE.apply(x, levels)
