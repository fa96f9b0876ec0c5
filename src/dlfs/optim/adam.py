"""Adam and AdamW: per-coordinate step sizes from running moments of the gradient.

With ``g`` the gradient (negated if ``maximize``), step count ``t``, learning rate ``gamma``
and weight decay ``lambda``::

    Adam  (L2):        g <- g + lambda * p
    AdamW (decoupled): p <- p * (1 - gamma * lambda)
    m <- beta1 * m + (1 - beta1) * g                 first moment   state['exp_avg']
    v <- beta2 * v + (1 - beta2) * g^2               second moment  state['exp_avg_sq']
    v_max <- max(v_max, v)       if amsgrad           state['max_exp_avg_sq']
    p <- p - gamma / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)

where ``v_hat`` is ``v`` (or ``v_max`` with amsgrad). The only difference between the two is
where the decay enters: Adam's L2 term passes through the ``1/sqrt(v)`` scaling (parameters
with large gradients are barely decayed), AdamW shrinks every weight by the same factor.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor

from .optimizer import Optimizer, check_non_negative, scalar_step

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Mirror of ``torch.optim.Adam`` (``decoupled_weight_decay=True`` makes it AdamW).

    >>> p = torch.nn.Parameter(torch.tensor([1.0, -1.0]))
    >>> opt = Adam([p], lr=0.1)
    >>> p.grad = torch.tensor([3.0, -0.01]); opt.step()
    >>> p.detach()          # the first step moves every coordinate by about lr
    tensor([ 0.9000, -0.9000])
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False, foreach: bool | None = None) -> None:
        check_non_negative(**{"learning rate": lr, "epsilon": eps,
                              "weight_decay": weight_decay})
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay, "foreach": foreach}
        super().__init__(params, defaults)

    @staticmethod
    def update_init(p: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        """A parameter's state before its first step: zero moments and step count."""
        state["step"] = scalar_step()
        state["exp_avg"] = torch.zeros_like(p)
        state["exp_avg_sq"] = torch.zeros_like(p)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = torch.zeros_like(p)

    def update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        if not state:
            self.update_init(p, state, group)
        lr, (beta1, beta2), lam = group["lr"], group["betas"], group["weight_decay"]
        g = -grad if group["maximize"] else grad
        state["step"] += 1
        t = state["step"].item()
        if lam != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * lam)
            else:
                g = g.add(p, alpha=lam)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m.lerp_(g, 1 - beta1)                        # m + (1 - beta1) (g - m)
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        if group["amsgrad"]:
            v = torch.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        step_size = lr / (1 - beta1**t)
        denom = (v.sqrt() / (1 - beta2**t) ** 0.5).add_(group["eps"])
        p.addcdiv_(m, denom, value=-step_size)

    def update_group(self, params: list[Tensor], group: dict[str, Any]) -> bool:
        """:meth:`update` for the whole group with ``torch._foreach_*`` ops (``foreach=True``):
        the same operations in the same order, so the same numbers, with one call per
        operation instead of one per parameter (the capstone GPT has 48 tensors)."""
        states = [self.state[p] for p in params]
        if any(not s for s in states) and not all(not s for s in states):
            return False                       # some new, some not: per tensor
        for p, s in zip(params, states):
            if not s:
                self.update_init(p, s, group)
        steps = [s["step"] for s in states]
        counts = torch.stack(steps)
        if not bool((counts == counts[0]).all()):  # steps differ (a parameter joined late)
            return False
        torch._foreach_add_(steps, 1)
        t = steps[0].item()
        lr, (beta1, beta2), lam = group["lr"], group["betas"], group["weight_decay"]
        grads = [p.grad for p in params]
        if group["maximize"]:
            grads = torch._foreach_neg(grads)
        if lam != 0:
            if group["decoupled_weight_decay"]:
                torch._foreach_mul_(params, 1 - lr * lam)
            else:
                grads = torch._foreach_add(grads, params, alpha=lam)
        m = [s["exp_avg"] for s in states]
        v = [s["exp_avg_sq"] for s in states]
        torch._foreach_lerp_(m, grads, 1 - beta1)
        torch._foreach_mul_(v, beta2)
        torch._foreach_addcmul_(v, grads, grads, value=1 - beta2)
        if group["amsgrad"]:
            v_max = [s["max_exp_avg_sq"] for s in states]
            torch._foreach_maximum_(v_max, v)
            v = v_max
        denom = torch._foreach_sqrt(v)
        torch._foreach_div_(denom, (1 - beta2**t) ** 0.5)
        torch._foreach_add_(denom, group["eps"])
        torch._foreach_addcdiv_(params, m, denom, value=-lr / (1 - beta1**t))
        return True


class AdamW(Adam):
    """Mirror of ``torch.optim.AdamW``: Adam with decoupled weight decay (default 1e-2)."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, foreach=foreach)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
            group.setdefault("foreach", None)          # a state saved before the option
