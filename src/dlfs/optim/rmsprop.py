"""RMSprop: divide the gradient by a running root-mean-square of recent gradients.

With ``g`` the gradient (negated if ``maximize``, plus ``lambda * p`` for weight decay)::

    v <- alpha * v + (1 - alpha) * g^2                    state['square_avg']
    centered:  g_bar <- alpha * g_bar + (1 - alpha) * g   state['grad_avg']
               s = sqrt(v - g_bar^2) + eps                (a running standard deviation)
    else:      s = sqrt(v) + eps
    momentum:  b <- mu * b + g / s;  p <- p - gamma * b   state['momentum_buffer']
    else:      p <- p - gamma * g / s
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from .optimizer import Optimizer, check_non_negative, scalar_step

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Mirror of ``torch.optim.RMSprop``."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        check_non_negative(**{"learning rate": lr, "epsilon": eps, "momentum": momentum,
                              "weight_decay": weight_decay, "alpha": alpha})
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        if not state:
            state["step"] = scalar_step()
            state["square_avg"] = torch.zeros_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = torch.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = torch.zeros_like(p)
        alpha = group["alpha"]
        g = -grad if group["maximize"] else grad
        state["step"] += 1
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])
        v = state["square_avg"].mul_(alpha).addcmul_(g, g, value=1 - alpha)
        if group["centered"]:
            g_bar = state["grad_avg"].lerp_(g, 1 - alpha)
            s = v.addcmul(g_bar, g_bar, value=-1).sqrt_().add_(group["eps"])
        else:
            s = v.sqrt().add_(group["eps"])
        if group["momentum"] > 0:
            b = state["momentum_buffer"].mul_(group["momentum"]).addcdiv_(g, s)
            p.add_(b, alpha=-group["lr"])
        else:
            p.addcdiv_(g, s, value=-group["lr"])
