"""SwiGLU, the gated feed-forward block of LLaMA-style models.

    FFN(x) = (SiLU(x W1) * (x W3)) W2,      SiLU(z) = z * sigmoid(z)

W1 and W3 map C -> hidden, W2 maps hidden -> C. With hidden = 8C/3 the three matrices hold
as many parameters (3 * C * 8C/3 = 8 C^2) as the classic 4C MLP (2 * C * 4C); the default
rounds 8C/3 up to a multiple of ``multiple_of``. Shapes: (*, C) -> (*, C).
"""

from __future__ import annotations

import torch  # noqa: F401  (doctest namespace)
from torch import Tensor, nn

from .. import nn as dnn
from ..nn import functional as F

__all__ = ["SwiGLU", "swiglu_hidden"]


def swiglu_hidden(d_model: int, multiple_of: int = 8) -> int:
    """8/3 * d_model rounded up to a multiple of ``multiple_of``.

    >>> swiglu_hidden(96), swiglu_hidden(100)
    (256, 272)
    """
    h = -(-8 * d_model // 3)
    return multiple_of * -(-h // multiple_of)


class SwiGLU(nn.Module):
    """(SiLU(x W1) * x W3) W2 with bias-free Linears named w1, w3, w2.

    >>> ffn = SwiGLU(12, hidden_features=32)
    >>> ffn(torch.randn(2, 5, 12)).shape, sum(p.numel() for p in ffn.parameters())
    (torch.Size([2, 5, 12]), 1152)
    """

    def __init__(self, d_model: int, hidden_features: int | None = None,
                 bias: bool = False) -> None:
        super().__init__()
        hidden = swiglu_hidden(d_model) if hidden_features is None else hidden_features
        self.w1 = dnn.Linear(d_model, hidden, bias=bias)   # gate branch
        self.w3 = dnn.Linear(d_model, hidden, bias=bias)   # value branch
        self.w2 = dnn.Linear(hidden, d_model, bias=bias)   # back to C

    def forward(self, x: Tensor) -> Tensor:
        gate = F.silu(self.w1(x))                           # (*, hidden)
        return self.w2(gate * self.w3(x))                   # (*, C)
