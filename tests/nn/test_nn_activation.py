"""Parity of dlfs activations (functional and modules) with torch, values and gradients."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF
from nn_parity_helpers import check_fn, check_module
from torch import nn

import dlfs.nn as dnn
import dlfs.nn.functional as F
from dlfs.testing import assert_module_parity

pytestmark = pytest.mark.filterwarnings("ignore:Implicit dimension choice")

SHAPES = [(1, 5), (3, 7), (2, 3, 4, 5)]


def _x(shape: tuple[int, ...], scale: float = 3.0) -> torch.Tensor:
    torch.manual_seed(sum(shape))
    return torch.randn(shape, dtype=torch.float64) * scale


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,kwargs", [
    ("relu", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("sigmoid", {}),
    ("tanh", {}), ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}),
    ("logsigmoid", {}),
])
def test_elementwise_functional(name, kwargs, shape):
    check_fn(getattr(F, name), getattr(TF, name), _x(shape), kwargs=kwargs)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((1, 5), -1), ((3, 7), 0), ((2, 3, 4, 5), 1),
                                       ((2, 3, 4), None), ((4, 6), None)])
def test_softmax_family(name, shape, dim):
    check_fn(getattr(F, name), getattr(TF, name), _x(shape, 10.0), kwargs={"dim": dim})


def test_softmax_dtype_argument():
    x = _x((3, 4)).float()
    check_fn(F.softmax, TF.softmax, x, kwargs={"dim": 1, "dtype": torch.float64},
             dtypes=(torch.float32,))


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "silu", "gelu", "log_softmax",
                                  "softmax", "logsigmoid"])
def test_extreme_inputs_stay_finite(name):
    """Also the gradient at exactly 0, where abs/clamp-based formulas go wrong."""
    x = torch.tensor([[-1000.0, -50.0, -1e-9, 0.0, 1e-9, 50.0, 1000.0]], dtype=torch.float64)
    kwargs = {"dim": -1} if "softmax" in name else {}
    check_fn(getattr(F, name), getattr(TF, name), x, kwargs=kwargs)


@pytest.mark.parametrize("name,kwargs", [("relu", {}), ("leaky_relu", {"negative_slope": 0.1}),
                                         ("silu", {})])
def test_inplace_variants(name, kwargs):
    def run(fn):
        def f(x):
            y = x * 1.0  # a non-leaf, so the in-place op is allowed
            out = fn(y, inplace=True, **kwargs)
            assert out.data_ptr() == y.data_ptr()
            return out
        return f
    check_fn(run(getattr(F, name)), run(getattr(TF, name)), _x((3, 4)))


@pytest.mark.parametrize("make", [
    lambda m: m.ReLU(), lambda m: m.ReLU(inplace=True), lambda m: m.LeakyReLU(),
    lambda m: m.LeakyReLU(0.3, inplace=True), lambda m: m.GELU(), lambda m: m.GELU("tanh"),
    lambda m: m.SiLU(), lambda m: m.Sigmoid(), lambda m: m.Tanh(), lambda m: m.Softmax(dim=1),
    lambda m: m.LogSoftmax(dim=-1), lambda m: m.Softplus(), lambda m: m.Softplus(0.5, 4.0),
    lambda m: m.Softmax(),
])
@pytest.mark.parametrize("shape", [(1, 4), (2, 3, 5)])
def test_activation_modules(make, shape):
    inplace = getattr(make(nn), "inplace", False)
    x = _x(shape)

    def wrap(module):
        class Wrapped(nn.Module):  # in-place ops need a non-leaf input
            def __init__(self):
                super().__init__()
                self.inner = module

            def forward(self, t):
                return self.inner(t * 1.0 if inplace else t)
        return Wrapped()
    check_module(lambda: wrap(make(dnn)), lambda: wrap(make(nn)), x)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(torch.ones(2), approximate="fast")


def test_relu_keeps_integer_dtype_and_nan():
    assert torch.equal(F.relu(torch.tensor([-1, 2])), torch.tensor([0, 2]))
    out = F.relu(torch.tensor([float("nan"), -1.0]))
    assert torch.isnan(out[0]) and out[1] == 0


def test_gelu_hand_written_backward_is_twice_differentiable():
    """GELU's backward is written by hand; under create_graph it must still be exact."""
    x = _x((3, 5), 2.0).requires_grad_()
    assert torch.autograd.gradgradcheck(F.gelu, (x,))
    (g,) = torch.autograd.grad(F.gelu(x).sum(), x, create_graph=True)
    (g_ref,) = torch.autograd.grad(TF.gelu(x).sum(), x, create_graph=True)
    torch.testing.assert_close(g, g_ref, rtol=0, atol=1e-12)
    (h,) = torch.autograd.grad(g.sum(), x)
    (h_ref,) = torch.autograd.grad(g_ref.sum(), x)
    torch.testing.assert_close(h, h_ref, rtol=0, atol=1e-12)


def test_safe_softmax_and_attention_are_twice_differentiable():
    """The attention softmax writes into its buffers in place except under create_graph."""
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 4, dtype=torch.float64, generator=gen).requires_grad_()
               for _ in range(3))
    assert torch.autograd.gradgradcheck(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), (q, k, v))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape", [(1, 4), (2, 3, 5)])
def test_gelu_fused_path_agrees(approximate, shape):
    ours, fused = dnn.GELU(approximate), dnn.GELU(approximate, fused=True)
    assert "fused=True" in repr(fused) and "fused" not in repr(ours)
    assert_module_parity(ours, fused, _x(shape))
