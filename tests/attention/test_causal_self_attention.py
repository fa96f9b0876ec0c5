"""The one causal self-attention (MHA) and its subclasses: the fused path equals the
from-scratch one, the future is never seen, and one KVCache serves a stack of layers."""

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
from dlfs.testing import assert_module_parity

C, H = 24, 4
f64 = torch.float64
MAKERS = {
    "mha": lambda **kw: CausalSelfAttention(C, H, **kw),
    "gqa": lambda **kw: GroupedQueryAttention(C, H, 2, **kw),
    "mqa": lambda **kw: MultiQueryAttention(C, H, **kw),
    "mla": lambda **kw: MultiHeadLatentAttention(C, H, 8, **kw),
}


def x_of(B, T, seed=0):
    return torch.randn(B, T, C, dtype=f64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("B,T", [(1, 1), (2, 7), (3, 4)])
def test_fused_equals_from_scratch_values_and_gradients(name, bias, B, T):
    torch.manual_seed(0)
    ours = MAKERS[name](bias=bias).double()
    fused = MAKERS[name](bias=bias, fused=True).double()
    assert fused.fused and not ours.fused
    assert_module_parity(ours, fused, x_of(B, T))          # loads ours <- fused, strict


@pytest.mark.parametrize("name", MAKERS)
def test_fused_cached_decoding_equals_full_forward(name):
    torch.manual_seed(0)
    readable = MAKERS[name]().double()
    fused = MAKERS[name](fused=True).double()
    fused.load_state_dict(readable.state_dict())
    x = x_of(2, 6)
    cache = KVCache()
    steps = [fused(x[:, :3], cache)] + [fused(x[:, t:t + 1], cache) for t in range(3, 6)]
    torch.testing.assert_close(torch.cat(steps, dim=1), readable(x))


@pytest.mark.parametrize("name", MAKERS)
def test_a_later_position_never_changes_an_earlier_output(name):
    torch.manual_seed(0)
    m = MAKERS[name]().double()
    x = x_of(2, 8)
    y = x.clone()
    y[:, 5] += 1.0
    torch.testing.assert_close(m(x)[:, :5], m(y)[:, :5], rtol=0, atol=1e-12)
    assert not torch.allclose(m(x)[:, 5:], m(y)[:, 5:])


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize("chunks", [[4, 1, 1], [1] * 5, [2, 3]])
def test_one_cache_serves_a_stack_of_layers(name, chunks):
    """Two residual layers (layer=0, 1) share one KVCache; chunked decoding = full pass."""
    torch.manual_seed(0)
    layers = [MAKERS[name](layer=i).double() for i in range(2)]

    def stack(x, cache=None):
        for layer in layers:
            x = x + layer(x, cache)                          # (B, T, C)
        return x

    x = x_of(3, sum(chunks))
    cache, outs, start = KVCache(), [], 0
    for n in chunks:
        assert cache.length == start
        outs.append(stack(x[:, start:start + n], cache))
        start += n
    torch.testing.assert_close(torch.cat(outs, dim=1), stack(x))
    assert [cache.layer_length(i) for i in range(2)] == [start, start]
    per_token = sum(m.kv_cache_bytes_per_token(f64) for m in layers)
    assert cache.bytes() == 3 * start * per_token


def test_dropout_is_active_in_training_only():
    torch.manual_seed(0)
    m = CausalSelfAttention(C, H, dropout=0.5).double()
    x = x_of(2, 6)
    m.eval()
    torch.testing.assert_close(m(x), m(x))
    m.train()
    assert not torch.allclose(m(x), m(x))


def test_trace_rows_name_the_layer():
    m = CausalSelfAttention(C, H, layer=3)
    trace = []
    m(torch.randn(2, 5, C), trace=trace)
    shapes = {r.name: r.shape for r in trace}
    assert shapes == {"h[3].attn.qkv": (2, 5, 3 * C), "h[3].attn.q": (2, H, 5, C // H),
                      "h[3].attn.softmax(qk^T)v": (2, H, 5, C // H),
                      "h[3].attn.out": (2, 5, C)}


@pytest.mark.parametrize("fused", [False, True])
def test_fused_calls_torchs_kernel_and_the_readable_path_does_not(fused, monkeypatch):
    calls = []
    kernel = torch.nn.functional.scaled_dot_product_attention

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return kernel(*args, **kwargs)

    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention", spy)
    GroupedQueryAttention(C, H, 2, fused=fused)(torch.randn(1, 3, C))
    assert len(calls) == (1 if fused else 0)
