"""Tiled (flash-style) attention equals dense SDPA: outputs and gradients, every tiling."""

from __future__ import annotations

import pytest
import torch

from dlfs.attention import flash_attention, tiled_attention
from dlfs.nn.functional import scaled_dot_product_attention as sdpa

CASES = [  # (B, H, T, S, D, Dv, block_q, block_k)
    (1, 1, 1, 1, 4, 4, 64, 64),
    (2, 3, 10, 10, 8, 8, 4, 3),
    (1, 2, 7, 13, 5, 3, 2, 5),
    (3, 1, 13, 7, 6, 6, 5, 2),
    (1, 2, 17, 17, 8, 4, 1, 17),
]


def _qkv(B, H, T, S, D, Dv, dtype, seed=0):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(B, H, T, D, generator=g, dtype=dtype, requires_grad=True)
    k = torch.randn(B, H, S, D, generator=g, dtype=dtype, requires_grad=True)
    v = torch.randn(B, H, S, Dv, generator=g, dtype=dtype, requires_grad=True)
    return q, k, v


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("causal", [False, True])
def test_flash_equals_sdpa_float64(case, causal):
    *shape, bq, bk = case
    q, k, v = _qkv(*shape, torch.float64)
    ref = sdpa(q, k, v, is_causal=causal)
    grad = torch.randn_like(ref)
    ref_grads = torch.autograd.grad(ref, (q, k, v), grad)
    out = flash_attention(q, k, v, is_causal=causal, block_q=bq, block_k=bk)
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(torch.autograd.grad(out, (q, k, v), grad), ref_grads):
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)
    # the readable forward, differentiated by autograd, agrees too
    out2, lse = tiled_attention(q, k, v, is_causal=causal, block_q=bk, block_k=bq)
    torch.testing.assert_close(out2, ref, rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(torch.autograd.grad(out2, (q, k, v), grad), ref_grads):
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)


def test_logsumexp_matches_dense():
    q, k, v = _qkv(2, 2, 9, 11, 4, 4, torch.float64)
    _, lse = tiled_attention(q, k, v, block_q=4, block_k=3)
    dense = torch.logsumexp(q @ k.transpose(-2, -1) / 2.0, dim=-1)
    torch.testing.assert_close(lse, dense)


def test_flash_float32_large_scores_and_custom_scale():
    q, k, v = _qkv(2, 2, 33, 33, 16, 16, torch.float32, seed=1)
    with torch.no_grad():
        q.mul_(6.0)                                   # big scores: the running max matters
    for scale in (None, 0.3):
        ref = sdpa(q, k, v, is_causal=True, scale=scale)
        out = flash_attention(q, k, v, is_causal=True, scale=scale, block_q=8, block_k=16)
        assert torch.isfinite(out).all()
        torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)


def test_causal_ignores_future():
    q, k, v = _qkv(1, 1, 12, 12, 4, 4, torch.float64)
    out = flash_attention(q, k, v, is_causal=True, block_q=5, block_k=5)
    k2, v2 = k.detach().clone(), v.detach().clone()
    k2[..., 7:, :] += 10.0
    v2[..., 7:, :] -= 3.0
    out2 = flash_attention(q, k2, v2, is_causal=True, block_q=5, block_k=5)
    torch.testing.assert_close(out[..., :7, :], out2[..., :7, :])
    assert not torch.allclose(out[..., 7:, :], out2[..., 7:, :])


def test_bad_shapes_are_clear():
    q = torch.randn(1, 4, 8)
    with pytest.raises(ValueError, match="query dim"):
        flash_attention(q, torch.randn(1, 4, 6), torch.randn(1, 4, 6))
    with pytest.raises(ValueError, match="block sizes"):
        flash_attention(q, q, q, block_q=0)


def test_causal_skips_masked_tiles():
    from dlfs.attention.flash import _tiles

    n = 6                                             # 6 x 6 tiles of 4 x 4
    dense = list(_tiles(24, 24, 4, 4, is_causal=False))
    causal = list(_tiles(24, 24, 4, 4, is_causal=True))
    assert len(dense) == n * n
    assert len(causal) == n * (n + 1) // 2            # the upper triangle is never computed
    assert sum(needs_mask for *_, needs_mask in causal) == n   # only diagonal tiles are masked
