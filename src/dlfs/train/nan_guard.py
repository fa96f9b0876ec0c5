"""The NaN/Inf guard: stop at the first non-finite loss or gradient and name where it began.

Forward hooks on every submodule note the first module (in execution order) whose output
contains NaN or ±Inf; a gradient hook on each module output notes the first module (in
backward order) whose output gradient went non-finite. When the loss or a parameter gradient
is non-finite, the guard raises :class:`NonFiniteError` *before* the optimizer step, so the
weights and the newest checkpoint stay the last good ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..errors import DlfsError
from .callbacks import Callback

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["NaNGuard", "NonFiniteError", "first_nonfinite_param"]


class NonFiniteError(DlfsError, FloatingPointError):
    """Training met NaN/Inf. ``kind`` is ``"loss"`` or ``"gradient"``; ``module`` names the
    first module whose output (or output gradient) was non-finite, if one was found."""

    def __init__(self, kind: str, step: int, epoch: int, module: str | None, detail: str):
        self.kind, self.step, self.epoch, self.module = kind, step, epoch, module
        where = f"module {module}" if module else "no module output (look at the loss / data)"
        super().__init__(f"non-finite {kind} at step {step} (epoch {epoch}): first seen in "
                         f"{where}; {detail}. Training stopped before the optimizer step; "
                         "the last checkpoint is untouched.")


def _tensors(obj: Any) -> Iterator[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors(item)


def _finite(t: torch.Tensor) -> bool:
    return not t.is_floating_point() or bool(torch.isfinite(t).all())


def first_nonfinite_param(model: nn.Module) -> str | None:
    """Name of the first parameter whose ``.grad`` has NaN/Inf, or None."""
    for name, p in model.named_parameters():
        if p.grad is not None and not _finite(p.grad):
            return name
    return None


class NaNGuard(Callback):
    """Raise :class:`NonFiniteError` on the first non-finite loss or gradient.

    ``check_grads=False`` checks only the loss (gradient checks are skipped anyway while a
    float16 GradScaler is active: it handles overflowing steps by skipping them).
    """

    def __init__(self, check_grads: bool = True):
        self.check_grads = check_grads
        self._handles: list[Any] = []
        self.bad_output: str | None = None
        self.bad_grad: str | None = None

    def _label(self, name: str, module: nn.Module) -> str:
        return f"'{name or '<model>'}' ({type(module).__name__})"

    def _forward_hook(self, name: str):
        def hook(module: nn.Module, inputs: Any, output: Any) -> None:
            for t in _tensors(output):
                if self.bad_output is None and not _finite(t):
                    self.bad_output = self._label(name, module)
                if t.requires_grad and torch.is_grad_enabled():
                    t.register_hook(self._grad_hook(self._label(name, module)))
        return hook

    def _grad_hook(self, label: str):
        def hook(grad: torch.Tensor) -> None:
            if self.bad_grad is None and not _finite(grad):
                self.bad_grad = label
        return hook

    def on_train_begin(self, trainer: Trainer) -> None:
        for name, module in trainer.model.named_modules():
            self._handles.append(module.register_forward_hook(self._forward_hook(name)))

    def on_batch_begin(self, trainer: Trainer) -> None:
        self.bad_output = None

    def on_forward_end(self, trainer: Trainer, output: Any, loss: Any) -> None:
        if not _finite(loss.detach()):
            detail = (f"loss = {loss.detach().float().sum().item()}" if self.bad_output
                      else "the model's outputs were finite, so the loss function made it")
            raise NonFiniteError("loss", trainer.state.step, trainer.state.epoch,
                                 self.bad_output, detail)

    def on_backward_end(self, trainer: Trainer) -> None:
        if not self.check_grads or trainer.scaler is not None:
            self.bad_grad = None
            return
        param = first_nonfinite_param(trainer.model)
        if param is not None:
            module = self.bad_grad or f"'{param.rsplit('.', 1)[0]}' (owner of the parameter)"
            raise NonFiniteError("gradient", trainer.state.step, trainer.state.epoch, module,
                                 f"first non-finite parameter gradient: {param}")
        self.bad_grad = None

    def on_train_end(self, trainer: Trainer) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
