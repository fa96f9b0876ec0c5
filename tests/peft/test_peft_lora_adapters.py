"""LoRA and adapters: identity at initialization, merge == unmerged, what trains, counts,
and both applied to the from-scratch GPT."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import dlfs.nn as dnn
from dlfs.models import GPT, GPTConfig
from dlfs.peft import (
    Adapter,
    LoRALinear,
    apply_adapters,
    apply_lora,
    lora_parameters,
    mark_only_adapters_trainable,
    mark_only_lora_trainable,
    merge_lora,
    unmerge_lora,
)


def _gpt(seed=0):
    torch.manual_seed(seed)
    cfg = GPTConfig(vocab_size=17, block_size=16, n_layer=2, n_head=2, n_embd=16)
    return GPT(cfg).double(), cfg


@pytest.mark.parametrize("linear", [nn.Linear, dnn.Linear])
@pytest.mark.parametrize("bias", [True, False])
def test_lora_identity_at_init_and_frozen_base(linear, bias):
    torch.manual_seed(0)
    base = linear(7, 5, bias=bias).double()
    x = torch.randn(2, 3, 7, dtype=torch.float64)
    expected = base(x)
    lora = LoRALinear(base, r=3, alpha=6)
    torch.testing.assert_close(lora(x), expected, rtol=0, atol=0)
    assert [n for n, p in lora.named_parameters() if p.requires_grad] == ["lora_A", "lora_B"]
    assert lora.scaling == 2.0
    assert (lora.lora_B == 0).all() and lora.lora_A.abs().sum() > 0
    bound = 1 / 7 ** 0.5                                        # kaiming_uniform(a=sqrt(5))
    assert lora.lora_A.abs().max() <= bound


def test_lora_forward_formula_and_merge_roundtrip():
    torch.manual_seed(1)
    base = dnn.Linear(6, 4).double()
    lora = LoRALinear(base, r=2, alpha=3)
    with torch.no_grad():
        lora.lora_B.normal_()
    x = torch.randn(5, 6, dtype=torch.float64)
    w0 = base.weight.detach().clone()
    ref = x @ (w0 + 1.5 * lora.lora_B @ lora.lora_A).T + base.bias
    unmerged = lora(x)
    torch.testing.assert_close(unmerged, ref)
    lora.merge()
    assert lora.merged
    torch.testing.assert_close(lora(x), unmerged, rtol=1e-13, atol=1e-13)
    lora.merge()                                                # twice is a no-op
    torch.testing.assert_close(lora(x), unmerged, rtol=1e-13, atol=1e-13)
    lora.unmerge()
    torch.testing.assert_close(lora.weight, w0, rtol=1e-14, atol=1e-14)
    torch.testing.assert_close(lora(x), unmerged)


def test_lora_gradients_only_reach_a_and_b():
    torch.manual_seed(2)
    lora = LoRALinear(nn.Linear(4, 3), r=2, alpha=2)
    lora(torch.randn(6, 4)).pow(2).sum().backward()
    assert lora.weight.grad is None and lora.bias.grad is None
    assert lora.lora_B.grad.abs().sum() > 0                    # B gets gradient first
    assert lora.lora_A.grad.abs().sum() == 0                   # A's is zero while B = 0


def test_lora_errors():
    with pytest.raises(TypeError, match="Linear"):
        LoRALinear(nn.Conv1d(2, 2, 1))
    with pytest.raises(ValueError, match="rank"):
        LoRALinear(nn.Linear(2, 2), r=0)


def test_apply_lora_to_gpt():
    model, cfg = _gpt()
    idx = torch.randint(0, cfg.vocab_size, (2, 9))
    before, _ = model(idx)
    n = apply_lora(model, r=4, alpha=8)
    assert n == 3 * cfg.n_layer                                 # c_attn, attn.c_proj, mlp.c_proj
    after, _ = model(idx)
    torch.testing.assert_close(after, before, rtol=0, atol=0)   # identity at init
    trainable = mark_only_lora_trainable(model)
    C, r = cfg.n_embd, 4
    per_layer = r * (C + 3 * C) + r * (C + C) + r * (4 * C + C)  # r * (in + out) each
    assert trainable == cfg.n_layer * per_layer
    assert trainable == sum(p.numel() for p in lora_parameters(model))
    assert all(("lora_" in name) == p.requires_grad for name, p in model.named_parameters())
    sd = model.state_dict()
    assert "h.0.attn.c_attn.weight" in sd and "h.0.attn.c_attn.lora_A" in sd
    # one training step changes the output; merged == unmerged afterwards
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.5)
    for _ in range(2):
        _, loss = model(idx, targets=idx)
        opt.zero_grad()
        loss.backward()
        opt.step()
    tuned, _ = model(idx)
    assert not torch.allclose(tuned, before)
    merge_lora(model)
    torch.testing.assert_close(model(idx)[0], tuned, rtol=1e-12, atol=1e-12)
    unmerge_lora(model)
    torch.testing.assert_close(model(idx)[0], tuned, rtol=1e-12, atol=1e-12)


def test_adapter_identity_and_gpt():
    torch.manual_seed(3)
    a = Adapter(6, bottleneck=2).double()
    h = torch.randn(4, 6, dtype=torch.float64)
    torch.testing.assert_close(a(h), h, rtol=0, atol=0)
    with torch.no_grad():
        a.up.weight.normal_()
    assert not torch.allclose(a(h), h)
    model, cfg = _gpt(seed=4)
    idx = torch.randint(0, cfg.vocab_size, (2, 7))
    before, _ = model(idx)
    assert apply_adapters(model, d_model=cfg.n_embd, bottleneck=3) == 2 * cfg.n_layer
    assert apply_adapters(model, d_model=cfg.n_embd, bottleneck=3) == 0     # already wrapped
    assert apply_lora(model, r=2) == 3 * cfg.n_layer                        # LoRA inside
    assert apply_lora(model, r=2) == 0
    after, _ = model(idx)
    torch.testing.assert_close(after, before, rtol=0, atol=0)
    after_lora, _ = model(idx)
    torch.testing.assert_close(after_lora, before, rtol=0, atol=0)
    trainable = mark_only_adapters_trainable(model)
    C, m = cfg.n_embd, 3
    assert trainable == 2 * cfg.n_layer * (2 * C * m + m + C)
    _, loss = model(idx, targets=idx)
    loss.backward()
    assert all((p.grad is not None) == p.requires_grad for p in model.parameters())
