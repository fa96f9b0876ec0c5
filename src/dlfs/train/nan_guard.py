"""The NaN/Inf guard: stop at the first non-finite loss or gradient and name where it began.

Forward hooks on every submodule note the first module (in execution order) whose output
contains NaN or ±Inf; gradient hooks on each module's input and output tensors find the first
module (in backward order) whose backward turned a finite gradient into a non-finite one.
When the loss or a parameter gradient is non-finite, the guard raises
:class:`NonFiniteError` *before* the optimizer step, so the weights and the newest checkpoint
stay the last good ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..errors import DlfsError
from .callbacks import Callback

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["NaNGuard", "NonFiniteError", "blame_gradient", "first_nonfinite_param"]


class NonFiniteError(DlfsError, FloatingPointError):
    """Training met NaN/Inf. ``kind`` is ``"loss"`` or ``"gradient"``; ``module`` names the
    first module whose output (or gradient) went non-finite, if one was found. Raised out of
    ``fit``, it also carries ``history``: the losses of the steps before it."""

    def __init__(self, kind: str, step: int, epoch: int, module: str | None, detail: str):
        self.kind, self.step, self.epoch, self.module = kind, step, epoch, module
        where = f"module {module}" if module else "no module output (look at the loss / data)"
        super().__init__(f"non-finite {kind} at step {step} (epoch {epoch}): first seen in "
                         f"{where}; {detail}. Training stopped before the optimizer step; "
                         "weights and checkpoints are still the last good ones.")


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


@dataclass(frozen=True)
class _GradEvent:
    """A non-finite gradient seen by a hook: at a module's ``input`` or ``output`` tensor."""

    where: str
    name: str
    label: str
    ptr: int


def blame_gradient(events: list[_GradEvent]) -> str | None:
    """The module whose backward first turned a finite gradient into NaN/Inf.

    That is a module whose *input* gradient is non-finite while its *output* gradient was
    finite. Hooks on one tensor fire together (a container and its first child share the
    input), so among simultaneous events the deepest module is named.
    """
    bad_outputs = {e.name for e in events if e.where == "output"}
    producers = [e for e in events if e.where == "input" and e.name not in bad_outputs]
    if producers:
        same_time = [e for e in producers if e.ptr == producers[0].ptr]
        culprit = max(same_time, key=lambda e: e.name.count(".") + (e.name != ""))
        return f"{culprit.label}, whose backward made a finite gradient non-finite"
    if events:
        return f"{events[0].label}, whose output gradient was already non-finite (the loss?)"
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
        self.grad_events: list[_GradEvent] = []

    def _label(self, name: str, module: nn.Module) -> str:
        return f"'{name or '<model>'}' ({type(module).__name__})"

    def _watch_grads(self, tensors: Any, where: str, name: str, module: nn.Module) -> None:
        if not torch.is_grad_enabled():
            return
        for t in _tensors(tensors):
            if t.requires_grad:
                t.register_hook(self._grad_hook(where, name, self._label(name, module)))

    def _grad_hook(self, where: str, name: str, label: str):
        def hook(grad: torch.Tensor) -> None:
            if len(self.grad_events) < 256 and not _finite(grad):
                self.grad_events.append(_GradEvent(where, name, label, grad.data_ptr()))
        return hook

    def on_train_begin(self, trainer: Trainer) -> None:
        for name, module in trainer.model.named_modules():
            def pre_hook(mod: nn.Module, inputs: Any, name: str = name) -> None:
                self._watch_grads(inputs, "input", name, mod)

            def hook(mod: nn.Module, inputs: Any, output: Any, name: str = name) -> None:
                if self.bad_output is None and not all(_finite(t) for t in _tensors(output)):
                    self.bad_output = self._label(name, mod)
                self._watch_grads(output, "output", name, mod)

            self._handles.append(module.register_forward_pre_hook(pre_hook))
            self._handles.append(module.register_forward_hook(hook))

    def on_batch_begin(self, trainer: Trainer) -> None:
        self.bad_output = None

    def on_forward_end(self, trainer: Trainer, output: Any, loss: Any) -> None:
        if not _finite(loss.detach()):
            detail = (f"loss = {loss.detach().float().sum().item()}" if self.bad_output
                      else "the model's outputs were finite, so the loss function made it")
            raise NonFiniteError("loss", trainer.state.step, trainer.state.epoch,
                                 self.bad_output, detail)

    def on_backward_end(self, trainer: Trainer) -> None:
        events, self.grad_events = self.grad_events, []
        if not self.check_grads or trainer.scaler is not None:
            return
        param = first_nonfinite_param(trainer.model)
        if param is not None:
            module = blame_gradient(events) or f"'{param.rsplit('.', 1)[0]}' (owns the parameter)"
            raise NonFiniteError("gradient", trainer.state.step, trainer.state.epoch, module,
                                 f"first non-finite parameter gradient: {param}")

    def on_train_end(self, trainer: Trainer) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
