"""LoRA: fine-tune a frozen linear layer through a low-rank update.

    W = W0 + (alpha / r) * B A,      A (r, in) Kaiming-uniform,  B (out, r) zeros
    y = x W0^T + b + (alpha / r) * (x A^T) B^T

Only A and B train: r * (in + out) numbers instead of in * out. Because B starts at zero,
the wrapped layer computes exactly what the base layer did until the first update. After
training, :meth:`LoRALinear.merge` folds (alpha / r) B A into W0 so inference costs nothing
extra; :meth:`LoRALinear.unmerge` takes it out again.

:class:`LoRALinear` keeps the base layer's ``weight`` and ``bias`` parameters under the same
names, so a wrapped model's state_dict holds the original keys plus ``lora_A``/``lora_B``.
Shapes: (*, in_features) -> (*, out_features).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..nn import functional as F

__all__ = ["LoRALinear", "apply_lora", "lora_parameters", "mark_only_lora_trainable",
           "merge_lora", "unmerge_lora"]

LINEAR_TYPES = (dnn.Linear, nn.Linear)


class LoRALinear(nn.Module):
    """A linear layer (``dlfs.nn.Linear`` or ``torch.nn.Linear``) plus a rank-r update.

    >>> base = torch.nn.Linear(6, 4)
    >>> lora = LoRALinear(base, r=2, alpha=4)
    >>> x = torch.randn(3, 6)
    >>> torch.equal(lora(x), base(x)), lora.weight.requires_grad, lora.lora_A.shape
    (True, False, torch.Size([2, 6]))
    """

    def __init__(self, base: nn.Module, r: int = 8, alpha: float = 16.0,
                 dropout: float = 0.0) -> None:
        super().__init__()
        if not isinstance(base, LINEAR_TYPES):
            raise TypeError(f"LoRALinear: expected a Linear layer, got {type(base).__name__}")
        if r < 1:
            raise ValueError(f"LoRALinear: rank r must be >= 1, got {r}")
        self.in_features, self.out_features = base.in_features, base.out_features
        self.r, self.alpha, self.scaling = r, alpha, alpha / r
        self.weight = base.weight                                   # W0, frozen
        self.weight.requires_grad_(False)
        if base.bias is not None:
            self.bias = base.bias
            self.bias.requires_grad_(False)
        else:
            self.register_parameter("bias", None)
        factory = {"device": base.weight.device, "dtype": base.weight.dtype}
        self.lora_A = nn.Parameter(torch.empty(r, self.in_features, **factory))
        self.lora_B = nn.Parameter(torch.zeros(self.out_features, r, **factory))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_dropout = dnn.Dropout(dropout)
        self.merged = False

    def delta_weight(self) -> Tensor:
        """(alpha / r) B A, the (out, in) update."""
        return self.scaling * (self.lora_B @ self.lora_A)

    def forward(self, x: Tensor) -> Tensor:
        y = F.linear(x, self.weight, self.bias)                     # (*, out)
        if self.merged:
            return y
        h = self.lora_dropout(x) @ self.lora_A.t()                  # (*, r)
        return y + self.scaling * (h @ self.lora_B.t())             # (*, out)

    @torch.no_grad()
    def merge(self) -> None:
        """W0 <- W0 + (alpha / r) B A; forward then uses W alone."""
        if not self.merged:
            self.weight += self.delta_weight()
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        """Undo :meth:`merge`."""
        if self.merged:
            self.weight -= self.delta_weight()
            self.merged = False

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"r={self.r}, alpha={self.alpha}, merged={self.merged}")


def apply_lora(model: nn.Module, target_names: Iterable[str] = ("c_attn", "c_proj"),
               r: int = 8, alpha: float = 16.0, dropout: float = 0.0) -> int:
    """Replace, in place, every Linear whose own name is in ``target_names`` by a
    :class:`LoRALinear` around it; return how many were replaced.

    >>> net = torch.nn.Sequential()
    >>> net.add_module("c_attn", torch.nn.Linear(4, 12))
    >>> net.add_module("head", torch.nn.Linear(12, 2))
    >>> apply_lora(net, r=2), type(net.c_attn).__name__
    (1, 'LoRALinear')
    """
    targets = set(target_names)
    found = [(parent, name, child) for parent in model.modules()
             for name, child in parent.named_children()
             if name in targets and isinstance(child, LINEAR_TYPES)]
    for parent, name, child in found:
        setattr(parent, name, LoRALinear(child, r=r, alpha=alpha, dropout=dropout))
    return len(found)


def lora_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The A and B matrices of every LoRA layer in ``model``."""
    return [p for m in model.modules() if isinstance(m, LoRALinear)
            for p in (m.lora_A, m.lora_B)]


def mark_only_lora_trainable(model: nn.Module) -> int:
    """Freeze every parameter except LoRA's A and B; return the trainable count."""
    keep = {id(p) for p in lora_parameters(model)}
    for p in model.parameters():
        p.requires_grad_(id(p) in keep)
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def merge_lora(model: nn.Module) -> None:
    """Merge every LoRA layer (for inference)."""
    for m in model.modules():
        if isinstance(m, LoRALinear):
            m.merge()


def unmerge_lora(model: nn.Module) -> None:
    """Unmerge every LoRA layer (to train on)."""
    for m in model.modules():
        if isinstance(m, LoRALinear):
            m.unmerge()
