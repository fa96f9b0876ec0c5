"""Positional encodings: sinusoidal table, learned table, RoPE errors, ALiBi slopes and
bias."""

from __future__ import annotations

import math

import pytest
import torch

import dlfs.nn as dnn
import dlfs.nn.functional as F
from dlfs.errors import DlfsError

f64 = torch.float64


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=f64)


# ---------------------------------------------------------------- sinusoidal


@pytest.mark.parametrize("T,C", [(1, 2), (7, 6), (5, 9)])
def test_sinusoidal_table_equals_the_formula(T, C):
    pe = dnn.sinusoidal_table(T, C, dtype=f64)
    assert pe.shape == (T, C)
    for pos in range(T):
        for j in range(C):
            w = 10000.0 ** (-(j - j % 2) / C)
            want = math.sin(pos * w) if j % 2 == 0 else math.cos(pos * w)
            assert abs(pe[pos, j].item() - want) < 1e-12


def test_sinusoidal_shift_is_a_rotation():
    """PE[p + k] is PE[p] with each (sin, cos) pair rotated by k * w_i, for every p."""
    C, k = 8, 3
    pe = dnn.sinusoidal_table(20, C, dtype=f64)
    w = 10000.0 ** (-torch.arange(0, C, 2, dtype=f64) / C)
    s, c = pe[:-k, 0::2], pe[:-k, 1::2]
    cos_k, sin_k = torch.cos(k * w), torch.sin(k * w)
    torch.testing.assert_close(pe[k:, 0::2], s * cos_k + c * sin_k)     # sin(a + b)
    torch.testing.assert_close(pe[k:, 1::2], c * cos_k - s * sin_k)     # cos(a + b)


def test_sinusoidal_module_adds_a_buffer():
    enc = dnn.SinusoidalPositionalEncoding(6, max_len=10).double()
    assert "pe" in dict(enc.named_buffers()) and "pe" not in enc.state_dict()
    assert list(enc.parameters()) == []
    x = rand(2, 4, 6)
    torch.testing.assert_close(enc(x), x + dnn.sinusoidal_table(10, 6, dtype=f64)[:4])
    torch.testing.assert_close(enc(x, offset=5), x + enc.pe[5:9])
    with pytest.raises(DlfsError, match="max_len=10"):
        enc(rand(1, 11, 6))


def test_sinusoidal_dropout_only_in_train_mode():
    enc = dnn.SinusoidalPositionalEncoding(16, max_len=40, dropout=0.5)
    x = torch.zeros(4, 40, 16)
    torch.manual_seed(0)
    assert (enc.train()(x) == 0).float().mean() > 0.3
    torch.testing.assert_close(enc.eval()(x), enc.pe.expand(4, 40, 16))


# ---------------------------------------------------------------- learned


def test_learned_embedding_adds_trainable_rows():
    torch.manual_seed(0)
    emb = dnn.LearnedPositionalEmbedding(12, 5)
    assert emb.weight.shape == (12, 5) and 0.01 < emb.weight.std().item() < 0.03
    x = torch.randn(3, 4, 5, requires_grad=True)
    out = emb(x, offset=2)
    torch.testing.assert_close(out, x + emb.weight[2:6])
    out.sum().backward()
    assert torch.equal(emb.weight.grad[2:6], torch.full((4, 5), 3.0))   # 3 batch rows each
    assert emb.weight.grad[:2].abs().sum() == 0 and emb.weight.grad[6:].abs().sum() == 0
    with pytest.raises(DlfsError, match="max_len=12"):
        emb(torch.zeros(1, 11, 5), offset=2)


# ---------------------------------------------------------------- RoPE


# What RoPE computes (the complex-rotation reference, offsets, explicit positions, norms
# kept, scores depending only on m - n, gradients) is the ``rotary_embedding`` exercise's
# checker, run on the library by tests/exercises/test_bank.py.


def test_rope_errors():
    rope = dnn.RotaryEmbedding(4)
    with pytest.raises(ValueError, match="even"):
        dnn.RotaryEmbedding(5)
    with pytest.raises(ValueError, match="expected 4"):
        rope(rand(2, 6))


# ---------------------------------------------------------------- ALiBi


def test_alibi_slopes_for_eight_heads():
    want = torch.tensor([2.0 ** -i for i in range(1, 9)], dtype=f64)  # 1/2, 1/4, ..., 1/256
    torch.testing.assert_close(dnn.alibi_slopes(8), want, rtol=0, atol=0)


def test_alibi_slopes_for_non_powers_of_two():
    # 6 heads: the 4-head slopes 2^-2, 2^-4, 2^-6, 2^-8, then 2^-1, 2^-3 (every other 8-head)
    torch.testing.assert_close(dnn.alibi_slopes(6),
                               torch.tensor([2.0 ** -e for e in (2, 4, 6, 8, 1, 3)],
                                            dtype=f64), rtol=0, atol=0)
    assert dnn.alibi_slopes(1).tolist() == [2.0 ** -8]
    s12 = dnn.alibi_slopes(12)
    torch.testing.assert_close(s12[:8], dnn.alibi_slopes(8))
    torch.testing.assert_close(s12[8:], dnn.alibi_slopes(16)[0::2][:4])


@pytest.mark.parametrize("H,T,S", [(8, 5, 5), (3, 2, 6), (1, 1, 1)])
def test_alibi_bias_is_minus_slope_times_distance(H, T, S):
    bias = dnn.alibi_bias(H, T, S, dtype=f64)
    assert bias.shape == (H, T, S)
    m = dnn.alibi_slopes(H)
    for h in range(H):
        for t in range(T):
            for s in range(S):
                distance = abs((t + S - T) - s)
                assert bias[h, t, s].item() == -m[h].item() * distance


def test_alibi_with_causal_attention_prefers_nearby_keys():
    """Equal keys: without a bias attention is uniform; ALiBi makes the weight fall with
    distance, steepest for the first head."""
    H, T = 4, 6
    q = torch.zeros(1, H, T, 8, dtype=f64)
    v = torch.eye(T, dtype=f64).expand(1, H, T, T)           # output row = attention weights
    mask = F.causal_mask(T).to(f64).log() + dnn.alibi_bias(H, T, dtype=f64)  # (H, T, T)
    w = F.scaled_dot_product_attention(q, q, v, attn_mask=mask)[0]          # (H, T, T)
    last = w[:, -1]                                                          # (H, T)
    assert torch.all(last[:, 1:] > last[:, :-1])             # nearer keys weigh more
    assert last[0, -1] > last[-1, -1]                        # steeper slope, sharper focus
    torch.testing.assert_close(w.sum(-1), torch.ones(H, T, dtype=f64))
