"""Sharing keys and values between heads, and what each choice costs in KV cache.

All are :class:`~.causal_self_attention.CausalSelfAttention` layers (B, T, C) -> (B, T, C)
with H query heads of size D = C / H and the same attention (``_attend``); they differ in
how k and v are made and what a decoding step must remember per past token (per layer)::

    MHA  multi-head            every head its own k, v           2 * H * D      numbers
    GQA  grouped-query         G = n_kv_heads groups share k, v  2 * G * D
    MQA  multi-query           one k, v shared by all heads      2 * D          (GQA, G = 1)
    MLA  multi-head latent     c = x W_dkv (d_latent numbers);   d_latent
         k = c W_uk, v = c W_uv rebuilt from the cached latent

MHA is :class:`CausalSelfAttention` itself. ``kv_cache_bytes_per_token(dtype)`` gives that
number times the element size; the tests check it against the bytes actually held by a
:class:`~.kv_cache.KVCache` after n tokens. (DeepSeek's MLA also caches a small decoupled
RoPE key; there is no RoPE here.)
"""

from __future__ import annotations

from torch import Tensor

from .. import nn as dnn
from ..tensors.shape_trace import TraceRow, record
from .causal_self_attention import CausalSelfAttention
from .kv_cache import KVCache

__all__ = ["GroupedQueryAttention", "MultiHeadLatentAttention", "MultiQueryAttention"]


class GroupedQueryAttention(CausalSelfAttention):
    """GQA: n_kv_heads key/value heads, each shared by n_heads / n_kv_heads query heads.

    >>> import torch
    >>> m = GroupedQueryAttention(32, 4, n_kv_heads=2)
    >>> m(torch.randn(2, 5, 32)).shape, m.kv_cache_bytes_per_token()
    (torch.Size([2, 5, 32]), 128)
    """

    def __init__(self, d_model: int, n_heads: int, n_kv_heads: int, *, bias: bool = False,
                 dropout: float = 0.0, layer: int = 0, fused: bool = False) -> None:
        if n_kv_heads < 1 or n_heads % n_kv_heads:
            raise ValueError(f"{type(self).__name__}: n_heads ({n_heads}) must be a multiple "
                             f"of n_kv_heads ({n_kv_heads})")
        self.n_kv_heads = n_kv_heads           # before the base builds the projections
        super().__init__(d_model, n_heads, bias=bias, dropout=dropout, layer=layer,
                         fused=fused)

    def _make_projections(self, bias: bool) -> None:
        G, D = self.n_kv_heads, self.head_dim
        self.q_proj = dnn.Linear(self.d_model, self.d_model, bias=bias)      # W_q
        self.kv_proj = dnn.Linear(self.d_model, 2 * G * D, bias=bias)        # [W_k | W_v]

    def cached_numbers_per_token(self) -> int:
        return 2 * self.n_kv_heads * self.head_dim

    def _qkv(self, x: Tensor, cache: KVCache | None, trace: list[TraceRow] | None
             ) -> tuple[Tensor, Tensor, Tensor]:
        q = self._heads(self.q_proj(x), self.n_heads)           # (B, H, T, D)
        record(trace, f"{self._name}.q", q, "B,H,T,D", "library.trace.query_heads")
        k, v = self.kv_proj(x).chunk(2, dim=2)                  # 2 x (B, T, G*D)
        k, v = self._heads(k, self.n_kv_heads), self._heads(v, self.n_kv_heads)  # (B, G, T, D)
        if cache is not None:
            k = cache.append(self.layer, "k", k)                # (B, G, S, D)
            v = cache.append(self.layer, "v", v)                # (B, G, S, D)
        return q, k, v


class MultiQueryAttention(GroupedQueryAttention):
    """MQA: GQA with a single key/value head."""

    def __init__(self, d_model: int, n_heads: int, *, bias: bool = False,
                 dropout: float = 0.0, layer: int = 0, fused: bool = False) -> None:
        super().__init__(d_model, n_heads, n_kv_heads=1, bias=bias, dropout=dropout,
                         layer=layer, fused=fused)


class MultiHeadLatentAttention(CausalSelfAttention):
    """MLA: keys and values are rebuilt from a shared low-rank latent, which is all that is
    cached.  c = x W_dkv (B, T, d_latent);  k = c W_uk, v = c W_uv (B, T, C).

    >>> import torch
    >>> m = MultiHeadLatentAttention(32, 4, d_latent=8)
    >>> m(torch.randn(2, 5, 32)).shape, m.kv_cache_bytes_per_token()
    (torch.Size([2, 5, 32]), 32)
    """

    def __init__(self, d_model: int, n_heads: int, d_latent: int, *, bias: bool = False,
                 dropout: float = 0.0, layer: int = 0, fused: bool = False) -> None:
        self.d_latent = d_latent               # before the base builds the projections
        super().__init__(d_model, n_heads, bias=bias, dropout=dropout, layer=layer,
                         fused=fused)

    def _make_projections(self, bias: bool) -> None:
        C, L = self.d_model, self.d_latent
        self.q_proj = dnn.Linear(C, C, bias=bias)               # W_q
        self.kv_down = dnn.Linear(C, L, bias=bias)              # W_dkv
        self.k_up = dnn.Linear(L, C, bias=bias)                 # W_uk
        self.v_up = dnn.Linear(L, C, bias=bias)                 # W_uv

    def cached_numbers_per_token(self) -> int:
        return self.d_latent

    def _qkv(self, x: Tensor, cache: KVCache | None, trace: list[TraceRow] | None
             ) -> tuple[Tensor, Tensor, Tensor]:
        q = self._heads(self.q_proj(x), self.n_heads)           # (B, H, T, D)
        record(trace, f"{self._name}.q", q, "B,H,T,D", "library.trace.query_heads")
        c = self.kv_down(x)                                     # (B, T, d_latent)
        if cache is not None:
            c = cache.append(self.layer, "latent", c)           # (B, S, d_latent)
        k = self._heads(self.k_up(c), self.n_heads)             # (B, H, S, D)
        v = self._heads(self.v_up(c), self.n_heads)             # (B, H, S, D)
        return q, k, v
