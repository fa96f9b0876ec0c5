"""Learning-rate schedules, mirroring ``torch.optim.lr_scheduler``.

The bookkeeping (``base_lrs``, ``last_epoch``, ``step()``, ``get_last_lr()``, ``state_dict()``)
comes from ``torch.optim.lr_scheduler.LRScheduler``; each class here writes its schedule.
Like torch, ``get_lr`` is the *chainable* form: it computes the next rate from the current
``group['lr']`` (so two schedulers can act on one optimizer), and ``_get_closed_form_lr``
gives the same value directly from ``base_lr`` and the epoch ``t = last_epoch``:

=====================  ===========================================================
StepLR                 ``base * gamma ** (t // step_size)``
MultiStepLR            ``base * gamma ** (number of milestones <= t)``
ExponentialLR          ``base * gamma ** t``
CosineAnnealingLR      ``eta_min + (base - eta_min) * (1 + cos(pi t / T_max)) / 2``
LinearLR               ``base * (s + (e - s) * min(t, total_iters) / total_iters)``
LambdaLR               ``base * lr_lambda(t)``
OneCycleLR             warm up to ``max_lr``, anneal to ``max_lr / div / final_div``
=====================  ===========================================================

>>> import torch
>>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for _ in range(5):
...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
>>> lrs
[1.0, 1.0, 0.5, 0.5, 0.25]
"""

from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from torch.optim import Optimizer
from torch.optim import lr_scheduler as _torch_sched
from torch.optim.lr_scheduler import LRScheduler

from .onecycle import OneCycleLR
from .plateau import ReduceLROnPlateau

__all__ = [
    "CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR",
    "MultiStepLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "StepLR",
    "warmup_constant_factor", "warmup_cosine_factor",
]


def _current(optimizer: Optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t == 0 or t % self.step_size != 0:
            return _current(self.optimizer)
        return [lr * self.gamma for lr in _current(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone epoch (twice if listed twice)."""

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        hits = self.milestones.get(self.last_epoch, 0)
        if hits == 0:
            return _current(self.optimizer)
        return [lr * self.gamma**hits for lr in _current(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [base * self.gamma**passed for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return _current(self.optimizer)
        return [lr * self.gamma for lr in _current(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from ``base_lr`` down to ``eta_min`` over ``T_max`` epochs (and back up
    after, since the cosine keeps going).

    Chainable form: ``lr_t - eta_min = (lr_{t-1} - eta_min) * (1 + cos(pi t / T)) /
    (1 + cos(pi (t - 1) / T))``, the ratio of consecutive closed-form values.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return _current(self.optimizer)
        if self._step_count == 1 and t > 0:          # resumed mid-schedule: use the formula
            return self._get_closed_form_lr()
        if (t - 1 - T) % (2 * T) == 0:               # leaving the trough: the ratio is 0/0
            rise = (1 - math.cos(math.pi / T)) / 2
            return [lr + (base - eta_min) * rise
                    for lr, base in zip(_current(self.optimizer), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in _current(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        cos_t = math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * (1 + cos_t) / 2 for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the rate by a factor moving linearly from ``start_factor`` to ``end_factor``
    over ``total_iters`` epochs (a warm-up when ``start_factor < end_factor``)."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0 < start_factor <= 1:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 "
                             "and less or equal to 1.")
        if not 0 <= end_factor <= 1:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, s, e, n = self.last_epoch, self.start_factor, self.end_factor, self.total_iters
        if t == 0:
            return [lr * s for lr in _current(self.optimizer)]
        if self._is_initial or t > n:
            return _current(self.optimizer)
        # factor_t / factor_{t-1} with factor_t = s + (e - s) t / n
        ratio = 1.0 + (e - s) / (n * s + (t - 1) * (e - s))
        return [lr * ratio for lr in _current(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        s, e, n = self.start_factor, self.end_factor, self.total_iters
        factor = s + (e - s) * min(n, self.last_epoch) / n
        return [base * factor for base in self.base_lrs]


def warmup_constant_factor(warmup_steps: int) -> Callable[[int], float]:
    """A ``LambdaLR`` multiplier (not in torch): (s + 1) / warmup for s < warmup, then 1. It
    does not depend on the run's length, so a resumed run with a larger ``max_steps`` follows
    the rates an uninterrupted longer run would have. ``warmup_steps = 0``: always 1.

    >>> f = warmup_constant_factor(4)
    >>> [f(s) for s in (0, 3, 4, 100)], warmup_constant_factor(0)(0)
    ([0.25, 1.0, 1.0, 1.0], 1.0)
    """
    def factor(step: int) -> float:
        return min(1.0, (step + 1) / warmup_steps) if warmup_steps else 1.0
    return factor


def warmup_cosine_factor(warmup_steps: int, max_steps: int,
                         floor: float = 0.1) -> Callable[[int], float]:
    """A ``LambdaLR`` multiplier (not in torch): (s + 1) / warmup for s < warmup, then a cosine
    from 1 down to ``floor`` at ``max_steps`` (and ``floor`` after it).

    >>> f = warmup_cosine_factor(4, 10)
    >>> [round(f(s), 3) for s in (0, 3, 4, 10)]
    [0.25, 1.0, 1.0, 0.1]
    """
    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
        return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


class LambdaLR(LRScheduler):
    """``lr = base_lr * lr_lambda(epoch)``, one function for all groups or one per group.

    Plain functions and lambdas are not saved in ``state_dict()`` (only callable objects'
    attributes are), as in torch.
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * f(self.last_epoch) for f, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else f.__dict__.copy()
                               for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        lambdas = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for f, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                f.__dict__.update(saved)



def _undo_initial_step(schedulers: Sequence[Any]) -> None:
    """Step back every scheduler (recursing into composite ones) by the step its
    construction took."""
    for s in schedulers:
        if hasattr(s, "_schedulers"):
            _undo_initial_step(s._schedulers)
        else:
            s.last_epoch -= 1


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` between ``milestones[i-1]`` and ``milestones[i]``; e.g. a
    LinearLR warm-up for 5 epochs, then CosineAnnealingLR: ``milestones=[5]``.

    Each scheduler starts from its own epoch 0 when its turn comes (torch's behaviour).
    """

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        if not schedulers:
            raise ValueError("SequentialLR expects at least one scheduler")
        for i, s in enumerate(schedulers):
            plateau = (ReduceLROnPlateau, _torch_sched.ReduceLROnPlateau)
            if isinstance(s, plateau) or not hasattr(s, "optimizer"):
                raise ValueError(f"SequentialLR cannot run scheduler {i} ({type(s).__name__})")
            if s.optimizer is not optimizer:
                raise ValueError(f"scheduler {i} ({type(s).__name__}) drives another optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR needs len(schedulers) - 1 = {len(schedulers) - 1} "
                             f"milestones, got {len(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # Building each scheduler already took one step: undo them, then start the first.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        _undo_initial_step(self._schedulers)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            scheduler._update_lr(0)                  # its epoch 0, by the closed form
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)
