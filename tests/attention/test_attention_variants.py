"""MHA / GQA / MQA / MLA: cache bytes equal the formula, cached decoding equals the full
forward, and the special cases reduce to one another with the same weights."""

from __future__ import annotations

import pytest
import torch

from dlfs.attention import (
    CausalSelfAttention,
    GroupedQueryAttention,
    KVCache,
    MultiHeadLatentAttention,
    MultiQueryAttention,
)

C, H = 24, 4
D = C // H


def _variants():
    torch.manual_seed(0)
    return {
        "mha": CausalSelfAttention(C, H),
        "gqa": GroupedQueryAttention(C, H, n_kv_heads=2),
        "mqa": MultiQueryAttention(C, H),
        "mla": MultiHeadLatentAttention(C, H, d_latent=8),
    }


def test_cache_bytes_formula():
    expected = {"mha": 2 * H * D, "gqa": 2 * 2 * D, "mqa": 2 * D, "mla": 8}
    for name, m in _variants().items():
        assert m.kv_cache_bytes_per_token(torch.float32) == 4 * expected[name], name
        assert m.kv_cache_bytes_per_token(torch.float64) == 8 * expected[name], name
        assert m.kv_cache_bytes_per_token(torch.bfloat16) == 2 * expected[name], name


@pytest.mark.parametrize("name", ["mha", "gqa", "mqa", "mla"])
@pytest.mark.parametrize("B,prompt,steps", [(1, 1, 4), (3, 5, 3)])
def test_cached_decoding_equals_full_forward_and_bytes(name, B, prompt, steps):
    m = _variants()[name].double()
    x = torch.randn(B, prompt + steps, C, dtype=torch.float64)
    full = m(x)                                              # (B, T, C), causal
    cache = KVCache()
    outs = [m(x[:, :prompt], cache)]
    for t in range(prompt, prompt + steps):
        outs.append(m(x[:, t:t + 1], cache))                 # one new token at a time
    torch.testing.assert_close(torch.cat(outs, dim=1), full)
    n = prompt + steps
    assert cache.bytes() == n * B * m.kv_cache_bytes_per_token(torch.float64)


def test_gqa_with_all_heads_is_mha():
    mha = CausalSelfAttention(C, H).double()
    gqa = GroupedQueryAttention(C, H, n_kv_heads=H).double()
    with torch.no_grad():
        gqa.q_proj.weight.copy_(mha.c_attn.weight[:C])
        gqa.kv_proj.weight.copy_(mha.c_attn.weight[C:])     # [k | v], as c_attn has them
        gqa.c_proj.weight.copy_(mha.c_proj.weight)
    x = torch.randn(2, 7, C, dtype=torch.float64)
    torch.testing.assert_close(gqa(x), mha(x))


def test_gqa_with_one_kv_head_is_mqa_and_mha_with_shared_kv():
    torch.manual_seed(1)
    mqa = MultiQueryAttention(C, H).double()
    gqa1 = GroupedQueryAttention(C, H, n_kv_heads=1).double()
    gqa1.load_state_dict(mqa.state_dict(), strict=True)
    mha = CausalSelfAttention(C, H).double()
    wk, wv = mqa.kv_proj.weight.chunk(2, dim=0)              # (D, C) each: the one k/v head
    with torch.no_grad():                                    # every MHA head gets that k/v
        mha.c_attn.weight.copy_(torch.cat([mqa.q_proj.weight, wk.repeat(H, 1), wv.repeat(H, 1)]))
        mha.c_proj.weight.copy_(mqa.c_proj.weight)
    x = torch.randn(2, 6, C, dtype=torch.float64)
    torch.testing.assert_close(gqa1(x), mqa(x))
    torch.testing.assert_close(mqa(x), mha(x))
    assert mqa.kv_cache_bytes_per_token() * H == mha.kv_cache_bytes_per_token()


def test_mla_with_identity_latent_is_mha():
    mha = CausalSelfAttention(C, H).double()
    mla = MultiHeadLatentAttention(C, H, d_latent=C).double()
    wq, wk, wv = mha.c_attn.weight.split(C, dim=0)
    with torch.no_grad():
        mla.q_proj.weight.copy_(wq)
        mla.kv_down.weight.copy_(torch.eye(C, dtype=torch.float64))
        mla.k_up.weight.copy_(wk)
        mla.v_up.weight.copy_(wv)
        mla.c_proj.weight.copy_(mha.c_proj.weight)
    x = torch.randn(1, 5, C, dtype=torch.float64)
    torch.testing.assert_close(mla(x), mha(x))


def test_causal_and_errors():
    m = _variants()["gqa"]
    x = torch.randn(1, 6, C)
    x2 = x.clone()
    x2[:, 4:] += 1.0
    torch.testing.assert_close(m(x)[:, :4], m(x2)[:, :4])
    with pytest.raises(ValueError, match="multiple of n_kv_heads"):
        GroupedQueryAttention(C, H, n_kv_heads=3)
    with pytest.raises(ValueError, match="divisible"):
        CausalSelfAttention(10, 4)
