"""Sparse attention patterns: a sliding window (local attention) and block-sparse layouts.

Both compute only the scores the pattern allows, so memory grows like T * window (or
T * visible blocks) instead of T * T. Each has a ``*_mask`` function that builds the same
pattern as a dense boolean (T, S) mask (True = may attend); the tests check the sparse
computation against ``scaled_dot_product_attention`` with that mask.

Sliding window of width w::

    causal:      s visible from t  iff  0 <= t - s < w
    non-causal:  s visible from t  iff  |t - s| < w

Block-sparse: positions fall into blocks of ``block_size``; a boolean ``layout`` (nT, nS)
says which query block sees which key block (optionally also causal inside).

Shapes: query (..., T, D), key (..., S, D), value (..., S, Dv) -> (..., T, Dv).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ..nn.functional.attention import causal_mask, masked_softmax

__all__ = ["block_sparse_attention", "block_sparse_mask", "local_global_layout",
           "sliding_window_attention", "sliding_window_mask"]


def sliding_window_mask(T: int, window: int, causal: bool = True,
                        device: torch.device | str | None = None) -> Tensor:
    """Bool (T, T) mask of the sliding window (see the module docstring).

    >>> sliding_window_mask(4, 2).int().tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]]
    """
    if window < 1:
        raise ValueError(f"sliding_window_mask: window must be >= 1, got {window}")
    t = torch.arange(T, device=device).unsqueeze(1)                  # (T, 1)
    s = torch.arange(T, device=device)                               # (T,)
    diff = t - s                                                     # (T, T)
    return (diff >= 0) & (diff < window) if causal else diff.abs() < window


def sliding_window_attention(query: Tensor, key: Tensor, value: Tensor, window: int,
                             causal: bool = True, scale: float | None = None) -> Tensor:
    """Each query sees only its band of keys; the band is gathered with ``unfold``.

    Self-attention only (T == S). Memory: (..., T, band) scores, band = w (causal) or
    2w - 1, instead of (..., T, T).

    >>> q = torch.randn(1, 6, 4)
    >>> sliding_window_attention(q, q, q, window=3).shape
    torch.Size([1, 6, 4])
    """
    T = query.shape[-2]
    if key.shape[-2] != T or value.shape[-2] != T:
        raise ValueError(f"sliding_window_attention: self-attention needs T == S, got query "
                         f"{tuple(query.shape)}, key {tuple(key.shape)}")
    if window < 1:
        raise ValueError(f"sliding_window_attention: window must be >= 1, got {window}")
    left, right = window - 1, 0 if causal else window - 1
    band = left + right + 1
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale

    def windows(x: Tensor) -> Tensor:
        """(..., T, D) -> (..., T, band, D): row t holds positions t - left .. t + right."""
        before = x.new_zeros((*x.shape[:-2], left, x.shape[-1]))
        after = x.new_zeros((*x.shape[:-2], right, x.shape[-1]))
        padded = torch.cat([before, x, after], dim=-2)               # (..., T + band - 1, D)
        return padded.unfold(-2, band, 1).transpose(-2, -1)          # (..., T, band, D)

    k_w, v_w = windows(key), windows(value)
    scores = (query.unsqueeze(-2) @ k_w.transpose(-2, -1)).squeeze(-2) * scale  # (..., T, band)
    pos = torch.arange(T, device=query.device).unsqueeze(1) - left + torch.arange(
        band, device=query.device)                                   # (T, band) key index
    scores = scores.masked_fill((pos < 0) | (pos >= T), float("-inf"))  # padding is not a key
    weights = masked_softmax(scores, dim=-1)                         # (..., T, band)
    return (weights.unsqueeze(-2) @ v_w).squeeze(-2)                 # (..., T, Dv)


def local_global_layout(n_blocks: int, local: int = 1, n_global: int = 1,
                        causal: bool = True) -> Tensor:
    """A common block layout: each block sees its ``local`` neighbours on each side (only
    earlier ones if causal) and the first ``n_global`` blocks. Bool (n_blocks, n_blocks).

    >>> local_global_layout(4, local=1, n_global=1).int().tolist()
    [[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0], [1, 0, 1, 1]]
    """
    i = torch.arange(n_blocks).unsqueeze(1)
    j = torch.arange(n_blocks)
    layout = ((i - j).abs() <= local) | (j < n_global)
    return layout & (j <= i) if causal else layout


def block_sparse_mask(layout: Tensor, block_size: int, T: int, S: int | None = None,
                      causal: bool = False) -> Tensor:
    """Expand a block layout (nT, nS) to the dense bool (T, S) mask it stands for."""
    S = T if S is None else S
    mask = layout.repeat_interleave(block_size, 0).repeat_interleave(block_size, 1)
    mask = mask[:T, :S]                                              # (T, S)
    if causal:
        mask = mask & causal_mask(T, S, device=mask.device)          # (T, S)
    return mask


def block_sparse_attention(query: Tensor, key: Tensor, value: Tensor, layout: Tensor,
                           block_size: int, causal: bool = False,
                           scale: float | None = None) -> Tensor:
    """Attention that, for each query block, computes scores only against the key blocks its
    row of ``layout`` selects. layout: bool (ceil(T / bs), ceil(S / bs)).

    >>> q = torch.randn(2, 8, 4)
    >>> block_sparse_attention(q, q, q, local_global_layout(4), block_size=2, causal=True).shape
    torch.Size([2, 8, 4])
    """
    T, S = query.shape[-2], key.shape[-2]
    n_q, n_k = -(-T // block_size), -(-S // block_size)
    if tuple(layout.shape) != (n_q, n_k):
        raise ValueError(f"block_sparse_attention: layout must have shape ({n_q}, {n_k}) for "
                         f"T={T}, S={S}, block_size={block_size}; got {tuple(layout.shape)}")
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    chunks = []
    for i in range(n_q):
        i0, i1 = i * block_size, min((i + 1) * block_size, T)
        blocks = layout[i].nonzero().flatten().tolist()
        if not blocks:                                               # sees nothing: zeros
            chunks.append(query.new_zeros((*query.shape[:-2], i1 - i0, value.shape[-1])))
            continue
        cols = torch.cat([torch.arange(j * block_size, min((j + 1) * block_size, S))
                          for j in blocks]).to(query.device)         # (n_cols,)
        scores = (query[..., i0:i1, :] @ key[..., cols, :].transpose(-2, -1)) * scale
        if causal:                                                   # (..., bq, n_cols)
            rows = torch.arange(i0, i1, device=query.device).unsqueeze(1)
            scores = scores.masked_fill(cols > rows, float("-inf"))
        weights = masked_softmax(scores, dim=-1)
        chunks.append(weights @ value[..., cols, :])                 # (..., bq, Dv)
    return torch.cat(chunks, dim=-2)                                 # (..., T, Dv)
