"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

With ``g`` the gradient (negated if ``maximize``), ``lambda`` the weight decay, ``mu`` the
momentum, ``tau`` the dampening and ``gamma`` the learning rate::

    g <- g + lambda * p                      (L2 penalty folded into the gradient)
    b <- g                    on the first step, else  b <- mu * b + (1 - tau) * g
    g <- g + mu * b           if nesterov,   else  g <- b
    p <- p - gamma * g

The buffer ``b`` is kept as ``state['momentum_buffer']`` (torch's key).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from torch import Tensor

from .optimizer import Optimizer, check_non_negative

__all__ = ["SGD"]


class SGD(Optimizer):
    """Mirror of ``torch.optim.SGD``.

    >>> import torch
    >>> p = torch.nn.Parameter(torch.tensor([1.0]))
    >>> opt = SGD([p], lr=0.1, momentum=0.9)
    >>> p.grad = torch.tensor([2.0]); opt.step()
    >>> p.grad = torch.tensor([2.0]); opt.step()     # b = 0.9 * 2 + 2 = 3.8
    >>> p.detach()
    tensor([0.4200])
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        check_non_negative(**{"learning rate": lr, "momentum": momentum,
                              "weight_decay": weight_decay})
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        g = -grad if group["maximize"] else grad
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])
        mu = group["momentum"]
        if mu != 0:
            b = state.get("momentum_buffer")
            if b is None:
                b = g.detach().clone()
                state["momentum_buffer"] = b
            else:
                b.mul_(mu).add_(g, alpha=1 - group["dampening"])
            g = g.add(b, alpha=mu) if group["nesterov"] else b
        p.add_(g, alpha=-group["lr"])
