"""Inverted dropout: during training zero each element with probability p and scale the
survivors by 1 / (1 - p), so the expected value is unchanged and evaluation needs nothing.

    y = x * m / (1 - p),   m ~ Bernoulli(1 - p)
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["dropout"]


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
            ) -> Tensor:
    """Zero elements with probability ``p`` (training only) and rescale the rest.

    Shape preserved. In eval mode (``training=False``) the input is returned unchanged.

    >>> x = torch.ones(4)
    >>> dropout(x, p=0.5, training=False) is x
    True
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        scale = torch.zeros_like(input)
    else:
        keep = torch.empty_like(input).bernoulli_(1 - p)  # m ~ Bernoulli(1 - p)
        scale = keep / (1 - p)
    if inplace:
        return input.mul_(scale)
    return input * scale
