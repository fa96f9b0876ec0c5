"""Flash-style tiled attention in pure PyTorch: the online softmax.

Dense attention builds the whole (T, S) score matrix. Tiled attention walks over key blocks
and keeps, for each query row, only three running quantities:

    m   = max of the scores seen so far                       (..., T, 1)
    l   = sum_j exp(s_j - m) over the scores seen so far       (..., T, 1)
    acc = sum_j exp(s_j - m) v_j                               (..., T, Dv)

When a new block of scores s' arrives, with m' = max(m, rowmax(s')):

    alpha = exp(m - m')                  rescales everything computed under the old max
    l     = alpha * l   + sum exp(s' - m')
    acc   = alpha * acc + exp(s' - m') V'
    m     = m'

and at the end  O = acc / l,  logsumexp L = m + log l.  Only one (block_q, block_k) tile of
scores exists at a time, so the extra memory grows linearly in T instead of quadratically.

The backward pass (:class:`FlashAttentionFunction`) does not keep the tiles either: it saves
O and L and recomputes each tile's probabilities P = exp(S - L), as FlashAttention does:

    dV += P^T dO,   dP = dO V^T,   dS = P * (dP - rowsum(dO * O)),   dQ += dS K s,  dK += dS^T Q s

Shapes: query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv); the leading
dims of the three must be equal. ``is_causal`` masks as ``scaled_dot_product_attention``
does (query t sees keys s <= t) and skips tiles that are masked entirely.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..nn.functional.attention import causal_mask

__all__ = ["FlashAttentionFunction", "flash_attention", "tiled_attention"]


def _check(q: Tensor, k: Tensor, v: Tensor, block_q: int, block_k: int) -> None:
    if q.shape[:-2] != k.shape[:-2] or k.shape[:-1] != v.shape[:-1]:
        raise ValueError(f"flash attention: expected query (..., T, D), key (..., S, D), "
                         f"value (..., S, Dv) with equal leading dims, got {tuple(q.shape)}, "
                         f"{tuple(k.shape)}, {tuple(v.shape)}")
    if q.shape[-1] != k.shape[-1]:
        raise ValueError(f"flash attention: query dim {q.shape[-1]} != key dim {k.shape[-1]}")
    if block_q < 1 or block_k < 1:
        raise ValueError(f"flash attention: block sizes must be >= 1, got {block_q}, {block_k}")


def _key_tiles(i0: int, i1: int, S: int, block_k: int, is_causal: bool):
    """Yield (j0, j1, needs_mask) for the key blocks that queries i0..i1-1 can see."""
    for j0 in range(0, S, block_k):
        j1 = min(j0 + block_k, S)
        if is_causal and j0 > i1 - 1:           # every key after every query: skip the rest
            break
        yield j0, j1, is_causal and j1 - 1 > i0


def _tiles(T: int, S: int, block_q: int, block_k: int, is_causal: bool):
    """Yield (i0, i1, j0, j1, needs_mask) for every tile that is not masked entirely."""
    for i0 in range(0, T, block_q):
        i1 = min(i0 + block_q, T)
        for j0, j1, needs_mask in _key_tiles(i0, i1, S, block_k, is_causal):
            yield i0, i1, j0, j1, needs_mask


def _tile_scores(q_i: Tensor, k_j: Tensor, scale: float, i0: int, j0: int,
                 needs_mask: bool) -> Tensor:
    """s = q_i k_j^T * scale, with -inf where key index > query index if needed."""
    s = (q_i @ k_j.transpose(-2, -1)) * scale                        # (..., bq, bk)
    if needs_mask:                 # key j0 + c is visible from query i0 + r iff c <= r + i0 - j0
        visible = causal_mask(s.shape[-2], s.shape[-1], offset=i0 - j0, device=s.device)
        s = s.masked_fill(~visible, float("-inf"))                   # causal within the tile
    return s


def tiled_attention(query: Tensor, key: Tensor, value: Tensor, *, is_causal: bool = False,
                    scale: float | None = None, block_q: int = 64, block_k: int = 64
                    ) -> tuple[Tensor, Tensor]:
    """The online-softmax forward pass: returns (O (..., T, Dv), L = logsumexp (..., T)).

    Differentiable through autograd (which then keeps every tile for the backward pass; use
    :func:`flash_attention` for the recomputing backward).

    >>> q = torch.randn(2, 7, 4)
    >>> out, lse = tiled_attention(q, q, q, block_q=3, block_k=2)
    >>> out.shape, lse.shape
    (torch.Size([2, 7, 4]), torch.Size([2, 7]))
    """
    _check(query, key, value, block_q, block_k)
    T, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    outs, lses = [], []
    for i0 in range(0, T, block_q):
        i1 = min(i0 + block_q, T)
        q_i = query[..., i0:i1, :]                                   # (..., bq, D)
        m = q_i.new_full((*q_i.shape[:-1], 1), float("-inf"))        # (..., bq, 1)
        l = q_i.new_zeros((*q_i.shape[:-1], 1))                      # (..., bq, 1)
        acc = q_i.new_zeros((*q_i.shape[:-1], value.shape[-1]))      # (..., bq, Dv)
        for j0, j1, needs_mask in _key_tiles(i0, i1, S, block_k, is_causal):
            s = _tile_scores(q_i, key[..., j0:j1, :], scale, i0, j0, needs_mask)
            m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))   # (..., bq, 1)
            m_safe = torch.where(torch.isinf(m_new), torch.zeros_like(m_new), m_new)
            p = torch.exp(s - m_safe)                                # (..., bq, bk)
            alpha = torch.exp(m - m_safe)                            # (..., bq, 1)
            l = alpha * l + p.sum(dim=-1, keepdim=True)
            acc = alpha * acc + p @ value[..., j0:j1, :]             # (..., bq, Dv)
            m = m_new
        outs.append(acc / torch.where(l == 0, torch.ones_like(l), l))  # empty rows give 0
        lses.append((m + torch.log(l)).squeeze(-1))                  # (..., bq)
    return torch.cat(outs, dim=-2), torch.cat(lses, dim=-1)          # (..., T, Dv), (..., T)


class FlashAttentionFunction(torch.autograd.Function):
    """Tiled forward; backward that recomputes each tile from (Q, K, V, O, L)."""

    @staticmethod
    def forward(ctx, query: Tensor, key: Tensor, value: Tensor, is_causal: bool,
                scale: float, block_q: int, block_k: int) -> Tensor:
        """The tiled forward, without a graph; saves Q, K, V, O and L (each row's
        log-sum-exp of the scores) for :meth:`backward`."""
        with torch.no_grad():
            out, lse = tiled_attention(query, key, value, is_causal=is_causal, scale=scale,
                                       block_q=block_q, block_k=block_k)
        ctx.save_for_backward(query, key, value, out, lse)
        ctx.config = (is_causal, scale, block_q, block_k)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        q, k, v, out, lse = ctx.saved_tensors
        is_causal, scale, block_q, block_k = ctx.config
        dq, dk, dv = torch.zeros_like(q), torch.zeros_like(k), torch.zeros_like(v)
        delta = (grad_out * out).sum(dim=-1, keepdim=True)           # (..., T, 1)
        lse = torch.where(torch.isinf(lse), torch.full_like(lse, float("inf")), lse)
        lse = lse.unsqueeze(-1)                                      # (..., T, 1)
        for i0, i1, j0, j1, needs_mask in _tiles(q.shape[-2], k.shape[-2], block_q, block_k,
                                                 is_causal):
            q_i, k_j, v_j = q[..., i0:i1, :], k[..., j0:j1, :], v[..., j0:j1, :]
            do_i = grad_out[..., i0:i1, :]                           # (..., bq, Dv)
            p = torch.exp(_tile_scores(q_i, k_j, scale, i0, j0, needs_mask)
                          - lse[..., i0:i1, :])                      # (..., bq, bk)
            dv[..., j0:j1, :] += p.transpose(-2, -1) @ do_i          # (..., bk, Dv)
            dp = do_i @ v_j.transpose(-2, -1)                        # (..., bq, bk)
            ds = p * (dp - delta[..., i0:i1, :])                     # (..., bq, bk)
            dq[..., i0:i1, :] += (ds @ k_j) * scale                  # (..., bq, D)
            dk[..., j0:j1, :] += (ds.transpose(-2, -1) @ q_i) * scale  # (..., bk, D)
        return dq, dk, dv, None, None, None, None


def flash_attention(query: Tensor, key: Tensor, value: Tensor, *, is_causal: bool = False,
                    scale: float | None = None, block_q: int = 64, block_k: int = 64
                    ) -> Tensor:
    """softmax(Q K^T * scale) V computed tile by tile; memory linear in T, forward and back.

    query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv).

    >>> q, k, v = torch.randn(3, 1, 10, 8).unbind(0)
    >>> from dlfs.nn.functional import scaled_dot_product_attention as sdpa
    >>> out = flash_attention(q, k, v, is_causal=True, block_q=4, block_k=3)
    >>> torch.allclose(out, sdpa(q, k, v, is_causal=True), atol=1e-6)
    True
    """
    _check(query, key, value, block_q, block_k)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    return FlashAttentionFunction.apply(query, key, value, is_causal, scale, block_q, block_k)
