"""Parity of BatchNorm, InstanceNorm, LayerNorm, GroupNorm, RMSNorm with torch: outputs,
gradients and running buffers, in train and eval mode, over several steps."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF
from nn_parity_helpers import DTYPES, cast, check_fn, check_module
from torch import nn

import dlfs.nn as dnn
import dlfs.nn.functional as F
from dlfs.testing import assert_module_parity, tolerances


def _x(*shape: int) -> torch.Tensor:
    torch.manual_seed(sum(shape) + len(shape))
    return torch.randn(shape, dtype=torch.float64) * 2 + 0.5


def _randomize(module: nn.Module) -> None:
    """Non-trivial affine parameters, so their gradients and effect are tested."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p) * 0.3)


BN_CASES = [
    ("BatchNorm1d", (4,), {}, (5, 4)),
    ("BatchNorm1d", (3,), {"momentum": None}, (2, 3, 7)),
    ("BatchNorm1d", (3,), {"affine": False, "eps": 1e-3}, (1, 3, 5)),
    ("BatchNorm2d", (3,), {}, (2, 3, 5, 4)),
    ("BatchNorm2d", (2,), {"momentum": 0.3, "affine": False}, (1, 2, 3, 5)),
    ("BatchNorm2d", (3,), {"track_running_stats": False}, (4, 3, 3, 3)),
    ("BatchNorm2d", (3,), {"momentum": None, "track_running_stats": False}, (2, 3, 2, 3)),
    ("BatchNorm2d", (3,), {"bias": False}, (2, 3, 3, 2)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", BN_CASES)
def test_batchnorm_train_then_eval(name, args, kwargs, shape):
    """Three training steps (buffers compared each time), then eval mode."""
    for dtype in DTYPES:
        torch.manual_seed(0)
        ref = getattr(nn, name)(*args, **kwargs).to(dtype)
        ours = getattr(dnn, name)(*args, **kwargs).to(dtype)
        _randomize(ref)
        assert repr(ours) == repr(ref)
        ours.load_state_dict(ref.state_dict(), strict=True)
        for step in range(3):
            x = cast(_x(*shape) * (step + 1), dtype)
            assert_module_parity(ours, ref, x, load_state=False, **tolerances(dtype))
        for m in (ours, ref):
            m.eval()
        assert_module_parity(ours, ref, cast(_x(*shape) + 1, dtype), load_state=False,
                             **tolerances(dtype))
        ref.load_state_dict(ours.state_dict(), strict=True)
        if ours.num_batches_tracked is not None:
            assert int(ours.num_batches_tracked) == 3


def test_batchnorm_fresh_modules_equal():
    check_module(lambda: dnn.BatchNorm2d(3), lambda: nn.BatchNorm2d(3), _x(2, 3, 4, 5))
    check_module(lambda: dnn.BatchNorm1d(3), lambda: nn.BatchNorm1d(3), _x(4, 3), train=False)


def test_batchnorm_eval_uses_running_stats_and_leaves_them():
    bn = dnn.BatchNorm1d(2, eps=0.0).double()
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor([1.0, -2.0]))
        bn.running_var.copy_(torch.tensor([4.0, 0.25]))
    bn.eval()
    y = bn(torch.tensor([[3.0, -1.0]], dtype=torch.float64))  # batch 1 is fine in eval
    torch.testing.assert_close(y, torch.tensor([[1.0, 2.0]], dtype=torch.float64),
                               atol=1e-12, rtol=0)
    assert int(bn.num_batches_tracked) == 0


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="more than 1 value"):
        dnn.BatchNorm1d(3)(torch.randn(1, 3))
    with pytest.raises(ValueError, match="4D"):
        dnn.BatchNorm2d(3)(torch.randn(2, 3))


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 5, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_functional(shape, training):
    C = shape[1]
    stats = [torch.zeros(C, dtype=torch.float64), torch.ones(C, dtype=torch.float64) * 2]
    rm_a, rv_a = (s.clone() for s in stats)
    rm_b, rv_b = (s.clone() for s in stats)
    x, w, b = _x(*shape), _x(C), _x(C) - 1
    check_fn(lambda x, w, b: F.batch_norm(x, rm_a, rv_a, w, b, training, 0.2),
             lambda x, w, b: TF.batch_norm(x, rm_b, rv_b, w, b, training, 0.2), x, w, b,
             dtypes=(torch.float64,))
    torch.testing.assert_close(rm_a, rm_b)
    torch.testing.assert_close(rv_a, rv_b)
    if training:
        assert not torch.equal(rm_a, stats[0])  # the running statistics did move


@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True},
                                    {"affine": True, "bias": False},
                                    {"affine": True, "track_running_stats": True,
                                     "momentum": 0.3}])
@pytest.mark.parametrize("shape", [(1, 3, 5, 4), (2, 3, 4, 4), (3, 6, 5)])
def test_instance_norm(kwargs, shape):
    def make(m):
        mod = m.InstanceNorm2d(3, **kwargs)
        _randomize(mod)
        return mod
    ours, ref = check_module(lambda: make(dnn), lambda: make(nn), _x(*shape))
    if kwargs.get("track_running_stats"):
        ours.eval()
        ref.eval()
        assert_module_parity(ours, ref, cast(_x(*shape), torch.float32),
                             **tolerances(torch.float32))


@pytest.mark.parametrize("normalized,shape", [(6, (1, 6)), (5, (2, 3, 5)), ((3, 4), (2, 3, 4)),
                                              ([4], (3, 4))])
@pytest.mark.parametrize("kwargs", [{}, {"elementwise_affine": False}, {"bias": False},
                                    {"eps": 1e-3}])
def test_layer_norm(normalized, shape, kwargs):
    def make(m):
        mod = m.LayerNorm(normalized, **kwargs)
        _randomize(mod)
        return mod
    check_module(lambda: make(dnn), lambda: make(nn), _x(*shape))


@pytest.mark.parametrize("kwargs", [{}, {"elementwise_affine": False}, {"bias": False}])
def test_layer_norm_in_row_blocks(monkeypatch, kwargs):
    """Rows walked in blocks (here of 3 rows of 5 float64, the last one of 2 rows) give
    the same values and gradients as torch."""
    from dlfs.nn.functional import norm_backward
    monkeypatch.setattr(norm_backward, "_BLOCK_BYTES", 3 * 5 * 8)

    def make(m):
        mod = m.LayerNorm(5, **kwargs)
        _randomize(mod)
        return mod
    check_module(lambda: make(dnn), lambda: make(nn), _x(2, 4, 5))


def test_layer_norm_checks_shape():
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(torch.zeros(2, 3), (4,))


@pytest.mark.parametrize("groups,channels,shape", [(2, 4, (1, 4, 3, 3)), (3, 6, (2, 6, 5)),
                                                   (1, 3, (2, 3, 4, 5)), (4, 4, (3, 4, 2, 3))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": False}, {"bias": False}])
def test_group_norm(groups, channels, shape, kwargs):
    def make(m):
        mod = m.GroupNorm(groups, channels, **kwargs)
        _randomize(mod)
        return mod
    check_module(lambda: make(dnn), lambda: make(nn), _x(*shape))


@pytest.mark.parametrize("normalized,shape", [(6, (1, 6)), ((3, 4), (2, 3, 4)), (5, (2, 3, 5))])
@pytest.mark.parametrize("kwargs", [{}, {"eps": 1e-4}, {"elementwise_affine": False}])
def test_rms_norm(normalized, shape, kwargs):
    def make(m):
        mod = m.RMSNorm(normalized, **kwargs)
        _randomize(mod)
        return mod
    check_module(lambda: make(dnn), lambda: make(nn), _x(*shape))


@pytest.mark.parametrize("name", ["BatchNorm2d", "LayerNorm"])
def test_hand_written_backward_is_accurate_for_offset_inputs(name):
    """A large mean and a small spread, in float32: our output and input gradient are no
    further from the float64 truth than torch's own float32 kernel is."""
    torch.manual_seed(3)
    x64 = torch.randn(4, 3, 5, 6, dtype=torch.float64) * 0.1 + 100.0
    dy = torch.randn(4, 3, 5, 6, dtype=torch.float64)
    args = (3,) if name == "BatchNorm2d" else ((5, 6),)

    def run(module, dtype):
        x = x64.to(dtype).clone().requires_grad_()
        y = module.to(dtype)(x)
        y.backward(dy.to(dtype))
        return y.double(), x.grad.double()

    y_true, g_true = run(getattr(nn, name)(*args), torch.float64)
    y_ref, g_ref = run(getattr(nn, name)(*args), torch.float32)
    y_ours, g_ours = run(getattr(dnn, name)(*args), torch.float32)
    for ours, ref, true in ((y_ours, y_ref, y_true), (g_ours, g_ref, g_true)):
        err_ours, err_ref = (ours - true).abs().max(), (ref - true).abs().max()
        assert err_ours <= 2 * err_ref + 1e-5, (err_ours, err_ref)


def test_second_derivative_is_refused_loudly():
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    y = F.layer_norm(x, (3,))
    (g,) = torch.autograd.grad((y * y.detach()).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError):
        g.sum().backward()


def test_layer_norm_fused_path_agrees():
    ours = dnn.LayerNorm(5).double()
    _randomize(ours)
    fused = dnn.LayerNorm(5, fused=True).double()
    fused.load_state_dict(ours.state_dict())
    assert_module_parity(ours, fused, _x(3, 4, 5), load_state=False)
