"""SwiGLU equals its formula; MoE routing, capacity, load-balancing loss and output."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as TF

from dlfs import nn
from dlfs.llm import MoE, SwiGLU, load_balancing_loss, swiglu_hidden
from dlfs.nn import RMSNorm


def test_swiglu_formula_and_params():
    torch.manual_seed(0)
    ffn = SwiGLU(10, hidden_features=14).double()
    x = torch.randn(3, 4, 10, dtype=torch.float64, requires_grad=True)
    w1, w2, w3 = ffn.w1.weight, ffn.w2.weight, ffn.w3.weight
    ref = (TF.silu(x @ w1.T) * (x @ w3.T)) @ w2.T
    out = ffn(x)
    torch.testing.assert_close(out, ref)
    g = torch.randn_like(out)
    torch.testing.assert_close(torch.autograd.grad(out, x, g)[0], torch.autograd.grad(ref, x, g)[0])
    assert sum(p.numel() for p in ffn.parameters()) == 3 * 10 * 14


@pytest.mark.parametrize("d_model", [96, 100, 768])
def test_swiglu_default_width_matches_a_4x_mlp(d_model):
    # The default hidden width 8/3 C (rounded up to a multiple of 8) gives the three matrices
    # of SwiGLU about the parameters of the two in a 4x GELU MLP: counted on the modules.
    ffn = SwiGLU(d_model)
    mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model, bias=False), nn.GELU(),
                        nn.Linear(4 * d_model, d_model, bias=False))
    hidden = ffn.w1.out_features
    assert hidden == swiglu_hidden(d_model) and hidden % 8 == 0
    assert 8 * d_model / 3 <= hidden < 8 * d_model / 3 + 8
    n_swiglu = sum(p.numel() for p in ffn.parameters())
    n_mlp = sum(p.numel() for p in mlp.parameters())
    assert n_swiglu == pytest.approx(n_mlp, rel=0.03)


def test_rmsnorm_is_reused_from_dlfs_nn():
    x = torch.randn(2, 3, 8, dtype=torch.float64)
    norm = RMSNorm(8, eps=1e-6).double()
    torch.testing.assert_close(norm(x), x / torch.sqrt((x * x).mean(-1, keepdim=True) + 1e-6))


def _moe(capacity_factor=None, E=4, k=2, C=8, seed=0):
    torch.manual_seed(seed)
    return MoE(C, n_experts=E, top_k=k, d_hidden=12, capacity_factor=capacity_factor).double()


@pytest.mark.parametrize("k", [1, 2, 3])
def test_routing_gates_sum_to_one_and_pick_top_probs(k):
    moe = _moe(k=k)
    x = torch.randn(17, 8, dtype=torch.float64)
    r = moe.route(x)
    torch.testing.assert_close(r.gate.sum(-1), torch.ones(17, dtype=torch.float64))
    assert (r.gate > 0).all()
    chosen = r.probs.gather(1, r.expert_index)                         # (N, k)
    others = r.probs.masked_fill(torch.zeros_like(r.probs, dtype=torch.bool).scatter(
        1, r.expert_index, True), -1.0)
    assert (chosen.min(1).values >= others.max(1).values).all()
    torch.testing.assert_close(r.gate, chosen / chosen.sum(-1, keepdim=True))


@pytest.mark.parametrize("cf", [0.25, 0.5, 1.0, 1.25])
def test_capacity_respected_and_priority(cf):
    moe = _moe(capacity_factor=cf)
    x = torch.randn(2, 10, 8, dtype=torch.float64)
    r = moe(x).routing
    N, k, E = 20, 2, 4
    assert r.capacity == math.ceil(cf * N * k / E)
    for e in range(E):
        taken = ((r.expert_index == e) & r.kept).sum().item()
        wanted = (r.expert_index == e).sum().item()
        assert taken == min(wanted, r.capacity)
        # first choices are served before second choices
        first = (r.expert_index[:, 0] == e).sum().item()
        if first >= r.capacity:
            assert not (r.kept[:, 1] & (r.expert_index[:, 1] == e)).any()
    if cf < 1.0:
        assert not r.kept.all()                                       # something was dropped


@pytest.mark.parametrize("cf", [None, 0.5])
def test_output_is_weighted_sum_of_expert_outputs(cf):
    moe = _moe(capacity_factor=cf)
    x = torch.randn(2, 7, 8, dtype=torch.float64)
    out = moe(x)
    r = out.routing
    tokens = x.reshape(-1, 8)
    expected = torch.zeros_like(tokens)
    for n in range(tokens.shape[0]):                                  # explicit, token by token
        for i in range(moe.top_k):
            if r.kept[n, i]:
                e = r.expert_index[n, i].item()
                expected[n] += r.gate[n, i] * moe.experts[e](tokens[n])
    torch.testing.assert_close(out.output, expected.view(2, 7, 8))


def test_moe_gradients_reach_router_and_experts():
    moe = _moe(capacity_factor=None)
    out = moe(torch.randn(1, 6, 8, dtype=torch.float64))
    (out.output.sum() + out.aux_loss).backward()
    assert moe.router.weight.grad.abs().sum() > 0
    used = out.routing.expert_index.unique().tolist()
    assert all(moe.experts[e].w1.weight.grad is not None for e in used)


def test_load_balancing_loss_values():
    E, N = 4, 8
    balanced_idx = torch.arange(N).remainder(E).unsqueeze(1)          # (N, 1)
    uniform = torch.full((N, E), 1 / E, dtype=torch.float64)
    assert load_balancing_loss(uniform, balanced_idx, E).item() == pytest.approx(1.0)
    peaked = torch.tensor([[0.97, 0.01, 0.01, 0.01]], dtype=torch.float64).repeat(N, 1)
    collapsed = load_balancing_loss(peaked, torch.zeros(N, 1, dtype=torch.long), E)
    assert collapsed.item() == pytest.approx(E * 0.97)               # near its maximum E
    # when mean probabilities equal dispatch fractions, E * sum f^2 >= 1, = 1 iff balanced
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        idx = torch.randint(0, E, (N, 2), generator=g)
        f = torch.bincount(idx.flatten(), minlength=E).double() / idx.numel()
        loss = load_balancing_loss(f.expand(N, E), idx, E).item()
        assert loss == pytest.approx(E * (f ** 2).sum().item())
        assert loss >= 1.0 - 1e-12


def test_bad_top_k():
    with pytest.raises(ValueError, match="top_k"):
        MoE(8, n_experts=2, top_k=3)
