"""gradcheck: central differences agree with correct gradients of both engines and of torch,
and a wrong backward is caught and located."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlfs.autograd import (
    GradcheckError,
    Tensor,
    Value,
    cross_entropy,
    gradcheck,
    log_softmax,
    make_node,
    softmax,
    stack,
)


def rand(*shape, seed=0, dtype=np.float64):
    return Tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


def test_value_functions_pass():
    assert gradcheck(lambda a: (a**3 - 2 * a).sigmoid(), Value(0.4))
    assert gradcheck(lambda a, b: (a * a + b).log() / b.exp(), Value(-0.7), Value(1.1))


@pytest.mark.parametrize("fn, shapes", [
    (lambda a, b: (a @ b).tanh(), [(3, 4), (4, 2)]),
    (lambda a, b: a * b + a / (b * b + 1), [(2, 1, 3), (4, 1)]),
    (lambda a: softmax(a, axis=0), [(3, 2)]),
    (lambda a: log_softmax(a)[:, 1:], [(2, 4)]),
    (lambda a: a.max(axis=1, keepdims=True) + a.mean(), [(3, 5)]),
    (lambda a: a[np.array([0, 0, 2])].sum(axis=0), [(3, 2)]),
    (lambda a, b: stack([a, b.T], axis=1).reshape(-1), [(2, 3), (3, 2)]),
])
def test_tensor_functions_pass(fn, shapes):
    inputs = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    assert gradcheck(fn, *inputs)


def test_non_differentiable_arguments_pass_through():
    logits, targets = rand(4, 3), np.array([0, 2, 1, 2])
    assert gradcheck(lambda x, t: cross_entropy(x, t), logits, targets)


def test_float32_inputs_are_checked_in_float64_and_not_modified():
    x = rand(3, 3, dtype=np.float32)
    before = x.data.copy()
    assert gradcheck(lambda a: (a @ a).exp().sum(), x)
    np.testing.assert_array_equal(x.data, before)


def test_torch_functions_pass():
    x = torch.randn(3, 4, dtype=torch.float64)
    w = torch.randn(4, 2, dtype=torch.float64)
    assert gradcheck(lambda a, b: torch.nn.functional.gelu(a @ b), x, w)


def test_a_wrong_tensor_backward_is_located():
    def bad_square(a: Tensor) -> Tensor:  # d(a^2)/da is 2a, this claims 3a at one place
        def backward(g):
            grad = 2 * g * a.data
            grad[1, 2] *= 1.5
            return (grad,)
        return make_node(a.data**2, (a,), backward, "bad_square")

    with pytest.raises(GradcheckError, match=r"input 0 at \(1, 2\), shape \(2, 3\)"):
        gradcheck(lambda a: bad_square(a).sum(), rand(2, 3))


def test_a_wrong_value_derivative_is_caught():
    def bad_exp(a: Value) -> Value:
        return Value(np.exp(a.data), (a,), (a.data,), "bad_exp")  # should be e^a

    with pytest.raises(GradcheckError, match="analytical"):
        gradcheck(bad_exp, Value(0.5))


def test_a_wrong_torch_function_is_caught():
    class BadSin(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.sin()  # should be cos

    with pytest.raises(GradcheckError):
        gradcheck(BadSin.apply, torch.randn(4, dtype=torch.float64))


def test_needs_a_differentiable_input():
    with pytest.raises(TypeError, match="no differentiable input"):
        gradcheck(lambda a: a, np.ones(3))


def test_the_worst_mismatch_over_all_inputs_is_reported():
    def skewed(a: Tensor, b: Tensor) -> Tensor:  # wrong for both inputs, far worse for b
        out = a.data * b.data
        return make_node(out, (a, b), lambda g: (g * b.data * 1.01, g * a.data * 3.0), "skewed")

    a = Tensor(np.array([[1.0, 1.0], [5.0, 1.0]]))  # dL/db = a: largest at (1, 0)
    b = Tensor(np.full((2, 2), 2.0))
    with pytest.raises(GradcheckError, match=r"d\(output at \(1, 0\)\) / d\(input 1 at \(1, 0\)"):
        gradcheck(skewed, a, b)
