"""The from-scratch GPT: config validation, fused == readable, causality, KV cache, shapes."""

from __future__ import annotations

import pytest
import torch

import dlfs.nn as dnn
from dlfs.attention import CausalSelfAttention
from dlfs.models import GPT, GPTConfig, KVCache, format_trace

f64 = torch.float64


def tiny(**kw):
    cfg = dict(vocab_size=13, block_size=16, n_layer=2, n_head=2, n_embd=8)
    cfg.update(kw)
    torch.manual_seed(0)
    return GPT(GPTConfig(**cfg)).double()


def ids(B, T, V=13, seed=0):
    return torch.randint(0, V, (B, T), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("bad,msg", [
    ({"n_embd": 10, "n_head": 4}, "divisible by n_head"),
    ({"vocab_size": 0}, "vocab_size must be a positive int"),
    ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
])
def test_config_validates(bad, msg):
    cfg = dict(vocab_size=5)
    cfg.update(bad)
    with pytest.raises(ValueError, match=msg):
        GPTConfig(**cfg)


def test_parameter_count_formula():
    for bias in (True, False):
        V, T, L, C = 13, 16, 3, 8
        model = tiny(n_layer=L, bias=bias)
        b = 1 if bias else 0
        per_block = 12 * C * C + b * 9 * C + 2 * C + 2 * b * C  # weights, linear biases, LNs
        expected = V * C + T * C + L * per_block + C + b * C     # + ln_f
        assert model.num_params(non_embedding=False) == expected
        assert model.lm_head.weight is model.wte.weight


def test_fused_path_equals_readable_path():
    readable, fused = tiny(), tiny(fused=True)
    fused.load_state_dict(readable.state_dict(), strict=True)
    x, y = ids(3, 11), ids(3, 11, seed=1)
    la, loss_a = readable(x, y)
    lb, loss_b = fused(x, y)
    torch.testing.assert_close(la, lb, atol=1e-10, rtol=1e-8)
    loss_a.backward()
    loss_b.backward()
    grads_b = dict(fused.named_parameters())
    for name, p in readable.named_parameters():
        torch.testing.assert_close(p.grad, grads_b[name].grad, atol=1e-10, rtol=1e-8,
                                   msg=lambda m, n=name: f"{n}: {m}")


def test_state_dict_names_are_gpt2s():
    """Checkpoints depend on these names (nanoGPT/GPT-2 style)."""
    block = ["ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
             "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
             "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"]
    expected = ["wte.weight", "wpe.weight", *(f"h.{i}.{n}" for i in range(2) for n in block),
                "ln_f.weight", "ln_f.bias", "lm_head.weight"]
    assert list(tiny().state_dict()) == expected


@pytest.mark.parametrize("fused", [False, True])
def test_config_fused_reaches_every_layer_with_a_fast_path(fused):
    model = tiny(fused=fused)
    layers = [m for m in model.modules() if isinstance(m, (dnn.LayerNorm, dnn.GELU,
                                                           CausalSelfAttention))]
    assert len(layers) == 2 * (2 + 1 + 1) + 1          # per block: 2 LNs, GELU, attn; ln_f
    assert all(m.fused is fused for m in layers)


def test_causality_later_tokens_do_not_change_earlier_logits():
    model = tiny().eval()
    x = ids(2, 10)
    y = x.clone()
    y[:, 6] = (y[:, 6] + 1) % 13
    la, _ = model(x)
    lb, _ = model(y)
    torch.testing.assert_close(la[:, :6], lb[:, :6], atol=1e-12, rtol=0)
    assert not torch.allclose(la[:, 6:], lb[:, 6:])


@pytest.mark.parametrize("chunks", [[5, 1, 1, 1], [3, 4, 2], [1] * 7])
def test_kv_cache_gives_the_same_logits(chunks):
    model = tiny().eval()
    x = ids(2, sum(chunks))
    full, _ = model(x)
    cache, pieces, start = KVCache(), [], 0
    for n in chunks:
        logits, _ = model(x[:, start:start + n], cache=cache)
        pieces.append(logits)
        start += n
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, atol=1e-10, rtol=1e-8)
    assert cache.length == sum(chunks)
    C, L = 8, 2
    assert cache.bytes() == 2 * L * 2 * sum(chunks) * C * 8  # k and v, float64


def test_explain_lists_every_tensor_with_named_axes():
    model = tiny(n_layer=1)
    rows = model.explain(ids(2, 5), ids(2, 5, seed=1))
    names = [r.name for r in rows]
    assert names[:3] == ["idx", "wte(idx)", "wpe(pos)"] and names[-2:] == ["logits", "loss"]
    by_name = {r.name: r for r in rows}
    assert by_name["h[0].attn.q"].shape == (2, 2, 5, 4)
    assert by_name["h[0].attn.q"].axes == "B,H,T,D"
    assert by_name["h[0].mlp.gelu(c_fc)"].shape == (2, 5, 32)
    assert by_name["logits"].shape == (2, 5, 13)
    text = format_trace(rows)
    assert "(B=2, H=2, T=5, D=4)" in text and "(B=2, T=5, V=13)" in text


def test_input_errors():
    model = tiny()
    with pytest.raises(ValueError, match="idx must be int64"):
        model(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="exceed block_size 16"):
        model(ids(1, 17))


def test_tiny_gpt_learns_a_repeating_sequence():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=5, block_size=8, n_layer=1, n_head=2, n_embd=16))
    seq = torch.tensor([0, 1, 2, 3, 4] * 4)
    x = torch.stack([seq[i:i + 8] for i in range(8)])
    y = torch.stack([seq[i + 1:i + 9] for i in range(8)])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(60):
        _, loss = model(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1


def test_gpt_without_a_vocabulary_size_says_so():
    with pytest.raises(ValueError, match="vocab_size is None"):
        GPT(GPTConfig())
