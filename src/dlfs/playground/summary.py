"""``model_summary``: one row per module call in a forward pass, with output shapes and
parameter counts (what Keras prints as ``model.summary()``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..i18n import t
from ..runtime import eval_mode
from ..textui import display_width, table

__all__ = ["ModelSummary", "SummaryRow", "model_summary"]


@dataclass
class SummaryRow:
    """One module call in a forward pass."""

    name: str
    kind: str
    output_shape: tuple[int, ...] | list[tuple[int, ...]] | None
    params: int
    trainable: int


@dataclass
class ModelSummary:
    """Per-layer output shapes and parameter counts; ``str()`` is the printed table."""

    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    buffer_count: int = 0
    total_bytes: int = 0

    @property
    def frozen_params(self) -> int:
        return self.total_params - self.trainable_params

    def __str__(self) -> str:
        header = (t("library.summary.layer"), t("library.summary.type"),
                  t("library.summary.output_shape"), t("library.summary.params"))
        body = [(r.name, r.kind, str(r.output_shape), f"{r.params:,}") for r in self.rows]
        head, *lines = table([header, *body], align="<<<>")
        rule = "-" * max(display_width(x) for x in [head, *lines])
        return "\n".join([
            head, rule, *lines, rule,
            t("library.summary.totals", total=self.total_params,
              trainable=self.trainable_params, frozen=self.frozen_params),
            t("library.summary.bytes", mib=self.total_bytes / 2**20),
        ])


def _shape_of(out: Any) -> tuple[int, ...] | list[tuple[int, ...]] | None:
    if isinstance(out, torch.Tensor):
        return tuple(out.shape)
    if isinstance(out, (list, tuple)):
        shapes = [tuple(o.shape) for o in out if isinstance(o, torch.Tensor)]
        return shapes or None
    return None


def model_summary(model: nn.Module, example_input: Any, *, depth: int | None = None,
                  show: bool = False) -> ModelSummary:
    """Run ``example_input`` through ``model`` once (eval mode, no grad) and record every
    leaf module's output shape and own parameter count via forward hooks.

    ``example_input`` is a tensor, a tuple of tensors (positional arguments), or a shape
    tuple of ints (a zeros tensor of that shape is made on the model's device). ``depth``
    limits how deep module names go (``depth=1``: only direct children, counting the
    parameters of everything below them). Returns a :class:`ModelSummary`; ``show=True``
    prints it as well.
    """
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    if isinstance(example_input, tuple) and all(isinstance(d, int) for d in example_input):
        args: tuple[Any, ...] = (torch.zeros(example_input, device=device),)
    elif isinstance(example_input, tuple):
        args = example_input
    else:
        args = (example_input,)

    def selected(name: str, module: nn.Module) -> bool:
        if not name:
            return False
        level = name.count(".") + 1
        if depth is not None:
            return level == depth or (level < depth and not any(module.children()))
        return not any(module.children())

    rows: list[SummaryRow] = []
    handles = []
    for name, module in model.named_modules():
        if selected(name, module):
            def hook(mod: nn.Module, _inp: Any, out: Any, name: str = name) -> None:
                params = list(mod.parameters())
                rows.append(SummaryRow(
                    name, type(mod).__name__, _shape_of(out),
                    sum(p.numel() for p in params),
                    sum(p.numel() for p in params if p.requires_grad)))
            handles.append(module.register_forward_hook(hook))
    try:
        with eval_mode(model), torch.no_grad():
            model(*args)
    finally:
        for h in handles:
            h.remove()

    params = list(model.parameters())
    buffers = list(model.buffers())
    summary = ModelSummary(
        rows=rows,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        buffer_count=sum(b.numel() for b in buffers),
        total_bytes=sum(t.numel() * t.element_size() for t in [*params, *buffers]),
    )
    if show:
        print(summary)
    return summary
