"""The 1cycle policy: warm the learning rate up to ``max_lr``, then anneal it far below the
start, while momentum moves the opposite way.

With ``T = total_steps``, ``lr_0 = max_lr / div_factor`` and
``lr_min = lr_0 / final_div_factor``, the phases (ending at the step shown) are::

    two phases:    lr_0 -> max_lr   (pct_start * T - 1),   max_lr -> lr_min (T - 1)
    three phases:  lr_0 -> max_lr   (pct_start * T - 1),   max_lr -> lr_0   (2 pct_start T - 2),
                   lr_0 -> lr_min   (T - 1)

Within a phase running from step ``a`` to ``b`` with ``x = (t - a) / (b - a)``:
``cos``: ``end + (start - end) * (1 + cos(pi x)) / 2``; ``linear``: ``start + (end - start) x``.
Momentum (or Adam's beta1) runs ``max_momentum -> base_momentum -> max_momentum``.
"""

from __future__ import annotations

import math
from typing import Any

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler

__all__ = ["OneCycleLR"]


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have one value per param group "
                             f"({len(optimizer.param_groups)}), got {len(value)}")
        return list(value)
    return [value] * len(optimizer.param_groups)


class OneCycleLR(LRScheduler):
    """Mirror of ``torch.optim.lr_scheduler.OneCycleLR``; call ``step()`` after every batch."""

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("You must define either total_steps OR "
                                 "(epochs AND steps_per_epoch)")
            total_steps = epochs * steps_per_epoch
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy}")
        self.optimizer = optimizer
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        self.phases = self._phases(pct_start, total_steps, three_phase)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, _per_group("max_lr", optimizer, max_lr)):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._init_momentum(optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _phases(pct: float, T: int, three_phase: bool) -> list[tuple[float, str, str, str, str]]:
        """(end_step, start_lr key, end_lr key, start_momentum key, end_momentum key)."""
        up = (float(pct * T) - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum")
        if not three_phase:
            return [up, (T - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        return [up, (float(2 * pct * T) - 2, "max_lr", "initial_lr", "base_momentum",
                     "max_momentum"),
                (T - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]

    def _init_momentum(self, optimizer: Optimizer, base: Any, peak: Any, last_epoch: int) -> None:
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                             "option enabled")
        self.use_beta1 = "betas" in optimizer.defaults
        if last_epoch != -1:
            return
        pairs = zip(optimizer.param_groups, _per_group("base_momentum", optimizer, base),
                    _per_group("max_momentum", optimizer, peak))
        for group, b, m in pairs:
            self._set_momentum(group, m)
            group["max_momentum"], group["base_momentum"] = m, b

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, x: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * x) + 1)
        return (end - start) * x + start

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps "
                             f"is {self.total_steps}")
        (_, lr0, lr1, m0, m1), x = self._phase_at(t)
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(self._anneal(group[lr0], group[lr1], x))
            if self.cycle_momentum:
                self._set_momentum(group, self._anneal(group[m0], group[m1], x))
        return lrs

    def _phase_at(self, t: int) -> tuple[tuple[float, str, str, str, str], float]:
        """The phase that step ``t`` falls in and the fraction ``x`` of it already done."""
        a = 0.0
        for i, phase in enumerate(self.phases):
            b = phase[0]
            if t <= b or i == len(self.phases) - 1:
                return phase, (t - a) / (b - a)
            a = b
        raise AssertionError("unreachable: the last phase always matches")
