"""scaled_dot_product_attention and MultiheadAttention against torch (values and grads)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF

import dlfs.nn as dnn
import dlfs.nn.functional as F
from dlfs.testing import assert_fn_parity, assert_module_parity

f64 = torch.float64


def rand(*shape, dtype=f64, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


@pytest.mark.parametrize("shape_q,shape_kv", [
    ((1, 1, 1, 4), (1, 1, 1, 4)),
    ((2, 3, 5, 8), (2, 3, 7, 8)),
    ((4, 6, 3), (4, 9, 3)),
    ((3, 2, 1, 5, 4), (3, 2, 1, 6, 4)),
])
@pytest.mark.parametrize("scale", [None, 0.3])
def test_sdpa_plain(shape_q, shape_kv, scale):
    q, k, v = rand(*shape_q), rand(*shape_kv, seed=1), rand(*shape_kv, seed=2)
    assert_fn_parity(F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
                     q, k, v, kwargs={"scale": scale})


# T = S and T < S (top-left aligned) are in the ``sdpa`` exercise's checker
@pytest.mark.parametrize("T,S", [(7, 3), (1, 1)])
def test_sdpa_causal(T, S):
    q, k, v = rand(2, 2, T, 4), rand(2, 2, S, 4, seed=1), rand(2, 2, S, 6, seed=2)
    assert_fn_parity(F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
                     q, k, v, kwargs={"is_causal": True})


@pytest.mark.parametrize("mask_shape", [(5, 7), (2, 1, 5, 7), (2, 3, 5, 7), (1, 7)])
def test_sdpa_bool_and_additive_masks(mask_shape):
    q, k, v = rand(2, 3, 5, 4), rand(2, 3, 7, 4, seed=1), rand(2, 3, 7, 4, seed=2)
    gen = torch.Generator().manual_seed(3)
    bool_mask = torch.rand(*mask_shape, generator=gen) > 0.3
    bool_mask[..., 0] = True  # every row keeps at least one key
    assert_fn_parity(F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
                     q, k, v, kwargs={"attn_mask": bool_mask})
    additive = rand(*mask_shape, seed=4)
    assert_fn_parity(F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
                     q, k, v, kwargs={"attn_mask": additive})


def test_sdpa_fully_masked_rows_are_zero_not_nan():
    q, k, v = rand(1, 2, 4, 4), rand(1, 2, 5, 4, seed=1), rand(1, 2, 5, 4, seed=2)
    mask = torch.ones(4, 5, dtype=torch.bool)
    mask[2] = False
    assert_fn_parity(F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
                     q, k, v, kwargs={"attn_mask": mask})
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.equal(out[:, :, 2], torch.zeros_like(out[:, :, 2]))


@pytest.mark.parametrize("hq,hkv", [(4, 2), (6, 1), (4, 4)])
def test_sdpa_gqa(hq, hkv):
    q, k, v = rand(2, hq, 5, 4), rand(2, hkv, 6, 4, seed=1), rand(2, hkv, 6, 4, seed=2)
    assert_fn_parity(F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
                     q, k, v, kwargs={"enable_gqa": True, "is_causal": True})


def test_sdpa_float32_loose():
    q, k, v = (rand(2, 4, 9, 8, dtype=torch.float32, seed=s) for s in range(3))
    assert_fn_parity(F.scaled_dot_product_attention, TF.scaled_dot_product_attention,
                     q, k, v, kwargs={"is_causal": True})


@pytest.mark.parametrize("mask", [None, "causal", "bool (B, 1, T, S)", "additive (T, S)"])
def test_sdpa_hand_written_backward_equals_recorded_ops(mask):
    """The one-node attention (its backward written out) against the same expression
    through autograd's recorded ops (attention_weights @ v), first and second derivatives."""
    q, k, v = rand(2, 3, 5, 4), rand(2, 3, 6, 4, seed=1), rand(2, 3, 6, 3, seed=2)
    m = {None: None, "causal": F.causal_mask(5, 6), "additive (T, S)": rand(5, 6, seed=3),
         "bool (B, 1, T, S)": F.causal_mask(5, 6, offset=1).expand(2, 1, 5, 6)}[mask]
    if mask == "additive (T, S)":
        m.requires_grad_(True)
    inputs = (q, k, v) if mask != "additive (T, S)" else (q, k, v, m)

    def fast(q, k, v, *bias):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=bias[0] if bias else m)
        assert type(out.grad_fn).__name__ == "_AttentionBackward"
        return out

    def recorded(q, k, v, *bias):
        return F.attention_weights(q, k, bias[0] if bias else m) @ v

    assert_fn_parity(fast, recorded, *inputs)
    for t in inputs:
        t.requires_grad_(True)
    assert torch.autograd.gradgradcheck(fast, inputs)


def test_sdpa_dropout_statistics():
    torch.manual_seed(0)
    q = torch.zeros(1, 1, 200, 4)
    v = torch.ones(1, 1, 50, 4)
    out = F.scaled_dot_product_attention(q, q[:, :, :50], v, dropout_p=0.25)
    # uniform weights 1/50; each kept weight scaled by 1/(1-p): the mean output stays ~1
    assert abs(out.mean().item() - 1.0) < 0.05
    assert out.std().item() > 0.05


def test_sdpa_errors():
    q = rand(1, 2, 3, 4)
    with pytest.raises(ValueError, match="not both"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(3, 3, dtype=torch.bool),
                                       is_causal=True)
    with pytest.raises(ValueError, match="query dim 4 != key dim 5"):
        F.scaled_dot_product_attention(q, rand(1, 2, 3, 5), rand(1, 2, 3, 5))
    with pytest.raises(ValueError, match="not a multiple"):
        F.scaled_dot_product_attention(rand(1, 3, 2, 4), rand(1, 2, 2, 4), rand(1, 2, 2, 4),
                                       enable_gqa=True)


# square, T < S, T > S, offsets -1 to S - T: the ``causal_mask`` exercise's checker; here
# an offset past the last key (every entry True)
@pytest.mark.parametrize("T,S,offset", [(2, 4, 9)])
def test_causal_mask_with_offset_is_s_le_t_plus_offset(T, S, offset):
    mask = F.causal_mask(T, S, offset=offset)
    by_hand = torch.tensor([[s <= t + offset for s in range(S)] for t in range(T)])
    assert mask.dtype == torch.bool and mask.shape == (T, S)
    assert torch.equal(mask, by_hand)
    assert torch.equal(mask, torch.ones(T, S).tril(diagonal=offset).bool())


def test_causal_mask_offset_s_minus_t_is_the_kv_cache_step():
    """The last T queries over S keys with offset S - T = the last T rows of full attention."""
    T, S = 3, 8
    q, k, v = rand(2, 2, S, 4), rand(2, 2, S, 4, seed=1), rand(2, 2, S, 4, seed=2)
    full = F.scaled_dot_product_attention(q, k, v, attn_mask=F.causal_mask(S))    # (B, H, S, D)
    step = F.scaled_dot_product_attention(q[:, :, -T:], k, v,
                                          attn_mask=F.causal_mask(T, S, offset=S - T))
    torch.testing.assert_close(step, full[:, :, -T:], rtol=0, atol=1e-12)
    top_left = F.scaled_dot_product_attention(q[:, :, -T:], k, v, is_causal=True)
    assert not torch.allclose(top_left, full[:, :, -T:])  # offset 0 would hide cached keys


@pytest.mark.parametrize("mask_kind", [None, "bool", "float"])
def test_attention_weights_are_the_softmax_of_masked_scores(mask_kind):
    q, k = rand(2, 3, 5, 4), rand(2, 3, 6, 4, seed=1)
    mask = {None: None, "bool": F.causal_mask(5, 6, offset=1),
            "float": rand(5, 6, seed=2)}[mask_kind]
    scores = q @ k.transpose(-2, -1) * 0.7
    if mask_kind == "bool":
        scores = scores.masked_fill(~mask, float("-inf"))
    elif mask_kind == "float":
        scores = scores + mask
    expected = torch.softmax(scores, dim=-1)                             # (B, H, T, S)
    torch.testing.assert_close(F.attention_weights(q, k, mask, scale=0.7), expected)


# ----------------------------------------------------------------------------- MHA


def make_pair(*args, **kwargs):
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(*args, **kwargs).double()
    ours = dnn.MultiheadAttention(*args, **kwargs).double()
    return ours, ref


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("B,T,S", [(1, 1, 1), (2, 5, 7), (3, 4, 4)])
def test_mha_self_and_cross_attention(batch_first, bias, B, T, S):
    ours, ref = make_pair(12, 3, bias=bias, batch_first=batch_first)
    shape_q = (B, T, 12) if batch_first else (T, B, 12)
    shape_kv = (B, S, 12) if batch_first else (S, B, 12)
    q, k, v = rand(*shape_q), rand(*shape_kv, seed=1), rand(*shape_kv, seed=2)
    assert_module_parity(ours, ref, q, k, v)
    assert_module_parity(ours, ref, q, k, v, forward_kwargs={"average_attn_weights": False})
    assert_module_parity(ours, ref, q, k, v, forward_kwargs={"need_weights": False})


def test_mha_kdim_vdim_and_names():
    ours, ref = make_pair(8, 2, kdim=5, vdim=3, batch_first=True)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert_module_parity(ours, ref, rand(2, 4, 8), rand(2, 6, 5, seed=1), rand(2, 6, 3, seed=2))
    ref.load_state_dict(ours.state_dict(), strict=True)


@pytest.mark.parametrize("mask_kind", ["bool", "float"])
def test_mha_masks(mask_kind):
    ours, ref = make_pair(8, 2, batch_first=True)
    q, kv = rand(3, 4, 8), rand(3, 6, 8, seed=1)
    gen = torch.Generator().manual_seed(5)
    pad = torch.rand(3, 6, generator=gen) > 0.6
    pad[:, 0] = False   # torch MHA: True = ignore this key; keep one key per row
    attn = torch.rand(4, 6, generator=gen) > 0.7
    attn[:, 0] = False
    per_head = torch.rand(3 * 2, 4, 6, generator=gen) > 0.7
    per_head[..., 0] = False
    if mask_kind == "float":
        pad, attn, per_head = (torch.zeros(m.shape, dtype=f64).masked_fill(m, -1e9)
                               for m in (pad, attn, per_head))
    for kwargs in ({"key_padding_mask": pad}, {"attn_mask": attn},
                   {"attn_mask": per_head}, {"attn_mask": attn, "key_padding_mask": pad}):
        assert_module_parity(ours, ref, q, kv, kv, forward_kwargs=kwargs)


def test_mha_causal_and_unbatched():
    ours, ref = make_pair(8, 4)
    x = rand(5, 8)
    mask = torch.ones(5, 5, dtype=torch.bool).triu(1)
    assert_module_parity(ours, ref, x, x, x,
                         forward_kwargs={"attn_mask": mask, "is_causal": True})
    out_hint, _ = ours(x, x, x, is_causal=True)
    out_mask, _ = ours(x, x, x, attn_mask=mask)
    torch.testing.assert_close(out_hint, out_mask)


def test_mha_train_mode_dropout_and_float32():
    ours, ref = make_pair(8, 2, dropout=0.0, batch_first=True)
    ours.float(), ref.float()
    x = rand(2, 3, 8, dtype=torch.float32)
    assert_module_parity(ours, ref, x, x, x)
    drop = dnn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    drop.train()
    a, _ = drop(x, x, x)
    b, _ = drop(x, x, x)
    assert not torch.allclose(a, b), "dropout in training mode changes the output"
    drop.eval()
    assert torch.allclose(drop(x, x, x)[0], drop(x, x, x)[0])


def test_mha_errors():
    with pytest.raises(ValueError, match="multiple of num_heads"):
        dnn.MultiheadAttention(10, 3)
    mha = dnn.MultiheadAttention(8, 2, batch_first=True)
    with pytest.raises(ValueError, match="expected embed_dim=8"):
        mha(rand(1, 2, 6, dtype=torch.float32), rand(1, 2, 8, dtype=torch.float32),
            rand(1, 2, 8, dtype=torch.float32))
