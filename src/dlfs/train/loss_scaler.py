"""Dynamic loss scaling for float16 training, from scratch: what ``torch.amp.GradScaler``
does, in a few lines of tensor code.

float16 cannot hold gradients below ~6e-8 (they underflow to zero), so the loss is multiplied
by a large scale S before ``backward``: every gradient is then S times larger and stays
representable. Before the optimizer step the gradients are divided by S again. If S was too
large, some gradient overflowed to inf (or became NaN): that step is skipped and S is lowered;
after ``growth_interval`` good steps in a row S is raised again, so it hovers just below the
largest value that does not overflow::

    scaler = LossScaler()
    scaler.scale(loss).backward()
    scaler.step(optimizer)          # unscale; optimizer.step() only if all grads are finite
    scaler.update()                 # adjust S

``fit`` uses torch's own GradScaler (:func:`dlfs.train.make_grad_scaler`); this class is the
same algorithm written out, proven equal to it step for step by the workbench's checker.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

__all__ = ["LossScaler"]


class LossScaler:
    """Dynamic loss scaling, as ``torch.amp.GradScaler``: multiply the loss by S before
    backward, divide the gradients by S before the step, skip steps whose gradients hold
    inf/NaN and then lower S, raise S after ``growth_interval`` good steps in a row.

    Args:
        init_scale: the first S.
        growth_factor: S is multiplied by it after ``growth_interval`` good steps in a row.
        backoff_factor: S is multiplied by it after a skipped step.
        growth_interval: how many good steps in a row raise S.
    """

    def __init__(self, init_scale: float = 2.0**16, growth_factor: float = 2.0,
                 backoff_factor: float = 0.5, growth_interval: int = 2000):
        self._scale = float(init_scale)
        self.growth_factor, self.backoff_factor = growth_factor, backoff_factor
        self.growth_interval = growth_interval
        self._good_steps = 0          # finite steps since the last change of the scale
        self._found_inf = False       # what the last step() saw, for update()

    def get_scale(self) -> float:
        """The current scale S."""
        return self._scale

    def scale(self, loss: Tensor) -> Tensor:
        """``loss * S`` (any shape); call ``.backward()`` on it."""
        return loss * self._scale

    def step(self, optimizer: Any) -> bool:
        """Divide the ``.grad`` of every parameter in ``optimizer.param_groups`` by S in
        place; call ``optimizer.step()`` only if all of them are finite. Returns whether it
        stepped."""
        finite = True
        with torch.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.grad.mul_(1.0 / self._scale)   # as torch: times the reciprocal
                        finite = finite and bool(torch.isfinite(p.grad).all())
        self._found_inf = not finite
        if finite:
            optimizer.step()
        return finite

    def update(self) -> None:
        """After ``step``: lower S if it skipped, else count the good step and raise S
        when the count reaches ``growth_interval`` (the count restarts after either)."""
        if self._found_inf:
            self._scale *= self.backoff_factor
            self._good_steps = 0
            return
        self._good_steps += 1
        if self._good_steps == self.growth_interval:
            self._scale *= self.growth_factor
            self._good_steps = 0

    def state_dict(self) -> dict[str, Any]:
        """The scale and the count of good steps, for a checkpoint."""
        return {"scale": self._scale, "growth_factor": self.growth_factor,
                "backoff_factor": self.backoff_factor,
                "growth_interval": self.growth_interval, "good_steps": self._good_steps}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Put back what :meth:`state_dict` returned."""
        self._scale = float(state["scale"])
        self.growth_factor, self.backoff_factor = state["growth_factor"], state["backoff_factor"]
        self.growth_interval, self._good_steps = state["growth_interval"], state["good_steps"]
