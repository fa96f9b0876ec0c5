"""Bottleneck adapters: a small residual MLP inserted after a frozen sublayer.

    Adapter(h) = h + W_up act(W_down h + b_down) + b_up,    W_down (m, C), W_up (C, m), m << C

W_up and b_up start at zero, so a freshly inserted adapter is the identity and the model
computes what it did before. Trainable numbers per adapter: 2 * C * m + m + C.
Shapes: (*, C) -> (*, C).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch  # noqa: F401  (doctest namespace)
from torch import Tensor, nn

from .. import nn as dnn

__all__ = ["Adapter", "WithAdapter", "apply_adapters", "mark_only_adapters_trainable"]


class Adapter(nn.Module):
    """h + up(GELU(down(h))) with ``up`` zero-initialized.

    >>> a = Adapter(8, bottleneck=2)
    >>> h = torch.randn(3, 8)
    >>> torch.equal(a(h), h)
    True
    """

    def __init__(self, d_model: int, bottleneck: int) -> None:
        super().__init__()
        self.down = dnn.Linear(d_model, bottleneck)
        self.act = dnn.GELU()
        self.up = dnn.Linear(bottleneck, d_model)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, h: Tensor) -> Tensor:
        return h + self.up(self.act(self.down(h)))                  # (*, C)


class WithAdapter(nn.Module):
    """Runs ``module`` (any arguments), then an :class:`Adapter` on its output."""

    def __init__(self, module: nn.Module, d_model: int, bottleneck: int) -> None:
        super().__init__()
        self.module = module
        p = next(module.parameters(), None)
        self.adapter = Adapter(d_model, bottleneck)
        if p is not None:
            self.adapter.to(device=p.device, dtype=p.dtype)

    def forward(self, *args: Any, **kwargs: Any) -> Tensor:
        return self.adapter(self.module(*args, **kwargs))


def apply_adapters(model: nn.Module, d_model: int, bottleneck: int,
                   target_names: Iterable[str] = ("attn", "mlp")) -> int:
    """Wrap, in place, every submodule whose own name is in ``target_names`` (by default the
    GPT's attention and MLP sublayers, as Houlsby et al. do); return how many were wrapped."""
    targets = set(target_names)
    found = [(parent, name, child) for parent in model.modules()
             for name, child in parent.named_children()
             if name in targets and not isinstance(parent, WithAdapter)
             and not isinstance(child, WithAdapter)]                 # never wrap twice
    for parent, name, child in found:
        setattr(parent, name, WithAdapter(child, d_model, bottleneck))
    return len(found)


def mark_only_adapters_trainable(model: nn.Module) -> int:
    """Freeze everything but the adapters; return the trainable count."""
    keep = {id(p) for m in model.modules() if isinstance(m, Adapter) for p in m.parameters()}
    for p in model.parameters():
        p.requires_grad_(id(p) in keep)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)

