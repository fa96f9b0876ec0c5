"""dlfs.optim optimizers follow torch.optim's parameter trajectory step for step (float64,
60 steps, two copies of one small model on the same data), for every option combination;
state_dicts round-trip mid-run and load across the two libraries."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

import dlfs.optim as dopt

D = torch.float64
STEPS = 60
TOL = {"atol": 1e-11, "rtol": 1e-9}


def _model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).to(D)


_GEN = torch.Generator().manual_seed(123)
X = torch.randn(16, 5, generator=_GEN, dtype=D)
Y = torch.randn(16, 3, generator=_GEN, dtype=D)


def _loss(model: nn.Module, maximize: bool) -> torch.Tensor:
    loss = ((model(X) - Y) ** 2).mean()
    return -loss if maximize else loss        # maximizing -loss still converges


def _train(model: nn.Module, opt: torch.optim.Optimizer, steps: int, maximize: bool,
           trace: list[torch.Tensor] | None = None) -> None:
    for _ in range(steps):
        opt.zero_grad()
        _loss(model, maximize).backward()
        opt.step()
        if trace is not None:
            trace.append(torch.cat([p.detach().flatten() for p in model.parameters()]))


def _groups(model: nn.Module, grouped: bool, extra: dict) -> list[dict] | object:
    if not grouped:
        return model.parameters()
    first, second = model[0], model[2]
    return [{"params": first.parameters(), **extra},
            {"params": second.parameters()}]


CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1,
             "maximize": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.05, "decoupled_weight_decay": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "maximize": True, "betas": (0.5, 0.9)}),
    ("RMSprop", {"lr": 0.005}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "centered": True}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.1,
                 "maximize": True}),
    ("Adagrad", {"lr": 0.05}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
    ("Adagrad", {"lr": 0.05, "weight_decay": 0.1, "eps": 1e-6, "maximize": True}),
]
GROUP_EXTRA = {"SGD": {"lr": 0.01, "momentum": 0.5}, "Adam": {"lr": 0.003, "betas": (0.7, 0.9)},
               "AdamW": {"weight_decay": 0.5}, "RMSprop": {"alpha": 0.8, "lr": 0.01},
               "Adagrad": {"lr": 0.2, "lr_decay": 0.1}}


def _pair(name: str, kw: dict, grouped: bool = False):
    ours_model, ref_model = _model(), _model()
    extra = GROUP_EXTRA[name]
    ours = getattr(dopt, name)(_groups(ours_model, grouped, extra), **kw)
    ref = getattr(torch.optim, name)(_groups(ref_model, grouped, extra), **kw)
    return ours_model, ours, ref_model, ref


def _ids(case):
    name, kw = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
@pytest.mark.parametrize("grouped", [False, True])
def test_trajectory_matches_torch(case, grouped):
    name, kw = case
    ours_model, ours, ref_model, ref = _pair(name, kw, grouped)
    maximize = kw.get("maximize", False)
    a, b = [], []
    _train(ours_model, ours, STEPS, maximize, a)
    _train(ref_model, ref, STEPS, maximize, b)
    moved = (a[-1] - a[0]).abs().max()
    assert moved > 1e-3, "the optimizer barely moved: the test would not see a difference"
    for step, (x, y) in enumerate(zip(a, b)):
        torch.testing.assert_close(x, y, **TOL, msg=lambda m, s=step: f"step {s}: {m}")
    for p, q in zip(ours_model.parameters(), ref_model.parameters()):
        assert set(ours.state[p]) == set(ref.state[q])      # same state keys as torch
        for key, value in ours.state[p].items():
            torch.testing.assert_close(value, ref.state[q][key], **TOL)


RICHEST = [CASES[i] for i in (2, 4, 9, 13, 18, 20)]      # most options, every optimizer


@pytest.mark.parametrize("case", RICHEST, ids=[_ids(c) for c in RICHEST])
def test_state_dict_round_trip_and_cross_loading(case):
    """Save mid-run, load into a fresh optimizer (ours and torch's): same trajectory."""
    name, kw = case
    maximize = kw.get("maximize", False)
    model, opt, _, _ = _pair(name, kw, grouped=True)
    _train(model, opt, 25, maximize)
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    _train(model, opt, 25, maximize)
    expected = [p.detach().clone() for p in model.parameters()]

    for lib in (dopt, torch.optim):                       # ours -> ours, ours -> torch
        fresh_model, fresh, _, _ = _pair(name, kw, grouped=True)
        fresh = getattr(lib, name)(_groups(fresh_model, True, GROUP_EXTRA[name]), **kw)
        fresh_model.load_state_dict(saved_model)
        fresh.load_state_dict(copy.deepcopy(saved_opt))
        _train(fresh_model, fresh, 25, maximize)
        for p, q in zip(fresh_model.parameters(), expected):
            torch.testing.assert_close(p.detach(), q, **TOL)

    _, _, ref_model2, ref = _pair(name, kw, grouped=True)           # torch -> ours
    _train(ref_model2, ref, 25, maximize)
    torch_saved = copy.deepcopy(ref.state_dict())
    torch_model_saved = copy.deepcopy(ref_model2.state_dict())
    _train(ref_model2, ref, 25, maximize)
    ours_model, ours, _, _ = _pair(name, kw, grouped=True)
    ours_model.load_state_dict(torch_model_saved)
    ours.load_state_dict(torch_saved)
    _train(ours_model, ours, 25, maximize)
    for p, q in zip(ours_model.parameters(), ref_model2.parameters()):
        torch.testing.assert_close(p.detach(), q.detach(), **TOL)


def test_state_dict_layout_matches_torch():
    for name, kw in [("SGD", {"momentum": 0.9}), ("Adam", {"amsgrad": True}),
                     ("AdamW", {}), ("RMSprop", {"centered": True, "momentum": 0.1}),
                     ("Adagrad", {})]:
        ours_model, ours, ref_model, ref = _pair(name, kw, grouped=True)
        _train(ours_model, ours, 2, False)
        _train(ref_model, ref, 2, False)
        a, b = ours.state_dict(), ref.state_dict()
        assert a["state"].keys() == b["state"].keys()
        for i in a["state"]:
            assert a["state"][i].keys() == b["state"][i].keys()
            if "step" in a["state"][i]:
                assert a["state"][i]["step"].dtype == b["state"][i]["step"].dtype
        for ga, gb in zip(a["param_groups"], b["param_groups"]):
            assert ga["params"] == gb["params"]
            assert set(ga) <= set(gb)                        # torch adds foreach, fused, ...
            assert all(ga[k] == gb[k] for k in ga)


def test_closure_params_without_grad_and_validation():
    p, q = nn.Parameter(torch.ones(2, dtype=D)), nn.Parameter(torch.ones(2, dtype=D))
    opt = dopt.Adam([p, q], lr=0.1)
    loss = opt.step(lambda: (p * 3).sum().backward() or (p * 3).sum())
    assert loss.item() == 6.0
    assert torch.equal(q.detach(), torch.ones(2, dtype=D)) and len(opt.state[q]) == 0
    assert (p.detach() < 1).all()
    with pytest.raises(ValueError, match="Nesterov"):
        dopt.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta"):
        dopt.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="learning rate"):
        dopt.RMSprop([p], lr=-1.0)


def test_add_param_group_later():
    for name in ("SGD", "Adagrad"):
        ours_model, ours, ref_model, ref = _pair(name, {"lr": 0.05})
        for m, opt in ((ours_model, ours), (ref_model, ref)):
            opt.param_groups.clear()
            opt.state.clear()
            opt.add_param_group({"params": list(m[0].parameters())})
            opt.add_param_group({"params": list(m[2].parameters()), "lr": 0.2})
        _train(ours_model, ours, 10, False)
        _train(ref_model, ref, 10, False)
        for p, q in zip(ours_model.parameters(), ref_model.parameters()):
            torch.testing.assert_close(p, q, **TOL)


def test_float32_trajectory_close():
    torch.manual_seed(0)
    m1 = nn.Linear(5, 3)
    m2 = copy.deepcopy(m1)
    x, y = X.float(), Y.float()
    o1, o2 = dopt.AdamW(m1.parameters(), lr=0.01), torch.optim.AdamW(m2.parameters(), lr=0.01)
    for _ in range(STEPS):
        for m, o in ((m1, o1), (m2, o2)):
            o.zero_grad()
            ((m(x) - y) ** 2).mean().backward()
            o.step()
    for p, q in zip(m1.parameters(), m2.parameters()):
        torch.testing.assert_close(p, q, atol=1e-5, rtol=1e-4)


def test_step_hooks_and_torch_infrastructure_work():
    model, opt, _, _ = _pair("SGD", {"lr": 0.1, "momentum": 0.9})
    calls = []
    opt.register_step_pre_hook(lambda o, args, kwargs: calls.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append("post"))
    _train(model, opt, 2, False)
    assert calls == ["pre", "post", "pre", "post"]
    assert isinstance(opt, torch.optim.Optimizer)


ADAM_CASES = [c for c in CASES if c[0] in ("Adam", "AdamW")]


@pytest.mark.parametrize("case", ADAM_CASES, ids=[_ids(c) for c in ADAM_CASES])
@pytest.mark.parametrize("grouped", [False, True])
def test_foreach_gives_the_same_numbers_as_per_tensor(case, grouped):
    """``foreach=True`` runs each operation once over the whole group (torch._foreach_*):
    the same operations in the same order, so bit for bit the per-tensor trajectory; and
    torch's own foreach AdamW agrees to the parity tolerance."""
    name, kw = case
    per_model, fe_model, ref_model = _model(), _model(), _model()
    extra = GROUP_EXTRA[name]
    per = getattr(dopt, name)(_groups(per_model, grouped, extra), **kw)
    fe = getattr(dopt, name)(_groups(fe_model, grouped, extra), **kw, foreach=True)
    ref = getattr(torch.optim, name)(_groups(ref_model, grouped, extra), **kw, foreach=True)
    maximize = kw.get("maximize", False)
    a, b, c = [], [], []
    _train(per_model, per, STEPS, maximize, a)
    _train(fe_model, fe, STEPS, maximize, b)
    _train(ref_model, ref, STEPS, maximize, c)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    torch.testing.assert_close(b[-1], c[-1], **TOL)


def test_foreach_falls_back_when_a_parameter_joins_late():
    """A group whose tensors have taken different numbers of steps (one added later) is
    updated per tensor: still torch's trajectory."""
    ours_model, ref_model = _model(), _model()
    ours = dopt.AdamW(ours_model[0].parameters(), lr=0.01, foreach=True)
    ref = torch.optim.AdamW(ref_model[0].parameters(), lr=0.01)
    _train(ours_model, ours, 5, False)
    _train(ref_model, ref, 5, False)
    ours.param_groups[0]["params"].extend(ours_model[2].parameters())
    ref.param_groups[0]["params"].extend(ref_model[2].parameters())
    _train(ours_model, ours, 10, False)
    _train(ref_model, ref, 10, False)
    for p, q in zip(ours_model.parameters(), ref_model.parameters()):
        torch.testing.assert_close(p, q, **TOL)
