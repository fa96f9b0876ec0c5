"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients.

With ``g`` the gradient (negated if ``maximize``, plus ``lambda * p`` for weight decay) and
step count ``t``::

    gamma_t = gamma / (1 + (t - 1) * lr_decay)
    s <- s + g^2                         state['sum'], starts at initial_accumulator_value
    p <- p - gamma_t * g / (sqrt(s) + eps)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from .optimizer import Optimizer, check_non_negative, scalar_step

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Mirror of ``torch.optim.Adagrad``; its state exists from construction, like torch's."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_non_negative(**{"learning rate": lr, "lr_decay": lr_decay,
                              "weight_decay": weight_decay, "epsilon": eps,
                              "initial_accumulator_value": initial_accumulator_value})
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p], group)

    @staticmethod
    def _init_state(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = scalar_step()
        state["sum"] = torch.full_like(p, group["initial_accumulator_value"])

    def update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        if not state:                                # a group added after construction
            self._init_state(p, state, group)
        g = -grad if group["maximize"] else grad
        state["step"] += 1
        t = state["step"].item()
        if group["weight_decay"] != 0:
            g = g.add(p, alpha=group["weight_decay"])
        lr_t = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"].addcmul_(g, g, value=1)
        p.addcdiv_(g, s.sqrt().add_(group["eps"]), value=-lr_t)
