"""The ``Dropout`` module: active in ``train()`` mode, the identity in ``eval()`` mode."""

from __future__ import annotations

from torch import Tensor, nn

from . import functional as F

__all__ = ["Dropout"]


class Dropout(nn.Module):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) while
    training; pass the input through unchanged in eval mode. Shape preserved.

    >>> import torch
    >>> Dropout(0.5).eval()(torch.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
