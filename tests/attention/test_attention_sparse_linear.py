"""Sliding-window and block-sparse attention equal dense SDPA with the same mask; linear
attention (both forms) equals its explicit quadratic formula."""

from __future__ import annotations

import pytest
import torch

from dlfs.attention import (
    block_sparse_attention,
    block_sparse_mask,
    linear_attention,
    linear_attention_quadratic,
    local_global_layout,
    sliding_window_attention,
    sliding_window_mask,
)
from dlfs.nn.functional import scaled_dot_product_attention as sdpa


def _rand(*shape, dtype=torch.float64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("T,window", [(1, 1), (9, 3), (16, 4), (5, 10)])
@pytest.mark.parametrize("causal", [True, False])
def test_sliding_window_equals_masked_dense(T, window, causal):
    q, k, v = _rand(2, 2, T, 4), _rand(2, 2, T, 4, seed=1), _rand(2, 2, T, 3, seed=2)
    out = sliding_window_attention(q, k, v, window, causal=causal)
    ref = sdpa(q, k, v, attn_mask=sliding_window_mask(T, window, causal))
    torch.testing.assert_close(out, ref)
    g = torch.randn_like(ref)
    for a, b in zip(torch.autograd.grad(out, (q, k, v), g), torch.autograd.grad(ref, (q, k, v), g)):
        torch.testing.assert_close(a, b)


def test_sliding_window_mask_counts():
    m = sliding_window_mask(10, 3)
    assert m.sum(1).tolist() == [1, 2] + [3] * 8
    assert sliding_window_mask(10, 10).equal(torch.ones(10, 10, dtype=torch.bool).tril())


@pytest.mark.parametrize("T,S,bs,causal", [(9, 9, 2, True), (8, 8, 4, False), (7, 11, 3, False),
                                            (1, 1, 1, True)])
def test_block_sparse_equals_masked_dense(T, S, bs, causal):
    nq, nk = -(-T // bs), -(-S // bs)
    if causal:
        layout = local_global_layout(nq, local=1, n_global=1)
    else:
        layout = torch.rand(nq, nk, generator=torch.Generator().manual_seed(3)) < 0.5
        layout[0] = False                           # a block that sees nothing gives zeros
    q, k, v = _rand(2, T, 4), _rand(2, S, 4, seed=1), _rand(2, S, 5, seed=2)
    out = block_sparse_attention(q, k, v, layout, bs, causal=causal)
    ref = sdpa(q, k, v, attn_mask=block_sparse_mask(layout, bs, T, S, causal=causal))
    torch.testing.assert_close(out, ref)
    g = torch.randn_like(ref)
    for a, b in zip(torch.autograd.grad(out, (q, k, v), g), torch.autograd.grad(ref, (q, k, v), g)):
        torch.testing.assert_close(a, b)


def test_block_sparse_bad_layout():
    q = torch.randn(1, 8, 4)
    with pytest.raises(ValueError, match="layout must have shape"):
        block_sparse_attention(q, q, q, torch.ones(3, 3, dtype=torch.bool), block_size=2)


@pytest.mark.parametrize("T,S", [(1, 1), (6, 6), (5, 9)])
def test_linear_attention_noncausal(T, S):
    q, k, v = _rand(2, 3, T, 4), _rand(2, 3, S, 4, seed=1), _rand(2, 3, S, 2, seed=2)
    torch.testing.assert_close(linear_attention(q, k, v), linear_attention_quadratic(q, k, v))


@pytest.mark.parametrize("T", [1, 7, 12])
def test_linear_attention_causal_prefix_sums(T):
    q, k, v = _rand(2, T, 4), _rand(2, T, 4, seed=1), _rand(2, T, 3, seed=2)
    out = linear_attention(q, k, v, causal=True)
    ref = linear_attention_quadratic(q, k, v, causal=True)
    torch.testing.assert_close(out, ref)
    g = torch.randn_like(ref)
    for a, b in zip(torch.autograd.grad(out, (q, k, v), g), torch.autograd.grad(ref, (q, k, v), g)):
        torch.testing.assert_close(a, b)
    # causal: output t does not depend on later tokens
    k2 = k.detach().clone()
    k2[:, T // 2 + 1:] += 5.0
    out2 = linear_attention(q, k2, v, causal=True)
    torch.testing.assert_close(out[:, : T // 2 + 1], out2[:, : T // 2 + 1])


def test_linear_attention_weights_are_normalized():
    """phi > 0 and the division by the row sum make the weights a convex combination, so
    constant values come back unchanged (up to eps)."""
    q, k = _rand(1, 6, 4), _rand(1, 6, 4, seed=1)
    v = torch.ones(1, 6, 2, dtype=torch.float64)
    torch.testing.assert_close(linear_attention(q, k, v), torch.ones(1, 6, 2, dtype=torch.float64),
                               atol=1e-5, rtol=0)
