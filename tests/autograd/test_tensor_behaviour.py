"""The NumPy engine's contract beyond the math: error messages, hooks, no_grad, detach,
gradient accumulation, retain_grad, and graphs that free themselves."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
import torch

from dlfs.autograd import (
    ShapeError,
    Tensor,
    concatenate,
    cross_entropy,
    is_grad_enabled,
    no_grad,
    stack,
)


def leaf(*shape, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


# ---- errors --------------------------------------------------------------------------------


def test_matmul_error_names_both_shapes_and_the_inner_dimensions():
    with pytest.raises(ValueError) as err:
        leaf(3, 4) @ leaf(5, 2)
    assert str(err.value) == ("matmul: shapes (3, 4) and (5, 2) are incompatible: "
                              "inner dimensions 4 != 5")


@pytest.mark.parametrize("make, message", [
    (lambda: leaf(2, 3, 4) @ leaf(3, 4, 2), r"batch dimensions \(2,\) and \(3,\) do not broadcast"),
    (lambda: leaf(3) @ Tensor(2.0), r"matmul: shapes \(3,\) and \(\) .*at least one dimension"),
    (lambda: leaf(2, 3) + leaf(4), r"add: shapes \(2, 3\) and \(4,\) are not broadcastable"),
    (lambda: leaf(2, 3) * leaf(3, 2), r"mul: shapes \(2, 3\) and \(3, 2\)"),
    (lambda: leaf(2, 3) - leaf(2, 2), r"sub: shapes"),
    (lambda: leaf(2, 3) / leaf(5), r"div: shapes"),
    (lambda: leaf(2, 3).reshape(4, 2), r"reshape: cannot reshape shape \(2, 3\) \(6 elements\)"),
    (lambda: leaf(2, 3).sum(axis=2), r"sum: axis 2 is out of range for a 2-D tensor"),
    (lambda: leaf(2, 3).permute(0, 0), r"permute: \(0, 0\) is not a permutation"),
    (lambda: concatenate([leaf(2, 3), leaf(2, 4)]), r"concatenate: shapes \(2, 3\), \(2, 4\)"),
    (lambda: stack([leaf(2, 3), leaf(3, 2)]), r"stack: all shapes must be equal, got \(2, 3\), \(3, 2\)"),
    (lambda: cross_entropy(leaf(4, 3), np.zeros(3, dtype=int)), r"targets .* shape \(4,\)"),
    (lambda: cross_entropy(leaf(4, 3), np.zeros(4)), r"integer class indices"),
])
def test_shape_errors_are_value_errors_that_say_what_and_where(make, message):
    with pytest.raises(ShapeError, match=message):
        make()


def test_other_errors():
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 3\)"):
        cross_entropy(leaf(2, 3), np.array([0, 3]))
    with pytest.raises(TypeError, match="only floating-point tensors can require gradients"):
        Tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"use tensor.detach\(\).numpy\(\)"):
        leaf(2).numpy()
    with pytest.raises(IndexError, match=r"tensor shape \(2,\)"):
        leaf(2)[5]


def test_backward_on_a_non_scalar_needs_a_gradient():
    y = leaf(2, 3) * 2
    with pytest.raises(RuntimeError, match=r"only for a one-element .* shape \(2, 3\); pass grad="):
        y.backward()
    with pytest.raises(ShapeError, match=r"grad has shape \(3,\) but the tensor has shape \(2, 3\)"):
        y.backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).backward()


# ---- accumulation, zero_grad, retain_grad ----------------------------------------------------


def test_gradients_accumulate_across_backward_calls_like_torch():
    x = leaf(3)
    tx = torch.tensor(x.data, requires_grad=True)
    for _ in range(2):
        (x * x).sum().backward()
        (tx * tx).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    np.testing.assert_allclose(x.grad, 4 * x.data)
    x.zero_grad()
    assert x.grad is None


def test_only_leaves_keep_grad_unless_retained():
    x = leaf(3)
    h = x.tanh()
    k = x.exp()
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None and x.grad is not None
    np.testing.assert_allclose(k.grad, h.data)
    assert x.is_leaf and not h.is_leaf


def test_gradient_from_several_paths_is_summed():
    x = leaf(2, 2)
    y = x @ x + x * x.sum()
    tx = torch.tensor(x.data, requires_grad=True)
    ty = tx @ tx + tx * tx.sum()
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())


# ---- hooks ---------------------------------------------------------------------------------


def test_hook_can_inspect_and_replace_a_gradient_like_torch():
    x = leaf(4)
    tx = torch.tensor(x.data, requires_grad=True)
    seen = []
    for t, ref in ((x, False), (tx, True)):
        h = t * 3  # the hook on the intermediate changes everything upstream
        h.register_hook(lambda g: g * 10)
        t.register_hook(lambda g, ref=ref: seen.append((ref, g.sum().item())))
        (h**2).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy())
    np.testing.assert_allclose(x.grad, 10 * 2 * 3 * x.data * 3)
    assert seen[0][1] == pytest.approx(seen[1][1])


def test_hook_handle_removes_the_hook():
    x = leaf(3)
    handle = x.register_hook(lambda g: g * 0)
    handle.remove()
    x.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(print)


# ---- no_grad and detach ----------------------------------------------------------------------


def test_no_grad_records_nothing_nests_and_decorates():
    w = leaf(3)
    with no_grad():
        assert not is_grad_enabled()
        with no_grad():
            y = w * 2
        z = w.exp()
    assert is_grad_enabled()
    assert not y.requires_grad and not z.requires_grad and y.parents == ()

    @no_grad()
    def update(t):
        return t - 1

    assert not update(w).requires_grad and is_grad_enabled()


def test_detach_shares_data_and_stops_gradients():
    x = leaf(3)
    d = x.detach()
    assert d.data is x.data and not d.requires_grad
    (x * d).sum().backward()  # d is a constant: d(x*d)/dx = d
    np.testing.assert_allclose(x.grad, x.data)


# ---- memory --------------------------------------------------------------------------------


def test_graph_is_freed_by_reference_counting():
    """No node is part of a reference cycle, so the graph goes as soon as the loss goes."""
    gc.collect(0)
    gc.disable()
    try:
        x = leaf(8, 4)
        w = leaf(4, 3)
        hidden = (x @ w).tanh()
        probe = weakref.ref(hidden)
        loss = cross_entropy(hidden, np.arange(8) % 3)
        loss.backward()
        del hidden, loss
        assert probe() is None  # freed without the cyclic collector
        assert gc.collect(0) == 0  # the young generation: everything made since disable()
    finally:
        gc.enable()
