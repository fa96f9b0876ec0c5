"""``count_linear_flops``: the floating-point operations of a model's Linear layers in one
forward pass, counted with forward hooks on the calls that actually happen.

A Linear(in, out) applied to an input (*, in) is a matrix product of R = prod(*) rows: each of
the R * out outputs is a dot product of length ``in``, one multiply and one add per term, so
it costs 2 * R * in * out FLOPs. The bias addition is not counted, as in
``torch.utils.flop_counter``, whose ``FlopCounterMode`` gives the same total for such models.
Counting calls rather than modules matters: a layer used twice (shared weights) costs twice.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..nn.linear import Linear

__all__ = ["count_linear_flops"]

_LINEAR = (nn.Linear, Linear)    # torch's layer and the library's own


def count_linear_flops(model: nn.Module, x: Tensor) -> int:
    """FLOPs of every Linear call (``torch.nn.Linear`` or ``dlfs.nn.Linear``) in one forward
    ``model(x)``: 2 * rows * in_features * out_features each, rows being the product of the
    input's leading dimensions (1 for a 1-D input). The forward runs under ``no_grad``; the
    hooks are removed afterwards, even if it raises.

    >>> count_linear_flops(nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)),
    ...                    torch.zeros(5, 4))
    480
    """
    total = 0

    def hook(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        nonlocal total
        rows = inputs[0].numel() // module.in_features     # every leading dimension
        total += 2 * rows * module.in_features * module.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, _LINEAR)]
    try:
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
    return total
