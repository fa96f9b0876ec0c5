"""dlfs.optim.lr_scheduler gives the same learning-rate (and momentum) sequence as
torch.optim.lr_scheduler over 60+ steps, for two param groups with different rates; the
chainable and closed forms agree; state_dicts resume mid-run."""

from __future__ import annotations

import copy

import pytest
import torch
from torch.optim import lr_scheduler as tsched

import dlfs.optim as dopt
from dlfs.optim import lr_scheduler as dsched

STEPS = 60
REL = 1e-12


def _optimizer(kind: str = "SGD") -> torch.optim.Optimizer:
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.03}]
    if kind == "Adam":
        return torch.optim.Adam(groups, lr=0.1)
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def _run(opt, sched, steps=STEPS, metrics=None):
    lrs, moms = [], []
    for i in range(steps):
        lrs.append([g["lr"] for g in opt.param_groups])
        moms.append([g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups])
        opt.step()
        sched.step(metrics[i]) if metrics is not None else sched.step()
    return lrs, moms


def _assert_same(a, b):
    assert len(a) == len(b)
    for step, (x, y) in enumerate(zip(a, b)):
        assert x == pytest.approx(y, rel=REL, abs=1e-15), f"step {step}: {x} != {y}"


CASES = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}),
    ("StepLR", {"step_size": 1, "gamma": 0.9}),
    ("MultiStepLR", {"milestones": [5, 20, 20, 41], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.95}),
    ("CosineAnnealingLR", {"T_max": 20}),              # goes past T_max: down, up, down
    ("CosineAnnealingLR", {"T_max": 60, "eta_min": 0.001}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.1, "end_factor": 0.5, "total_iters": 30}),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 40}),
    ("LambdaLR", {"lr_lambda": lambda e: 1.0 / (1 + e) ** 0.5}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": STEPS}),
    ("OneCycleLR", {"max_lr": [1.0, 0.2], "epochs": 6, "steps_per_epoch": 10,
                    "anneal_strategy": "linear", "pct_start": 0.25, "div_factor": 10.0}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": STEPS, "three_phase": True,
                    "base_momentum": [0.8, 0.7], "max_momentum": 0.99,
                    "final_div_factor": 100.0}),
    ("OneCycleLR", {"max_lr": 0.5, "total_steps": STEPS, "cycle_momentum": False}),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{n}{i}" for i, (n, _) in enumerate(CASES)])
def test_schedule_matches_torch(case):
    name, kw = case
    opt_a, opt_b = _optimizer(), _optimizer()
    lrs_a, mom_a = _run(opt_a, getattr(dsched, name)(opt_a, **kw))
    lrs_b, mom_b = _run(opt_b, getattr(tsched, name)(opt_b, **kw))
    _assert_same(lrs_a, lrs_b)
    _assert_same(mom_a, mom_b)
    assert len({tuple(x) for x in lrs_a}) > 1, "the schedule never changed the rate"


def test_one_cycle_cycles_adam_beta1():
    opt_a, opt_b = _optimizer("Adam"), _optimizer("Adam")
    kw = {"max_lr": 0.01, "total_steps": STEPS, "base_momentum": 0.8}
    lrs_a, mom_a = _run(opt_a, dsched.OneCycleLR(opt_a, **kw))
    lrs_b, mom_b = _run(opt_b, tsched.OneCycleLR(opt_b, **kw))
    _assert_same(lrs_a, lrs_b)
    _assert_same(mom_a, mom_b)
    assert min(m[0] for m in mom_a) == pytest.approx(0.8, abs=0.01)


@pytest.mark.parametrize("name,kw", [c for c in CASES if c[0] not in ("OneCycleLR", "LambdaLR")])
def test_chainable_form_equals_closed_form(name, kw):
    opt = _optimizer()
    sched = getattr(dsched, name)(opt, **kw)
    for _ in range(STEPS):
        opt.step()
        sched.step()
        closed = sched._get_closed_form_lr()
        assert sched.get_last_lr() == pytest.approx(closed, rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("lib", [dsched, tsched], ids=["ours-in-ours", "torch-in-ours"])
def test_sequential_warmup_then_cosine(lib):
    def build(mod, seq_mod):
        opt = _optimizer()
        warm = mod.LinearLR(opt, start_factor=0.01, total_iters=10)
        cos = mod.CosineAnnealingLR(opt, T_max=40, eta_min=1e-4)
        decay = mod.ExponentialLR(opt, gamma=0.9)
        return opt, seq_mod.SequentialLR(opt, [warm, cos, decay], milestones=[10, 50])

    opt_a, seq_a = build(lib, dsched)
    opt_b, seq_b = build(tsched, tsched)
    lrs_a, _ = _run(opt_a, seq_a, steps=70)
    lrs_b, _ = _run(opt_b, seq_b, steps=70)
    _assert_same(lrs_a, lrs_b)
    assert seq_a.get_last_lr() == pytest.approx(seq_b.get_last_lr(), rel=REL)


METRICS = ([1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.7, 0.7] * 7
           + [0.5 + 0.01 * i for i in range(10)])


@pytest.mark.parametrize("kw", [
    {},
    {"patience": 2, "factor": 0.5},
    {"patience": 1, "factor": 0.5, "cooldown": 3, "min_lr": [0.01, 0.001]},
    {"mode": "max", "patience": 0, "threshold": 0.05, "threshold_mode": "abs"},
    {"mode": "max", "patience": 3, "factor": 0.2, "threshold_mode": "rel", "min_lr": 0.004},
    {"patience": 0, "factor": 0.9, "eps": 0.005},
])
def test_reduce_on_plateau_matches_torch(kw):
    opt_a, opt_b = _optimizer(), _optimizer()
    sched_a = dsched.ReduceLROnPlateau(opt_a, **kw)
    sched_b = tsched.ReduceLROnPlateau(opt_b, **kw)
    lrs_a, _ = _run(opt_a, sched_a, steps=len(METRICS), metrics=METRICS)
    lrs_b, _ = _run(opt_b, sched_b, steps=len(METRICS), metrics=METRICS)
    _assert_same(lrs_a, lrs_b)
    assert len({tuple(x) for x in lrs_a}) > 1
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(sched_a, key) == getattr(sched_b, key), key
    assert sched_a.get_last_lr() == sched_b.get_last_lr()


class _Decay:
    """A callable object: LambdaLR saves its attributes in the state_dict."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def __call__(self, epoch: int) -> float:
        return self.rate**epoch


@pytest.mark.parametrize("build", [
    lambda o: dsched.StepLR(o, step_size=5, gamma=0.5),
    lambda o: dsched.CosineAnnealingLR(o, T_max=30),
    lambda o: dsched.LinearLR(o, start_factor=0.2, total_iters=50),
    lambda o: dsched.LambdaLR(o, [_Decay(0.9), _Decay(0.95)]),
    lambda o: dsched.OneCycleLR(o, max_lr=1.0, total_steps=STEPS),
    lambda o: dsched.SequentialLR(o, [dsched.LinearLR(o, 0.1, total_iters=5),
                                      dsched.ExponentialLR(o, 0.9)], milestones=[5]),
    lambda o: dsched.ReduceLROnPlateau(o, patience=1, factor=0.5),
], ids=["step", "cosine", "linear", "lambda", "onecycle", "sequential", "plateau"])
def test_state_dict_resume_mid_run(build):
    metrics = METRICS[:STEPS]
    plateau = "Plateau" in type(build(_optimizer())).__name__
    opt = _optimizer()
    sched = build(opt)
    full, _ = _run(opt, sched, metrics=metrics if plateau else None)

    opt = _optimizer()
    sched = build(opt)
    first, _ = _run(opt, sched, steps=25, metrics=metrics if plateau else None)
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    if isinstance(sched, dsched.LambdaLR):
        sched.lr_lambdas[0].rate = 0.0               # must be restored from the state_dict
    opt2 = _optimizer()
    sched2 = build(opt2)
    opt2.load_state_dict(saved_opt)
    sched2.load_state_dict(saved_sched)
    rest, _ = _run(opt2, sched2, steps=STEPS - 25,
                   metrics=metrics[25:] if plateau else None)
    _assert_same(first + rest, full)


def test_works_with_dlfs_optimizers_and_validates():
    p = torch.zeros(2, requires_grad=True)
    opt = dopt.SGD([p], lr=0.5, momentum=0.9)
    sched = dsched.OneCycleLR(opt, max_lr=0.5, total_steps=10)
    assert opt.param_groups[0]["momentum"] == 0.95
    _run(opt, sched, steps=10)
    with pytest.raises(ValueError, match="Tried to step 11"):
        sched.step()
    with pytest.raises(ValueError, match="Factor"):
        dsched.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="milestones"):
        dsched.SequentialLR(opt, [dsched.StepLR(opt, 2)], milestones=[3])
    with pytest.raises(ValueError, match="momentum or beta1"):
        dsched.OneCycleLR(torch.optim.Adagrad([p]), max_lr=0.1, total_steps=5)


@pytest.mark.filterwarnings("ignore:Detected call of")   # torch's ChainedScheduler start-up
def test_sequential_with_a_nested_chained_scheduler():
    def build(mod):
        opt = _optimizer()
        chained = tsched.ChainedScheduler([mod.LinearLR(opt, start_factor=0.1, total_iters=8),
                                           mod.MultiStepLR(opt, milestones=[4, 6])])
        cosine = mod.CosineAnnealingLR(opt, T_max=30)
        seq_mod = dsched if mod is dsched else tsched
        return opt, seq_mod.SequentialLR(opt, [chained, cosine], milestones=[10])

    (opt_a, seq_a), (opt_b, seq_b) = build(dsched), build(tsched)
    _assert_same(_run(opt_a, seq_a, steps=40)[0], _run(opt_b, seq_b, steps=40)[0])
