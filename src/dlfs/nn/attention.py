"""Multi-head attention, mirroring ``torch.nn.MultiheadAttention`` (same arguments, the
same parameter names ``in_proj_weight``/``in_proj_bias``/``out_proj``, same results).

    head_h = Attention(Q W_q^h, K W_k^h, V W_v^h)
    MHA(Q, K, V) = concat(head_1, ..., head_H) W_o

Masks follow torch's MultiheadAttention convention, which is the *opposite* of
``scaled_dot_product_attention``'s for booleans: here True means "masked out".
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from .functional.attention import attention_weights, causal_mask
from .functional.dropout import dropout
from .linear import Linear

__all__ = ["MultiheadAttention"]


def _to_additive(mask: Tensor | None, dtype: torch.dtype) -> Tensor | None:
    """MHA mask -> additive float mask (bool True = blocked becomes -inf)."""
    if mask is None:
        return None
    if mask.dtype == torch.bool:
        return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(
            mask, float("-inf"))
    return mask.to(dtype)


def _combined_mask(attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                   dtype: torch.dtype, B: int, H: int, T: int, S: int) -> Tensor | None:
    """One additive mask from ``attn_mask`` ((T, S) or (B * H, T, S)) and
    ``key_padding_mask`` (B, S): (T, S), (B, H, T, S) or (B, 1, 1, S); None for neither."""
    mask = _to_additive(attn_mask, dtype)
    if mask is not None and mask.dim() == 3:
        mask = mask.view(B, H, T, S)                          # per batch and head
    pad = _to_additive(key_padding_mask, dtype)
    if pad is None:
        return mask
    pad = pad.view(B, 1, 1, S)                                # the same keys for every query
    return pad if mask is None else mask + pad


class MultiheadAttention(nn.Module):
    """Multi-head attention with ``num_heads`` heads of size ``embed_dim // num_heads``.

    Shapes (``batch_first=True``): query (B, T, E), key (B, S, kdim), value (B, S, vdim)
    -> output (B, T, E) and, with ``need_weights``, weights (B, T, S) averaged over heads
    or (B, H, T, S). With ``batch_first=False`` the batch is the second dim; unbatched
    inputs (T, E) work too.

    >>> mha = MultiheadAttention(8, 2, batch_first=True)
    >>> out, w = mha(torch.randn(3, 5, 8), torch.randn(3, 7, 8), torch.randn(3, 7, 8))
    >>> out.shape, w.shape
    (torch.Size([3, 5, 8]), torch.Size([3, 5, 7]))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive "
                             f"multiple of num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise ValueError("MultiheadAttention: add_bias_kv / add_zero_attn are not "
                             "supported by dlfs (rarely used; use torch.nn's)")
        factory = {"device": device, "dtype": dtype}
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim = embed_dim // num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.batch_first = batch_first
        if self._qkv_same_embed_dim:
            self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim, **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = nn.Parameter(torch.empty(embed_dim, embed_dim, **factory))
            self.k_proj_weight = nn.Parameter(torch.empty(embed_dim, self.kdim, **factory))
            self.v_proj_weight = nn.Parameter(torch.empty(embed_dim, self.vdim, **factory))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **factory)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Xavier-uniform projections and zero biases, as torch."""
        if self._qkv_same_embed_dim:
            nn.init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                nn.init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            nn.init.zeros_(self.in_proj_bias)
            nn.init.zeros_(self.out_proj.bias)

    def _project(self, query: Tensor, key: Tensor, value: Tensor
                 ) -> tuple[Tensor, Tensor, Tensor]:
        E = self.embed_dim
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = self.in_proj_weight.split(E)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q = b_k = b_v = None
        if self.in_proj_bias is not None:
            b_q, b_k, b_v = self.in_proj_bias.split(E)

        def proj(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
            y = x @ w.t()
            return y + b if b is not None else y

        return proj(query, w_q, b_q), proj(key, w_k, b_k), proj(value, w_v, b_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        unbatched = query.dim() == 2
        if unbatched:                                         # (T, E) -> (1, T, E)
            query, key, value = (x.unsqueeze(0) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:                            # (T, B, E) -> (B, T, E)
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        if query.shape[-1] != self.embed_dim:
            raise ValueError(f"MultiheadAttention: query has {query.shape[-1]} features, "
                             f"expected embed_dim={self.embed_dim}")
        B, T, _ = query.shape
        S = key.shape[1]
        H, D = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)           # (B, T, E), (B, S, E), (B, S, E)
        q = q.view(B, T, H, D).transpose(1, 2)                # (B, H, T, D)
        k = k.view(B, S, H, D).transpose(1, 2)                # (B, H, S, D)
        v = v.view(B, S, H, D).transpose(1, 2)                # (B, H, S, D)

        if attn_mask is None and is_causal:
            attn_mask = ~causal_mask(T, S, device=q.device)  # (T, S), True = blocked
        mask = _combined_mask(attn_mask, key_padding_mask, q.dtype, B, H, T, S)
        weights = attention_weights(q, k, mask)               # (B, H, T, S)
        weights = dropout(weights, p=self.dropout, training=self.training)
        out = (weights @ v).transpose(1, 2).reshape(B, T, self.embed_dim)  # (B, T, E)
        out = self.out_proj(out)

        if unbatched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)                         # (T, B, E)
        if not need_weights:
            return out, None
        w = weights.mean(dim=1) if average_attn_weights else weights
        return out, (w.squeeze(0) if unbatched else w)

    def extra_repr(self) -> str:
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"batch_first={self.batch_first}")
