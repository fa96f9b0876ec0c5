"""Four ways to share keys and values between heads, and what each costs in KV cache.

All four are causal self-attention layers (B, T, C) -> (B, T, C) with H query heads of size
D = C / H. They differ in what a decoding step must remember per past token (per layer):

    MHA  multi-head            every head its own k, v           2 * H * D      numbers
    GQA  grouped-query         G = n_kv_heads groups share k, v  2 * G * D
    MQA  multi-query           one k, v shared by all heads      2 * D          (GQA, G = 1)
    MLA  multi-head latent     c = x W_dkv (d_latent numbers);   d_latent
         k = c W_uk, v = c W_uv rebuilt from the cached latent

``kv_cache_bytes_per_token(dtype)`` gives that number times the element size; the tests
check it against the bytes actually held by a :class:`LayerCache` after n tokens.
(DeepSeek's MLA also caches a small decoupled RoPE key; there is no RoPE here.)
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..nn.functional import scaled_dot_product_attention

__all__ = ["GroupedQueryAttention", "LayerCache", "MultiHeadAttention",
           "MultiHeadLatentAttention", "MultiQueryAttention"]


class LayerCache:
    """What one attention layer keeps for past tokens: named tensors grown along ``dim``."""

    def __init__(self) -> None:
        self.tensors: dict[str, Tensor] = {}

    def append(self, name: str, t: Tensor, dim: int = -2) -> Tensor:
        """Concatenate this step's ``t`` to the cached one; return the full tensor."""
        if name in self.tensors:
            t = torch.cat([self.tensors[name], t], dim=dim)
        self.tensors[name] = t
        return t

    def length(self, name: str, dim: int = -2) -> int:
        """Cached positions of ``name`` (0 when empty)."""
        return self.tensors[name].shape[dim] if name in self.tensors else 0

    def bytes(self) -> int:
        """Memory held by the cached tensors."""
        return sum(t.numel() * t.element_size() for t in self.tensors.values())


class _CausalSelfAttention(nn.Module):
    """Shared pieces: head split, causal attention over past + new positions, output proj."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__()
        if d_model % n_heads:
            raise ValueError(f"{type(self).__name__}: d_model ({d_model}) must be divisible "
                             f"by n_heads ({n_heads})")
        self.d_model, self.n_heads, self.head_dim = d_model, n_heads, d_model // n_heads
        self.c_proj = dnn.Linear(d_model, d_model, bias=False)

    def _heads(self, x: Tensor, n: int) -> Tensor:
        B, T, _ = x.shape
        return x.view(B, T, n, self.head_dim).transpose(1, 2)   # (B, n, T, D)

    def _attend(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:
        """q (B, H, T, D), k/v (B, G, S, D) with S = past + T -> (B, T, C) after c_proj."""
        B, H, T, D = q.shape
        S = k.shape[-2]
        mask = None if T == 1 else torch.ones(T, S, dtype=torch.bool,
                                              device=q.device).tril(diagonal=S - T)
        y = scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                         enable_gqa=k.shape[1] != H)   # (B, H, T, D)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, H * D))  # (B, T, C)

    def kv_cache_bytes_per_token(self, dtype: torch.dtype = torch.float32) -> int:
        """Bytes this layer caches per token of one sequence."""
        return self.cached_numbers_per_token() * torch.empty((), dtype=dtype).element_size()

    def cached_numbers_per_token(self) -> int:
        raise NotImplementedError


class MultiHeadAttention(_CausalSelfAttention):
    """Standard MHA: one Linear makes q, k, v for all heads (as in the GPT).

    >>> m = MultiHeadAttention(32, 4)
    >>> m(torch.randn(2, 5, 32)).shape, m.kv_cache_bytes_per_token()
    (torch.Size([2, 5, 32]), 256)
    """

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__(d_model, n_heads)
        self.c_attn = dnn.Linear(d_model, 3 * d_model, bias=False)

    def cached_numbers_per_token(self) -> int:
        return 2 * self.n_heads * self.head_dim

    def forward(self, x: Tensor, cache: LayerCache | None = None) -> Tensor:
        q, k, v = self.c_attn(x).split(self.d_model, dim=2)     # 3 x (B, T, C)
        q, k, v = (self._heads(t, self.n_heads) for t in (q, k, v))  # (B, H, T, D)
        if cache is not None:
            k, v = cache.append("k", k), cache.append("v", v)   # (B, H, S, D)
        return self._attend(q, k, v)


class GroupedQueryAttention(_CausalSelfAttention):
    """GQA: n_kv_heads key/value heads, each shared by n_heads / n_kv_heads query heads.

    >>> m = GroupedQueryAttention(32, 4, n_kv_heads=2)
    >>> m(torch.randn(2, 5, 32)).shape, m.kv_cache_bytes_per_token()
    (torch.Size([2, 5, 32]), 128)
    """

    def __init__(self, d_model: int, n_heads: int, n_kv_heads: int) -> None:
        super().__init__(d_model, n_heads)
        if n_kv_heads < 1 or n_heads % n_kv_heads:
            raise ValueError(f"{type(self).__name__}: n_heads ({n_heads}) must be a multiple "
                             f"of n_kv_heads ({n_kv_heads})")
        self.n_kv_heads = n_kv_heads
        self.q_proj = dnn.Linear(d_model, d_model, bias=False)
        self.kv_proj = dnn.Linear(d_model, 2 * n_kv_heads * self.head_dim, bias=False)

    def cached_numbers_per_token(self) -> int:
        return 2 * self.n_kv_heads * self.head_dim

    def forward(self, x: Tensor, cache: LayerCache | None = None) -> Tensor:
        q = self._heads(self.q_proj(x), self.n_heads)           # (B, H, T, D)
        k, v = self.kv_proj(x).chunk(2, dim=2)                  # 2 x (B, T, G*D)
        k, v = self._heads(k, self.n_kv_heads), self._heads(v, self.n_kv_heads)  # (B, G, T, D)
        if cache is not None:
            k, v = cache.append("k", k), cache.append("v", v)   # (B, G, S, D)
        return self._attend(q, k, v)


class MultiQueryAttention(GroupedQueryAttention):
    """MQA: GQA with a single key/value head."""

    def __init__(self, d_model: int, n_heads: int) -> None:
        super().__init__(d_model, n_heads, n_kv_heads=1)


class MultiHeadLatentAttention(_CausalSelfAttention):
    """MLA: keys and values are rebuilt from a shared low-rank latent, which is all that is
    cached.  c = x W_dkv (B, T, d_latent);  k = c W_uk, v = c W_uv (B, T, C).

    >>> m = MultiHeadLatentAttention(32, 4, d_latent=8)
    >>> m(torch.randn(2, 5, 32)).shape, m.kv_cache_bytes_per_token()
    (torch.Size([2, 5, 32]), 32)
    """

    def __init__(self, d_model: int, n_heads: int, d_latent: int) -> None:
        super().__init__(d_model, n_heads)
        self.d_latent = d_latent
        self.q_proj = dnn.Linear(d_model, d_model, bias=False)
        self.kv_down = dnn.Linear(d_model, d_latent, bias=False)   # W_dkv
        self.k_up = dnn.Linear(d_latent, d_model, bias=False)      # W_uk
        self.v_up = dnn.Linear(d_latent, d_model, bias=False)      # W_uv

    def cached_numbers_per_token(self) -> int:
        return self.d_latent

    def forward(self, x: Tensor, cache: LayerCache | None = None) -> Tensor:
        q = self._heads(self.q_proj(x), self.n_heads)           # (B, H, T, D)
        c = self.kv_down(x)                                     # (B, T, d_latent)
        if cache is not None:
            c = cache.append("latent", c)                       # (B, S, d_latent)
        k = self._heads(self.k_up(c), self.n_heads)             # (B, H, S, D)
        v = self._heads(self.v_up(c), self.n_heads)             # (B, H, S, D)
        return self._attend(q, k, v)
