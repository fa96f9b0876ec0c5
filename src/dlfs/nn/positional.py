"""Ways to tell attention where a token is: it is otherwise blind to order.

* :class:`SinusoidalPositionalEncoding` adds a fixed table ("Attention Is All You Need")::

      PE[pos, 2i]   = sin(pos * w_i),   PE[pos, 2i+1] = cos(pos * w_i),   w_i = base^(-2i/C)

* :class:`LearnedPositionalEmbedding` adds a trained vector per position (GPT-2's ``wpe``).
* :class:`RotaryEmbedding` (RoPE) rotates each feature pair (x_{2i}, x_{2i+1}) of a query or
  key by the angle ``pos * theta_i``, ``theta_i = base^(-2i/D)``; seen as complex numbers
  z_i = x_{2i} + j x_{2i+1} this is ``z_i * exp(j pos theta_i)``, so <RoPE(q, m), RoPE(k, n)>
  depends only on m - n.
* :func:`alibi_bias` (ALiBi) adds ``-m_h * |i - j|`` to the attention scores of head h.

Legend: B batch, T length, C model width, H heads, D head size.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from ..errors import DlfsError
from ..i18n import t
from .dropout import Dropout

__all__ = ["LearnedPositionalEmbedding", "RotaryEmbedding", "SinusoidalPositionalEncoding",
           "alibi_bias", "alibi_slopes", "sinusoidal_table"]


def sinusoidal_table(max_len: int, d_model: int, base: float = 10000.0,
                     dtype: torch.dtype | None = None) -> Tensor:
    """The (max_len, d_model) sine/cosine table; sin in even columns, cos in odd ones.

    >>> sinusoidal_table(2, 4)
    tensor([[0.0000, 1.0000, 0.0000, 1.0000],
            [0.8415, 0.5403, 0.0100, 0.9999]])
    """
    pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)            # (T, 1)
    w = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)  # (ceil(C/2),)
    angle = pos * w                                                          # (T, ceil(C/2))
    pe = torch.zeros(max_len, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(angle)
    pe[:, 1::2] = torch.cos(angle[:, : d_model // 2])
    return pe.to(dtype or torch.get_default_dtype())


class SinusoidalPositionalEncoding(nn.Module):
    """x + PE[offset : offset + T], then dropout. (B, T, C) -> (B, T, C).

    The table is a non-persistent buffer ``pe`` (max_len, C): it moves with ``.to()`` but is
    not saved in the state_dict, since it is a fixed function of (max_len, C, base).

    >>> SinusoidalPositionalEncoding(8, max_len=16)(torch.zeros(2, 5, 8)).shape
    torch.Size([2, 5, 8])
    """

    pe: Tensor

    def __init__(self, d_model: int, max_len: int = 5000, dropout: float = 0.0,
                 base: float = 10000.0) -> None:
        super().__init__()
        self.d_model, self.max_len, self.base = d_model, max_len, base
        self.register_buffer("pe", sinusoidal_table(max_len, d_model, base), persistent=False)
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        T = x.shape[-2]
        _check_length(T, offset, self.max_len, type(self).__name__)
        return self.dropout(x + self.pe[offset: offset + T].to(x.dtype))   # (..., T, C)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}, base={self.base}"


class LearnedPositionalEmbedding(nn.Module):
    """x + weight[offset : offset + T] with a trained ``weight`` (max_len, C).

    Initialized N(0, init_std^2) (GPT-2 uses 0.02). (B, T, C) -> (B, T, C).

    >>> LearnedPositionalEmbedding(16, 8)(torch.zeros(2, 5, 8)).shape
    torch.Size([2, 5, 8])
    """

    def __init__(self, max_len: int, d_model: int, init_std: float = 0.02,
                 device: Any = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.max_len, self.d_model, self.init_std = max_len, d_model, init_std
        self.weight = nn.Parameter(torch.empty(max_len, d_model, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, mean=0.0, std=self.init_std)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        T = x.shape[-2]
        _check_length(T, offset, self.max_len, type(self).__name__)
        return x + self.weight[offset: offset + T]                         # (..., T, C)

    def extra_repr(self) -> str:
        return f"max_len={self.max_len}, d_model={self.d_model}"


def _check_length(T: int, offset: int, max_len: int, who: str) -> None:
    if offset < 0 or offset + T > max_len:
        raise DlfsError(t("library.positional.too_long", who=who, first=offset,
                          last=offset + T - 1, max_len=max_len))


class RotaryEmbedding(nn.Module):
    """Rotary position embedding (RoPE) for queries/keys of head size ``dim`` (even).

    For each pair i < dim/2 and position p, with theta_i = base^(-2i/dim), a = p * theta_i::

        y_{2i}   = x_{2i} cos a - x_{2i+1} sin a
        y_{2i+1} = x_{2i} sin a + x_{2i+1} cos a

    Shapes: x (..., T, D) -> (..., T, D); positions default to offset, ..., offset + T - 1,
    or are given as a (T,) tensor. No parameters; ``inv_freq`` (D/2,) is a non-persistent
    buffer. The norm of every pair is kept, so ||RoPE(x)|| = ||x||.

    >>> rope = RotaryEmbedding(4)
    >>> q = torch.randn(2, 3, 5, 4)                      # (B, H, T, D)
    >>> rope(q).shape
    torch.Size([2, 3, 5, 4])
    """

    inv_freq: Tensor

    def __init__(self, dim: int, base: float = 10000.0) -> None:
        super().__init__()
        if dim <= 0 or dim % 2:
            raise ValueError(f"RotaryEmbedding: dim must be a positive even number, got {dim}")
        self.dim, self.base = dim, base
        theta = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)  # (D/2,)
        self.register_buffer("inv_freq", theta, persistent=False)

    def angles(self, positions: Tensor) -> Tensor:
        """a[t, i] = positions[t] * theta_i, shape (T, D/2), in float64."""
        return positions.to(torch.float64).unsqueeze(-1) * self.inv_freq  # (T, D/2)

    def forward(self, x: Tensor, offset: int = 0, positions: Tensor | None = None) -> Tensor:
        T, D = x.shape[-2], x.shape[-1]
        if D != self.dim:
            raise ValueError(f"RotaryEmbedding: input has {D} features, expected {self.dim}")
        if positions is None:
            positions = torch.arange(offset, offset + T, device=x.device)
        a = self.angles(positions)                                       # (T, D/2)
        cos, sin = torch.cos(a).to(x.dtype), torch.sin(a).to(x.dtype)
        x_even, x_odd = x[..., 0::2], x[..., 1::2]                        # (..., T, D/2) each
        y_even = x_even * cos - x_odd * sin
        y_odd = x_even * sin + x_odd * cos
        return torch.stack((y_even, y_odd), dim=-1).flatten(-2)          # (..., T, D)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, base={self.base}"


def alibi_slopes(n_heads: int) -> Tensor:
    """ALiBi head slopes m_h, shape (H,).

    For H a power of two: m_h = 2^(-8 h / H), h = 1..H (a geometric sequence that starts and
    shrinks by 2^(-8/H)). Otherwise take the slopes of the largest power of two P < H and add
    every other slope of 2P until there are H of them.

    >>> alibi_slopes(4).tolist()
    [0.25, 0.0625, 0.015625, 0.00390625]
    """
    if n_heads <= 0:
        raise ValueError(f"alibi_slopes: n_heads must be positive, got {n_heads}")

    def power_of_two(n: int) -> list[float]:
        start = 2.0 ** (-8.0 / n)
        return [start ** h for h in range(1, n + 1)]

    p = 2 ** int(math.floor(math.log2(n_heads)))
    slopes = power_of_two(p)
    if p < n_heads:
        slopes += power_of_two(2 * p)[0::2][: n_heads - p]
    return torch.tensor(slopes, dtype=torch.float64)


def alibi_bias(n_heads: int, T: int, S: int | None = None, device: Any = None,
               dtype: torch.dtype | None = None) -> Tensor:
    """Additive attention bias (H, T, S): ``bias[h, t, s] = -m_h * |(t + S - T) - s|``.

    Queries are the last T of the S positions (bottom-right aligned, as with a KV cache),
    so with S = T the distance is just ``|t - s|``. Add it to the scores (it is a float mask
    for ``scaled_dot_product_attention``); combine with a causal mask for a decoder.

    >>> alibi_bias(2, 3)[0]
    tensor([[ 0.0000, -0.0625, -0.1250],
            [-0.0625,  0.0000, -0.0625],
            [-0.1250, -0.0625,  0.0000]])
    """
    S = T if S is None else S
    q_pos = torch.arange(S - T, S, device=device).unsqueeze(1)           # (T, 1)
    k_pos = torch.arange(S, device=device).unsqueeze(0)                  # (1, S)
    distance = (q_pos - k_pos).abs()                                     # (T, S)
    m = alibi_slopes(n_heads).to(device).view(-1, 1, 1)                  # (H, 1, 1)
    return (0.0 - m * distance).to(dtype or torch.get_default_dtype())        # (H, T, S)
