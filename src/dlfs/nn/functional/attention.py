"""Scaled dot-product attention, written out.

    Attention(Q, K, V) = softmax(Q K^T * scale + M) V,     scale = 1 / sqrt(D)

Shapes (batch dims ``...`` may be (B, H) or anything broadcastable):
    query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv)

A mask either *selects* (bool: True = may attend) or is *added* (float: 0 or -inf, or any
bias such as ALiBi). A query row whose every key is masked gets zero weights instead of
NaN (a "safe" softmax), as PyTorch's kernels do.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .dropout import dropout

__all__ = ["attention_weights", "causal_mask", "masked_softmax", "scaled_dot_product_attention"]


def causal_mask(T: int, S: int | None = None, *, offset: int = 0,
                device: torch.device | str | None = None) -> Tensor:
    """Bool (T, S) mask, True where query t may see key s:  s <= t + offset.

    ``offset=0`` aligns the queries with the first T keys (plain self-attention, S = T).
    A KV-cache step has S - T cached keys before its T queries, so query t sits at
    absolute position t + S - T: pass ``offset=S - T`` (bottom-right aligned).

    >>> causal_mask(3).int().tolist()
    [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    >>> causal_mask(2, 4, offset=2).int().tolist()        # 2 new queries after 2 cached keys
    [[1, 1, 1, 0], [1, 1, 1, 1]]
    """
    S = T if S is None else S
    return torch.ones(T, S, dtype=torch.bool, device=device).tril(diagonal=offset)  # (T, S)


class _SafeSoftmax(torch.autograd.Function):
    """softmax over the last dim with a hand-written backward.

    Forward: y = exp(x - m) / sum(exp(x - m)), m = row max (0 for an all -inf row, whose
    denominator is then replaced by 1 so the row becomes zeros instead of NaN).
    Backward: dx = y * (g - sum(g * y)), the softmax Jacobian-vector product, which needs
    only y — one saved tensor and three kernels instead of autograd's chain of six.
    """

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        m = x.amax(dim=-1, keepdim=True)
        m = m.masked_fill(m == float("-inf"), 0.0)
        e = (x - m).exp_()                       # one new (..., S) tensor, then in place
        denom = e.sum(dim=-1, keepdim=True)
        y = e.mul_(denom.masked_fill_(denom == 0, 1.0).reciprocal_())  # one divide per row
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g: Tensor) -> Tensor:  # type: ignore[override]
        (y,) = ctx.saved_tensors
        s = (g * y).sum(dim=-1, keepdim=True)
        if torch.is_grad_enabled():              # double backward: autograd records this
            return y * (g - s)
        return (g - s).mul_(y)


def masked_softmax(scores: Tensor, dim: int = -1) -> Tensor:
    """softmax along ``dim`` where a slice of all ``-inf`` gives zeros, not NaN.

    The usual max-subtraction keeps exp() from overflowing; for an all ``-inf`` slice the
    max is replaced by 0 and the denominator by 1, so no NaN appears in values or gradients.

    >>> masked_softmax(torch.tensor([[0.0, 0.0], [float("-inf"), float("-inf")]]))
    tensor([[0.5000, 0.5000],
            [0.0000, 0.0000]])
    """
    if dim in (-1, scores.dim() - 1):
        return _SafeSoftmax.apply(scores)
    return _SafeSoftmax.apply(scores.transpose(dim, -1)).transpose(dim, -1)


def attention_weights(query: Tensor, key: Tensor, attn_mask: Tensor | None = None,
                      scale: float | None = None) -> Tensor:
    """The attention weights  A = softmax(Q K^T * scale + M)  over the keys.

    query (..., T, D), key (..., S, D) -> (..., T, S); each row sums to 1 (or is all zeros
    when the mask blocks every key). ``attn_mask`` selects (bool, True = may attend) or is
    added (float). Shared by :func:`scaled_dot_product_attention` and
    :class:`dlfs.nn.MultiheadAttention` (which also returns these weights).

    >>> attention_weights(torch.zeros(1, 2, 4), torch.zeros(1, 3, 4), causal_mask(2, 3))
    tensor([[[1.0000, 0.0000, 0.0000],
             [0.5000, 0.5000, 0.0000]]])
    """
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    # The product is a fresh tensor, so scaling and masking may write into it (autograd
    # allows it: neither the matmul's nor the scaling's backward needs the overwritten values).
    scores = (query @ key.transpose(-2, -1)).mul_(scale)    # (..., T, S)
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        scores = scores.masked_fill_(~attn_mask, float("-inf"))  # blocked pairs get -inf
    elif attn_mask is not None:
        scores = scores + attn_mask                             # additive bias
    return masked_softmax(scores, dim=-1)                   # (..., T, S)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Same contract as ``torch.nn.functional.scaled_dot_product_attention``.

    With ``enable_gqa`` the key/value heads (dim -3) are shared by groups of query heads:
    query (B, Hq, T, D) with key (B, Hkv, S, D), Hq divisible by Hkv.

    >>> q = torch.randn(2, 4, 5, 8)
    >>> scaled_dot_product_attention(q, q, q, is_causal=True).shape
    torch.Size([2, 4, 5, 8])
    """
    if is_causal and attn_mask is not None:
        raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal=True, "
                         "not both")
    if query.shape[-1] != key.shape[-1]:
        raise ValueError(f"scaled_dot_product_attention: query dim {query.shape[-1]} != key "
                         f"dim {key.shape[-1]} (query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)})")
    if key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: key has {key.shape[-2]} positions, "
                         f"value has {value.shape[-2]}")
    if enable_gqa and query.dim() >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hkv = query.shape[-3], key.shape[-3]
        if hq % hkv:
            raise ValueError(f"scaled_dot_product_attention: {hq} query heads are not a "
                             f"multiple of {hkv} key/value heads")
        key = key.repeat_interleave(hq // hkv, dim=-3)      # (B, Hq, S, D)
        value = value.repeat_interleave(hq // hkv, dim=-3)  # (B, Hq, S, Dv)
    if is_causal:
        attn_mask = causal_mask(query.shape[-2], key.shape[-2], device=query.device)  # (T, S)
    weights = attention_weights(query, key, attn_mask, scale)   # (..., T, S)
    if dropout_p > 0.0:
        weights = dropout(weights, p=dropout_p, training=True)
    return weights @ value                                  # (..., T, Dv)
