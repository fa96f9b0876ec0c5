"""Scaled dot-product attention, written out.

    Attention(Q, K, V) = softmax(Q K^T * scale + M) V,     scale = 1 / sqrt(D)

Shapes (batch dims ``...`` may be (B, H) or anything broadcastable):
    query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv)

A mask either *selects* (bool: True = may attend) or is *added* (float: 0 or -inf, or any
bias such as ALiBi). A query row whose every key is masked gets zero weights instead of
NaN (a "safe" softmax), as PyTorch's kernels do.

Without dropout, ``scaled_dot_product_attention`` runs as one autograd node (``_Attention``)
whose backward is derived by hand; with dropout it goes through the recorded ops of
``attention_weights`` (which ``MultiheadAttention`` uses too, as it returns the weights).
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


_LOG2_E = math.log2(math.e)


def _softmax_rows(x: Tensor, inplace: bool) -> Tensor:
    """softmax over the last dim, safe for all -inf rows (they become zeros); ``inplace``
    overwrites x (a fresh tensor of the caller's), else one new tensor.

    exp(z) is computed as 2^(z log2 e), as FlashAttention does: torch's ``exp2`` kernel is
    ~3x faster than its ``exp`` on the CPUs measured (torch 2.13, AVX-512), and the result
    differs by float rounding only.
    """
    m = x.amax(dim=-1, keepdim=True)
    m = m.masked_fill_(m == float("-inf"), 0.0)
    e = (x.sub_(m) if inplace else x - m).mul_(_LOG2_E).exp2_()  # exp(x - m)
    denom = e.sum(dim=-1, keepdim=True)
    return e.mul_(denom.masked_fill_(denom == 0, 1.0).reciprocal_())  # one divide per row


class _SafeSoftmax(torch.autograd.Function):
    """softmax over the last dim with a hand-written backward.

    Forward: y = exp(x - m) / sum(exp(x - m)), m = row max (0 for an all -inf row, whose
    denominator is then replaced by 1 so the row becomes zeros instead of NaN).
    Backward: dx = y * (g - sum(g * y)), the softmax Jacobian-vector product, which needs
    only y — one saved tensor and three kernels instead of autograd's chain of six.
    """

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:  # type: ignore[override]
        y = _softmax_rows(x, inplace=False)
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


class _Attention(torch.autograd.Function):
    """softmax(Q K^T * scale + M) V as one autograd node whose backward is written out.

    Forward, on N = prod(batch dims) independent problems, M an additive mask (or none):
        A = M + scale * Q K^T              (N, T, S), one batched matmul that adds M too
        P = softmax(A)                     in place
        Y = P V                            (N, T, Dv)
    Backward, given dY (the derivation FlashAttention uses):
        dV = P^T dY,   dP = dY V^T
        dA = P * (dP - rowsum(dY * Y))     softmax's Jacobian: rowsum(dP * P) = rowsum(dY * Y)
        dQ = scale * dA K,   dK = scale * dA^T Q,   dM = dA summed over M's broadcast dims
    A masked entry has P = 0, so dA is 0 there with no second masking. Autograd through the
    elementary ops records the scaling, the masking and the softmax as separate nodes (each
    with its own full-size gradient) and copies the transposed gradients; here backward is
    four batched matmuls and two elementwise passes over (N, T, S). Under
    ``create_graph=True`` backward replays the forward with recorded ops, so second
    derivatives are right too.
    """

    @staticmethod
    def forward(ctx, query: Tensor, key: Tensor, value: Tensor,  # type: ignore[override]
                mask: Tensor | None, scale: float) -> Tensor:
        T, S = query.shape[-2], key.shape[-2]
        q = query.reshape(-1, T, query.shape[-1])              # (N, T, D)
        k = key.reshape(-1, S, key.shape[-1])                  # (N, S, D)
        v = value.reshape(-1, S, value.shape[-1])              # (N, S, Dv)
        m = mask
        if mask is not None and mask.dim() > 2:                # per batch / head: (N, T, S)
            m = mask.expand(*query.shape[:-2], T, S).reshape(-1, T, S)
        scores = (torch.bmm(q, k.transpose(1, 2)).mul_(scale) if m is None   # (N, T, S)
                  else torch.baddbmm(m, q, k.transpose(1, 2), alpha=scale))
        p = _softmax_rows(scores, inplace=True)                # (N, T, S)
        y = torch.bmm(p, v)                                    # (N, T, Dv)
        ctx.scale = scale
        ctx.save_for_backward(q, k, v, p, y, query, key, value, mask)
        return y.view(*query.shape[:-1], v.shape[-1])          # (..., T, Dv)

    @staticmethod
    def backward(ctx, dy: Tensor):  # type: ignore[override]
        q, k, v, p, y, query, key, value, mask = ctx.saved_tensors
        if torch.is_grad_enabled():                            # double backward: replay
            return _attention_replay(ctx, query, key, value, mask, dy)
        dy = dy.reshape(y.shape)                               # (N, T, Dv)
        dv = torch.bmm(p.transpose(1, 2), dy)                  # (N, S, Dv)
        row = (dy * y).sum(-1, keepdim=True)                   # (N, T, 1)
        da = torch.bmm(dy, v.transpose(1, 2)).sub_(row).mul_(p)  # (N, T, S): dA
        dq = torch.bmm(da, k).mul_(ctx.scale)                  # (N, T, D)
        dk = torch.bmm(da.transpose(1, 2), q).mul_(ctx.scale)  # (N, S, D)
        dmask = None
        if ctx.needs_input_grad[3]:
            dmask = da.view(*query.shape[:-1], -1).sum_to_size(mask.shape)
        return (dq.view(query.shape), dk.view(key.shape), dv.view(value.shape), dmask, None)


def _attention_replay(ctx, query: Tensor, key: Tensor, value: Tensor, mask: Tensor | None,
                      dy: Tensor) -> tuple[Tensor | None, ...]:
    """_Attention's backward as recorded ops (for second derivatives)."""
    wanted = [i for i, need in enumerate(ctx.needs_input_grad[:4]) if need]
    inputs = (query, key, value, mask)
    with torch.enable_grad():
        scores = query @ key.transpose(-2, -1) * ctx.scale
        y = masked_softmax(scores if mask is None else scores + mask) @ value
        found = torch.autograd.grad(y, [inputs[i] for i in wanted], dy, create_graph=True)
    grads: list[Tensor | None] = [None] * 5
    for i, g in zip(wanted, found):
        grads[i] = g
    return tuple(grads)


def _fast_path_fits(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None
                    ) -> bool:
    """_Attention takes query, key and value with the same batch dims (>= 1) and a mask no
    wider than them; the rest (broadcast batch dims) goes through recorded ops."""
    batch = query.shape[:-2]
    return (query.dim() >= 3 and key.shape[:-2] == batch and value.shape[:-2] == batch
            and (attn_mask is None or attn_mask.dim() <= query.dim()))


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
    if dropout_p == 0.0 and _fast_path_fits(query, key, value, attn_mask):
        scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
        if attn_mask is not None and attn_mask.dtype == torch.bool:  # True = may attend
            attn_mask = torch.zeros(attn_mask.shape, dtype=query.dtype, device=query.device
                                    ).masked_fill_(~attn_mask, float("-inf"))  # additive
        elif attn_mask is not None:
            attn_mask = attn_mask.to(query.dtype)
        return _Attention.apply(query, key, value, attn_mask, scale)  # (..., T, Dv)
    weights = attention_weights(query, key, attn_mask, scale)   # (..., T, S)
    if dropout_p > 0.0:
        weights = dropout(weights, p=dropout_p, training=True)
    return weights @ value                                  # (..., T, Dv)
