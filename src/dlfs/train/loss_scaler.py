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
    scaler.unscale_(optimizer)      # optional: divide the grads by S now (to clip them)
    scaler.step(optimizer)          # unscale; optimizer.step() only if all grads are finite
    scaler.update()                 # adjust S

``fit(amp="fp16")`` on the CPU uses this class (:func:`dlfs.train.make_grad_scaler`; on CUDA
torch's GradScaler, which avoids a device sync per step). Its scale trajectory and skipped
steps equal ``torch.amp.GradScaler("cpu")``'s on the same run (tests/train/test_loss_scaler.py
and the workbench's checker).
"""

from __future__ import annotations

import struct
from typing import Any

import torch
from torch import Tensor

__all__ = ["LossScaler", "update_scale"]

_FLOAT32_MAX = torch.finfo(torch.float32).max  # torch keeps S in a float32 tensor


def _f32(x: float) -> float:
    """``x`` rounded to the nearest float32 (as torch's float32 scale tensor holds it)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def update_scale(scale: float, good_steps: int, found_inf: bool, growth_factor: float,
                 backoff_factor: float, growth_interval: int) -> tuple[float, int]:
    """One update of the dynamic loss scale: the new (S, count of good steps in a row).

    After an overflow: ``(S * backoff_factor, 0)``. After a good step the count grows by one;
    when it reaches ``growth_interval``: ``(S * growth_factor, 0)`` — unless that would
    overflow float32, then ``(S, 0)``. The products are rounded to float32, as in torch's
    ``_amp_update_scale_``.

    >>> update_scale(8.0, 0, True, 2.0, 0.5, 3), update_scale(8.0, 2, False, 2.0, 0.5, 3)
    ((4.0, 0), (16.0, 0))
    """
    if found_inf:
        return _f32(scale * _f32(backoff_factor)), 0
    good_steps += 1
    if good_steps < growth_interval:
        return scale, good_steps
    grown = scale * _f32(growth_factor)
    return (_f32(grown) if grown <= _FLOAT32_MAX else scale), 0


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
        self._scale = _f32(float(init_scale))
        self.growth_factor, self.backoff_factor = growth_factor, backoff_factor
        self.growth_interval = growth_interval
        if not self._scale > 0 or growth_factor <= 1 or not 0 < backoff_factor < 1 \
                or not isinstance(growth_interval, int) or growth_interval < 1:
            raise ValueError(f"LossScaler: need init_scale > 0, growth_factor > 1, "
                             f"0 < backoff_factor < 1 and an int growth_interval >= 1; got "
                             f"{init_scale}, {growth_factor}, {backoff_factor}, "
                             f"{growth_interval!r}")
        self._good_steps = 0          # finite steps since the last change of the scale
        self._found_inf = False       # what the last step() saw, for update()
        self._unscaled = False        # unscale_() already divided this step's gradients

    def get_scale(self) -> float:
        """The current scale S."""
        return self._scale

    def scale(self, loss: Tensor) -> Tensor:
        """``loss * S`` (any shape); call ``.backward()`` on it."""
        return loss * self._scale

    def unscale_(self, optimizer: Any) -> bool:
        """Divide the ``.grad`` of every parameter in ``optimizer.param_groups`` by S in
        place (once per step: call it before clipping) and remember whether any is inf/NaN.
        Returns True when all are finite."""
        if self._unscaled:
            raise RuntimeError("LossScaler.unscale_: already called since the last update(); "
                               "the gradients are divided by S once per step")
        finite = True
        with torch.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        p.grad.mul_(1.0 / self._scale)   # as torch: times the reciprocal
                        finite = finite and bool(torch.isfinite(p.grad).all())
        self._found_inf, self._unscaled = not finite, True
        return finite

    def step(self, optimizer: Any) -> bool:
        """Unscale the gradients (unless :meth:`unscale_` already did); call
        ``optimizer.step()`` only if all of them are finite. Returns whether it stepped."""
        if not self._unscaled:
            self.unscale_(optimizer)
        if not self._found_inf:
            optimizer.step()
        return not self._found_inf

    @property
    def last_step_skipped(self) -> bool:
        """Whether the last :meth:`step` found inf/NaN gradients and skipped the update."""
        return self._found_inf

    def update(self) -> None:
        """After ``step``: lower S if it skipped, else count the good step and raise S
        when the count reaches ``growth_interval`` (the count restarts after either; S is
        not raised past float32's largest value, as in torch)."""
        self._unscaled = False
        self._scale, self._good_steps = update_scale(
            self._scale, self._good_steps, self._found_inf, self.growth_factor,
            self.backoff_factor, self.growth_interval)

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
