"""The optimizer base class: torch's bookkeeping, our update rule.

``torch.optim.Optimizer`` already does the infrastructure a learner does not need to rewrite:
parameter groups (``add_param_group``), the per-parameter ``state`` dict, ``zero_grad``, hooks
and ``state_dict()`` / ``load_state_dict()``. What each algorithm *does* lives in one method,
:meth:`Optimizer.update`, written from tensor ops and called once per parameter with a gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

__all__ = ["Optimizer", "scalar_step"]


def scalar_step() -> Tensor:
    """A fresh step counter, stored as a 0-d tensor like torch does (so checkpoints match):
    float64 when the default dtype is float64, else float32."""
    dtype = torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32
    return torch.tensor(0.0, dtype=dtype)


class Optimizer(torch.optim.Optimizer):
    """Base class: subclasses define ``update(p, grad, state, group)``.

    ``step`` runs under ``torch.no_grad()``, skips parameters without a gradient, and returns
    the closure's loss when a closure is given (as torch's optimizers do).
    """

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                if p.grad.is_sparse:
                    raise RuntimeError(f"{type(self).__name__} does not support sparse gradients")
            if group.get("foreach") and params and self.update_group(params, group):
                continue
            for p in params:
                self.update(p, p.grad, self.state[p], group)
        return loss

    def update_group(self, params: list[Tensor], group: dict[str, Any]) -> bool:
        """Optionally, the same update for all of a group's ``params`` at once with torch's
        multi-tensor ops (``torch._foreach_*``: one call per operation for the whole list
        instead of one per tensor). Return False to fall back to :meth:`update` per tensor."""
        return False

    def update(self, p: Tensor, grad: Tensor, state: dict[str, Any],
               group: dict[str, Any]) -> None:
        """Change ``p`` in place from its gradient ``grad``; ``state`` persists between steps."""
        raise NotImplementedError


def check_non_negative(**values: float) -> None:
    """Raise ``ValueError`` naming the first negative hyper-parameter (torch's wording)."""
    for name, value in values.items():
        if value < 0.0:
            raise ValueError(f"Invalid {name} value: {value}")
