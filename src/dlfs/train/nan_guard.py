"""The NaN/Inf guard: stop at the first non-finite loss, gradient or weight and name where
it began.

Detecting is cheap and runs at every step: the loss of each micro-batch, every parameter
gradient before the optimizer step and every parameter after it are checked (their norms
must be finite; see ``_all_finite``): well under 1 ms of the capstone GPT's step.
Only when something is non-finite does the guard look for its origin, by *replaying* the
bad micro-batch(es) — same weights, same batch, same random state — with hooks on every
module:

* forward hooks note the first module (in execution order) whose output has NaN or ±Inf;
* gradient hooks on each module's input and output tensors find the first module (in
  backward order) whose backward turned a finite gradient into a non-finite one.

A non-finite loss or gradient raises :class:`NonFiniteError` *before* the optimizer step, so
the weights and the newest checkpoint stay the last good ones. Weights made non-finite by
the step itself (a huge learning rate) are caught right after it, before any callback
evaluates or checkpoints them. The replay restores the module buffers (BatchNorm's running
statistics) and the random state it used.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..errors import DlfsError
from ..i18n import t
from .callbacks import Callback
from .rng import capture_rng_state, restore_rng_state

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["NaNGuard", "NonFiniteError", "blame_evaluation", "blame_gradient",
           "first_nonfinite_param", "first_nonfinite_weight"]


class NonFiniteError(DlfsError, FloatingPointError):
    """Training met NaN/Inf. ``kind`` is ``"loss"``, ``"gradient"``, ``"weights"`` (the
    optimizer step made a parameter non-finite) or ``"evaluation"`` (a
    :class:`~dlfs.train.PeriodicEval` value); ``module`` names the first module whose
    output (or gradient) went non-finite, if one was found. Raised out of ``fit``, it also
    carries ``history`` (the losses of the steps before it) and ``checkpoint`` (the newest
    checkpoint file, or None)."""

    def __init__(self, kind: str, step: int, epoch: int, module: str | None, detail: str):
        self.kind, self.step, self.epoch, self.module = kind, step, epoch, module
        self.detail = detail
        self.checkpoint: Any = None
        where = (t("train.nonfinite.module", module=module) if module
                 else t(f"train.nonfinite.no_module.{kind}"))
        super().__init__(t("train.nonfinite.message", kind=t(f"train.nonfinite.kind.{kind}"),
                           step=step, epoch=epoch, where=where, detail=detail,
                           after=t(f"train.nonfinite.after.{kind}")))


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


def _all_finite(tensors: list[torch.Tensor]) -> bool:
    """Whether every floating-point tensor is free of NaN/Inf.

    First one multi-tensor call, ``torch._foreach_norm``: a NaN or an infinity anywhere
    makes that tensor's norm non-finite, so finite norms settle it (the usual case, 0.2 ms for
    the capstone GPT's 52 tensors). A norm can also overflow from huge *finite* values, so a
    non-finite norm is confirmed exactly: each tensor's (min, max) — NaN propagates into
    both, an infinity is one of them, and ``aminmax`` cannot overflow.
    """
    floats = [t.detach() for t in tensors if t.is_floating_point() and t.numel()]
    if not floats or bool(torch.isfinite(torch.stack(torch._foreach_norm(floats))).all()):
        return True
    ends = [torch.stack(torch.aminmax(t)).float() for t in floats]
    return bool(torch.isfinite(torch.cat(ends)).all())


def first_nonfinite_param(model: nn.Module) -> str | None:
    """Name of the first parameter whose ``.grad`` has NaN/Inf, or None."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    if _all_finite(grads):
        return None
    for name, p in model.named_parameters():
        if p.grad is not None and not _finite(p.grad):
            return name
    return None


def first_nonfinite_weight(model: nn.Module) -> str | None:
    """Name of the first parameter that holds NaN/Inf, or None."""
    if _all_finite([p.detach() for p in model.parameters()]):
        return None
    return next((name for name, p in model.named_parameters() if not _finite(p.detach())), None)


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
        return t("train.nonfinite.backward_made_it", label=culprit.label)
    if events:
        return t("train.nonfinite.output_grad_bad", label=events[0].label)
    return None


def _label(name: str, module: nn.Module) -> str:
    return f"'{name or '<model>'}' ({type(module).__name__})"


class _Tracer:
    """Hooks on every module while a micro-batch is replayed: the first module with a
    non-finite output, and the non-finite gradients seen at module inputs and outputs."""

    def __init__(self, model: nn.Module):
        self.bad_output: str | None = None
        self.grad_events: list[_GradEvent] = []
        self._handles: list[Any] = []
        for name, module in model.named_modules():
            self._handles.append(module.register_forward_pre_hook(self._pre_hook(name)))
            self._handles.append(module.register_forward_hook(self._hook(name)))

    def _pre_hook(self, name: str):
        def hook(mod: nn.Module, inputs: Any) -> None:
            self._watch_grads(inputs, "input", name, mod)
        return hook

    def _hook(self, name: str):
        def hook(mod: nn.Module, inputs: Any, output: Any) -> None:
            if self.bad_output is None and not all(_finite(t) for t in _tensors(output)):
                self.bad_output = _label(name, mod)
            self._watch_grads(output, "output", name, mod)
        return hook

    def _watch_grads(self, tensors: Any, where: str, name: str, module: nn.Module) -> None:
        if not torch.is_grad_enabled():
            return
        for tensor in _tensors(tensors):
            if tensor.requires_grad:
                tensor.register_hook(self._grad_hook(where, name, _label(name, module)))

    def _grad_hook(self, where: str, name: str, label: str):
        def hook(grad: torch.Tensor) -> None:
            if len(self.grad_events) < 256 and not _finite(grad):
                self.grad_events.append(_GradEvent(where, name, label, grad.data_ptr()))
        return hook

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()


def blame_evaluation(model: nn.Module, evaluate: Any) -> str | None:
    """Run ``evaluate(model)`` again with forward hooks; the first module whose output was
    non-finite (or None). The model's buffers are put back afterwards."""
    buffers = [(b, b.detach().clone()) for b in model.buffers()]
    tracer = _Tracer(model)
    try:
        evaluate(model)
    finally:
        tracer.remove()
        with torch.no_grad():
            for buffer, saved in buffers:
                buffer.copy_(saved)
    return tracer.bad_output


class NaNGuard(Callback):
    """Raise :class:`NonFiniteError` on the first non-finite loss, gradient or weight.

    ``check_grads=False`` checks only the loss and the weights (gradient checks are skipped
    anyway while a float16 GradScaler is active: it handles overflowing steps by skipping
    them). ``fit(..., nan_guard=True)`` adds one as the first callback.
    """

    def __init__(self, check_grads: bool = True):
        self.check_grads = check_grads
        self._group: list[tuple[Any, dict[str, Any]]] = []  # this step's (batch, RNG state)

    def on_batch_begin(self, trainer: Trainer) -> None:
        if trainer.pending_micro_batches == 0:
            self._group = []
        self._group.append((trainer.batch, capture_rng_state()))

    def on_forward_end(self, trainer: Trainer, output: Any, loss: Any) -> None:
        if _finite(loss.detach()):
            return
        bad_output, _ = self._replay(trainer, self._group[-1:], backward=False)
        detail = (t("train.nonfinite.loss_value", value=loss.detach().float().sum().item())
                  if bad_output else t("train.nonfinite.loss_fn_made_it"))
        raise NonFiniteError("loss", trainer.state.step, trainer.state.epoch, bad_output,
                             detail)

    def on_backward_end(self, trainer: Trainer) -> None:
        if not self.check_grads or trainer.scaler is not None:
            return
        param = first_nonfinite_param(trainer.model)
        if param is None:
            return
        _, events = self._replay(trainer, self._group, backward=True)
        module = blame_gradient(events) or t("train.nonfinite.owner",
                                             name=param.rsplit(".", 1)[0])
        raise NonFiniteError("gradient", trainer.state.step, trainer.state.epoch, module,
                             t("train.nonfinite.first_grad", param=param))

    def on_step_end(self, trainer: Trainer, logs: dict[str, float]) -> None:
        param = first_nonfinite_weight(trainer.model)
        if param is None:
            return
        owner = param.rsplit(".", 1)[0] if "." in param else ""
        label = _label(owner, trainer.model.get_submodule(owner))
        lr = logs.get("train/lr")
        raise NonFiniteError("weights", trainer.state.step - 1, trainer.state.epoch, label,
                             t("train.nonfinite.step_made_it", lr=lr, param=param))

    def _replay(self, trainer: Trainer, group: list[tuple[Any, dict[str, Any]]],
                backward: bool) -> tuple[str | None, list[_GradEvent]]:
        """Run ``group``'s micro-batches again with hooks; return the first module with a
        non-finite output and, with ``backward``, the gradient events of the first
        micro-batch whose gradients are non-finite. Buffers and RNG state are put back."""
        model = trainer.model
        buffers = [(b, b.detach().clone()) for b in model.buffers()]
        now, tracer = capture_rng_state(), _Tracer(model)
        try:
            for batch, rng in group:
                restore_rng_state(rng)
                tracer.bad_output, tracer.grad_events = None, []
                with torch.enable_grad(), trainer.autocast():
                    output, target = trainer.forward(model, batch)
                    loss = trainer.loss_fn(output, target)
                if not backward:
                    return tracer.bad_output, []
                model.zero_grad(set_to_none=True)
                loss.backward()
                if first_nonfinite_param(model) is not None:
                    return tracer.bad_output, tracer.grad_events
            return None, []
        finally:
            tracer.remove()
            with torch.no_grad():
                for buffer, saved in buffers:
                    buffer.copy_(saved)
            restore_rng_state(now)
