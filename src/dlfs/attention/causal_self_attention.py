"""Causal self-attention: the one layer used by the GPT and by the KV-sharing variants.

    q = x W_q,  k = x W_k,  v = x W_v           each split into H heads of size D = C / H
    y = softmax(q k^T / sqrt(D) + M) v          M = -inf where key s lies after query t
    out = concat(y^1, ..., y^H) W_o

With a :class:`~dlfs.attention.kv_cache.KVCache` the T new queries follow S - T cached
positions, so query t may see keys s <= t + (S - T): ``causal_mask(T, S, offset=S - T)``.

Legend: B batch, T new positions, S = cached + new positions, C = d_model, H query heads,
G key/value heads (G = H here; fewer in :mod:`.kv_sharing`), D = C / H head size.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as TF
from torch import Tensor, nn

from .. import nn as dnn
from ..nn import functional as F
from ..tensors.shape_trace import TraceRow, record
from .kv_cache import KVCache

__all__ = ["CausalSelfAttention"]


class CausalSelfAttention(nn.Module):
    """Multi-head causal self-attention (MHA): x (B, T, C) -> (B, T, C).

    One Linear ``c_attn`` makes q, k and v for all heads, ``c_proj`` is W_o (GPT-2's names).
    Variants change how q, k, v are made and cached (:meth:`_make_projections`,
    :meth:`_qkv`); the attention itself (:meth:`_attend`) is this one.
    ``fused=True`` calls torch's ``scaled_dot_product_attention`` kernel instead of
    ``dlfs.nn.functional``'s (same parameters, same results up to float rounding).

    >>> m = CausalSelfAttention(32, 4)
    >>> m(torch.randn(2, 5, 32)).shape, m.kv_cache_bytes_per_token()
    (torch.Size([2, 5, 32]), 256)
    """

    def __init__(self, d_model: int, n_heads: int, *, bias: bool = False,
                 dropout: float = 0.0, layer: int = 0, fused: bool = False) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"{type(self).__name__}: d_model ({d_model}) must be divisible "
                             f"by n_heads ({n_heads})")
        self.d_model, self.n_heads, self.head_dim = d_model, n_heads, d_model // n_heads
        self.dropout, self.layer, self.fused = dropout, layer, fused
        self._make_projections(bias)                              # W_q, W_k, W_v
        self.c_proj = dnn.Linear(d_model, d_model, bias=bias)     # W_o
        self.resid_dropout = dnn.Dropout(dropout)

    def _make_projections(self, bias: bool) -> None:
        self.c_attn = dnn.Linear(self.d_model, 3 * self.d_model, bias=bias)  # [W_q|W_k|W_v]

    def cached_numbers_per_token(self) -> int:
        """Numbers this layer caches per token of one sequence: k and v of every head."""
        return 2 * self.n_heads * self.head_dim

    def kv_cache_bytes_per_token(self, dtype: torch.dtype = torch.float32) -> int:
        """Bytes this layer caches per token of one sequence."""
        return self.cached_numbers_per_token() * torch.empty((), dtype=dtype).element_size()

    def forward(self, x: Tensor, cache: KVCache | None = None,
                trace: list[TraceRow] | None = None) -> Tensor:
        """x (B, T, C) -> (B, T, C); with a ``cache``, x holds only the new positions."""
        q, k, v = self._qkv(x, cache, trace)      # (B, H, T, D), (B, G, S, D), (B, G, S, D)
        return self._attend(q, k, v, trace)       # (B, T, C)

    @property
    def _name(self) -> str:
        return f"h[{self.layer}].attn"

    def _heads(self, x: Tensor, n: int) -> Tensor:
        B, T, _ = x.shape
        return x.view(B, T, n, self.head_dim).transpose(1, 2)     # (B, n, T, D)

    def _qkv(self, x: Tensor, cache: KVCache | None, trace: list[TraceRow] | None
             ) -> tuple[Tensor, Tensor, Tensor]:
        """q (B, H, T, D) of the new positions; k, v (B, H, S, D) of all positions."""
        qkv = self.c_attn(x)                                      # (B, T, 3C)
        record(trace, f"{self._name}.qkv", qkv, "B,T,3C", "library.trace.qkv")
        q, k, v = qkv.split(self.d_model, dim=2)                  # 3 x (B, T, C)
        q, k, v = (self._heads(t, self.n_heads) for t in (q, k, v))   # 3 x (B, H, T, D)
        record(trace, f"{self._name}.q", q, "B,H,T,D", "library.trace.heads")
        if cache is not None:
            k = cache.append(self.layer, "k", k)                  # (B, H, S, D)
            v = cache.append(self.layer, "v", v)                  # (B, H, S, D)
        return q, k, v

    @staticmethod
    def _fused_sdpa(*args: Any, **kwargs: Any) -> Tensor:
        """torch's kernel (the opt-in fast path), same arguments as ours."""
        return TF.scaled_dot_product_attention(*args, **kwargs)

    def _attend(self, q: Tensor, k: Tensor, v: Tensor, trace: list[TraceRow] | None = None
                ) -> Tensor:
        """q (B, H, T, D), k/v (B, G, S, D) -> softmax(q k^T / sqrt(D) + M) v, heads
        concatenated and projected by c_proj: (B, T, C)."""
        B, H, T, D = q.shape
        S = k.shape[-2]
        # query t is position S - T + t; a single new query may see every key: no mask
        mask = None if T == 1 else F.causal_mask(T, S, offset=S - T, device=q.device)  # (T, S)
        p = self.dropout if self.training else 0.0
        sdpa = self._fused_sdpa if self.fused else F.scaled_dot_product_attention
        y = sdpa(q, k, v, attn_mask=mask, dropout_p=p, enable_gqa=k.shape[1] != H)  # (B, H, T, D)
        record(trace, f"{self._name}.softmax(qk^T)v", y, "B,H,T,D", "library.trace.attention",
               S=S)
        y = y.transpose(1, 2).contiguous().view(B, T, H * D)   # (B, T, C) heads side by side
        y = self.resid_dropout(self.c_proj(y))                 # (B, T, C)
        record(trace, f"{self._name}.out", y, "B,T,C", "library.trace.out")
        return y

