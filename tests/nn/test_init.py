"""dlfs.nn.init: gains and fans equal torch's; the draws have the mean, standard deviation and
bounds the formulas promise; with the same generator they equal torch.nn.init's draws."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import dlfs.nn.init as dinit

tinit = nn.init


def _g(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name,param", [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
    ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
    ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("leaky_relu", 1), ("leaky_relu", math.sqrt(5)), ("selu", None),
])
def test_calculate_gain_equals_torch(name, param):
    assert dinit.calculate_gain(name, param) == tinit.calculate_gain(name, param)


@pytest.mark.parametrize("name,param", [("swish", None), ("leaky_relu", True),
                                        ("leaky_relu", "0.1")])
def test_calculate_gain_rejects_like_torch(name, param):
    with pytest.raises(ValueError):
        tinit.calculate_gain(name, param)
    with pytest.raises(ValueError):
        dinit.calculate_gain(name, param)


@pytest.mark.parametrize("shape", [(3, 5), (1, 1), (8, 3, 5), (16, 4, 3, 3), (2, 3, 1, 2, 5),
                                   (4, 7, 0)])
def test_fans_equal_torch(shape):
    t = torch.empty(shape)
    assert dinit._calculate_fan_in_and_fan_out(t) == tinit._calculate_fan_in_and_fan_out(t)


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        dinit._calculate_fan_in_and_fan_out(torch.empty(5))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        dinit.kaiming_uniform_(torch.empty(3, 4), mode="fan_avg")


SAME_DRAWS = [
    ("uniform_", (8, 9), {"a": -0.3, "b": 2.0}),
    ("normal_", (8, 9), {"mean": 1.5, "std": 0.2}),
    ("xavier_uniform_", (20, 30), {}),
    ("xavier_uniform_", (6, 4, 3, 3), {"gain": 5.0 / 3}),
    ("xavier_normal_", (20, 30), {"gain": 2.0}),
    ("kaiming_uniform_", (20, 30), {}),
    ("kaiming_uniform_", (16, 4, 3, 3), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (20, 30), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (20, 30), {"nonlinearity": "tanh"}),
    ("kaiming_normal_", (16, 4, 5), {"a": 0.1, "mode": "fan_out"}),
]


@pytest.mark.parametrize("name,shape,kw", SAME_DRAWS)
def test_same_draws_as_torch_for_same_generator(name, shape, kw):
    ours = getattr(dinit, name)(torch.empty(shape, dtype=torch.float64), generator=_g(7), **kw)
    ref = getattr(tinit, name)(torch.empty(shape, dtype=torch.float64), generator=_g(7), **kw)
    torch.testing.assert_close(ours, ref, atol=1e-15, rtol=1e-14)


def _check_stats(w: torch.Tensor, mean: float, std: float, bound: float | None = None):
    n = w.numel()
    assert abs(w.mean().item() - mean) < 5 * std / math.sqrt(n), "mean off"
    assert w.std().item() == pytest.approx(std, rel=0.02), "std off"
    if bound is not None:                              # a uniform fills its whole interval
        assert w.abs().max().item() <= bound
        assert w.abs().max().item() > 0.99 * bound


SHAPE = (300, 200, 3)                                  # fan_in 600, fan_out 900, 180k draws


def test_xavier_statistics():
    fan_in, fan_out = 200 * 3, 300 * 3
    for gain in (1.0, 5.0 / 3):
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        _check_stats(dinit.xavier_uniform_(torch.empty(SHAPE), gain, _g(1)), 0.0, std,
                     math.sqrt(3) * std)
        _check_stats(dinit.xavier_normal_(torch.empty(SHAPE), gain, _g(2)), 0.0, std)


@pytest.mark.parametrize("mode,fan", [("fan_in", 600), ("fan_out", 900)])
@pytest.mark.parametrize("nonlinearity,a,gain", [
    ("relu", 0, math.sqrt(2)), ("leaky_relu", 0.2, math.sqrt(2 / 1.04)),
    ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)), ("tanh", 0, 5 / 3), ("linear", 0, 1.0),
])
def test_kaiming_statistics(mode, fan, nonlinearity, a, gain):
    std = gain / math.sqrt(fan)
    kw = {"a": a, "mode": mode, "nonlinearity": nonlinearity}
    _check_stats(dinit.kaiming_uniform_(torch.empty(SHAPE), generator=_g(3), **kw), 0.0, std,
                 math.sqrt(3) * std)
    _check_stats(dinit.kaiming_normal_(torch.empty(SHAPE), generator=_g(4), **kw), 0.0, std)


def test_uniform_normal_constant_statistics():
    _check_stats(dinit.uniform_(torch.empty(100_000), -1.0, 3.0, _g(5)), 1.0, 4 / math.sqrt(12))
    w = dinit.uniform_(torch.empty(100_000), -1.0, 3.0, _g(5))
    assert w.min() >= -1.0 and w.max() <= 3.0
    _check_stats(dinit.normal_(torch.empty(100_000), -2.0, 0.5, _g(6)), -2.0, 0.5)
    assert torch.equal(dinit.constant_(torch.empty(3, 2), 0.25), torch.full((3, 2), 0.25))
    assert torch.equal(dinit.ones_(torch.empty(4)), torch.ones(4))
    assert torch.equal(dinit.zeros_(torch.empty(4)), torch.zeros(4))


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.5, 0.02, 0.47, 0.6),
                                          (0.0, 1.0, 0.0, 3.0)])
def test_trunc_normal_statistics(mean, std, a, b):
    w = dinit.trunc_normal_(torch.empty(200_000, dtype=torch.float64), mean, std, a, b, _g(8))
    assert w.min() >= a and w.max() <= b
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    cdf = lambda x: (1 + math.erf(x / math.sqrt(2))) / 2
    z = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / z
    true_mean = mean + std * shift
    true_std = std * math.sqrt(1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - shift**2)
    _check_stats(w, true_mean, true_std)


def test_init_on_parameters_without_autograd_and_zero_size_warns():
    layer = nn.Linear(30, 20)
    out = dinit.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=_g(9))
    assert out is layer.weight and out.grad_fn is None and out.requires_grad
    assert layer.weight.abs().max() <= 1 / math.sqrt(30)     # a = sqrt(5): bound 1/sqrt(fan_in)
    dinit.xavier_normal_(layer.weight)
    dinit.zeros_(layer.bias)
    with pytest.warns(UserWarning, match="zero-element"):
        dinit.kaiming_normal_(torch.empty(0, 3))
