"""The NumPy engine (dlfs.autograd.Tensor) against torch.autograd.

Random expression programs over random broadcastable shapes are run through both engines in
lockstep (each step is written once and applied to both sides); every intermediate value and
every leaf gradient is compared in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlfs.autograd import Tensor, concatenate, cross_entropy, log_softmax, softmax, stack

TOL = {"rtol": 1e-9, "atol": 1e-10}


def to_torch(x: Tensor) -> torch.Tensor:
    return torch.tensor(x.data, requires_grad=x.requires_grad)


# ---- the program interpreter ---------------------------------------------------------------


def amax(t, axis, keepdims):
    return t.amax(axis=axis, keepdims=keepdims) if isinstance(t, torch.Tensor) \
        else t.max(axis=axis, keepdims=keepdims)


def fn_softmax(t, axis):
    return torch.softmax(t, dim=axis) if isinstance(t, torch.Tensor) else softmax(t, axis)


def fn_log_softmax(t, axis):
    return torch.log_softmax(t, dim=axis) if isinstance(t, torch.Tensor) \
        else log_softmax(t, axis)


def fn_cat(ts, axis):
    return torch.cat(ts, dim=axis) if isinstance(ts[0], torch.Tensor) \
        else concatenate(ts, axis)


def fn_stack(ts, axis):
    return torch.stack(ts, dim=axis) if isinstance(ts[0], torch.Tensor) else stack(ts, axis)


def index_for(t, idx):
    """numpy index parts become torch tensors on the torch side."""
    if not isinstance(t, torch.Tensor):
        return idx
    parts = idx if isinstance(idx, tuple) else (idx,)
    out = tuple(torch.from_numpy(p) if isinstance(p, np.ndarray) else p for p in parts)
    return out if isinstance(idx, tuple) else out[0]


UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: (a * a + 0.5).log(),
    "tanh": lambda a: a.tanh(),
    "relu": lambda a: a.relu(),
    "sigmoid": lambda a: a.sigmoid(),
    "square": lambda a: a**2,
    "sqrt": lambda a: (a * a + 1) ** 0.5,
    "rsub": lambda a: 1.5 - a,
    "rdiv": lambda a: 1.0 / (a * a + 1),
    "rpow": lambda a: 2.0 ** a.tanh(),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "pow": lambda a, b: (a * a + 1) ** b.tanh(),
}


class Program:
    """Both engines side by side: ``nodes`` holds (ours, torch) pairs; ``leaves`` too."""

    def __init__(self, data, rng):
        self.data, self.rng = data, rng
        self.nodes: list[tuple] = []
        self.leaves: list[tuple] = []

    def leaf(self, shape):
        x = self.rng.standard_normal(shape)
        if self.rng.random() < 0.5:  # coarse values: exact zeros and ties (relu at 0, max)
            x = np.round(x * 2) / 2
        x = Tensor(x, requires_grad=True)
        pair = (x, to_torch(x))
        self.leaves.append(pair)
        return pair

    def apply(self, fn, *args):
        ours = fn(*[a[0] for a in args])
        if ours.data.size:  # empty results (x[1:] of one row) are not interesting here
            self.nodes.append((ours, fn(*[a[1] for a in args])))

    def pick(self):
        return self.nodes[self.data.draw(st.integers(0, len(self.nodes) - 1))]

    def step(self):
        kind = self.data.draw(st.sampled_from(
            ["unary", "binary", "matmul", "reduce", "shape", "index", "softmax", "join"]))
        getattr(self, "step_" + kind)(self.pick())

    def step_unary(self, a):
        self.apply(UNARY[self.data.draw(st.sampled_from(sorted(UNARY)))], a)

    def step_binary(self, a):
        b = self.pick()
        try:
            np.broadcast_shapes(a[0].shape, b[0].shape)
        except ValueError:  # not broadcastable: a fresh leaf of a shape that is
            b = self.leaf(self.data.draw(trailing_shapes(a[0].shape)))
        self.apply(BINARY[self.data.draw(st.sampled_from(sorted(BINARY)))], a, b)

    def step_matmul(self, a):
        if a[0].ndim == 0:
            return
        k, m = a[0].shape[-1], self.data.draw(st.integers(1, 4))
        batch = a[0].shape[:-2] if a[0].ndim > 2 else ()
        shape = self.data.draw(st.sampled_from([(k, m), (k,), (1, k, m), batch + (k, m)]))
        self.apply(lambda x, w: x @ w, a, self.leaf(shape))
        if a[0].ndim >= 2:  # and from the left: (m, n) @ (..., n, k)
            self.apply(lambda w, x: w @ x, self.leaf((m, a[0].shape[-2])), a)

    def step_reduce(self, a):
        nd = a[0].ndim
        axis = None  # axis=() reduces nothing in NumPy but everything in torch: not drawn
        if nd:
            axis = self.data.draw(st.one_of(
                st.none(), st.integers(-nd, nd - 1),
                st.lists(st.integers(0, nd - 1), unique=True, min_size=1).map(tuple)))
        keepdims = self.data.draw(st.booleans())
        op = self.data.draw(st.sampled_from(["sum", "mean", "max"]))
        if op == "max":
            self.apply(lambda t: amax(t, axis, keepdims), a)
        else:
            self.apply(lambda t: getattr(t, op)(axis=axis, keepdims=keepdims), a)

    def step_shape(self, a):
        shape, nd = a[0].shape, a[0].ndim
        choices = [lambda t: t.reshape(-1), lambda t: t.reshape(shape[::-1] + (1,))]
        if nd >= 2:
            perm = tuple(self.data.draw(st.permutations(range(nd))))
            choices += [lambda t: t.transpose(0, -1), lambda t: t.permute(*perm)]
        if nd == 2:
            choices.append(lambda t: t.T)
        self.apply(self.data.draw(st.sampled_from(choices)), a)

    def step_index(self, a):
        shape = a[0].shape
        if not shape:
            return

        def rows(n):  # integer indices along an axis of size n, repeats and negatives
            return np.asarray(self.data.draw(
                st.lists(st.integers(-n, n - 1), min_size=1, max_size=5)))

        choices = [slice(1, None), slice(None, None, 2), (Ellipsis, 0),
                   rows(shape[0]), self.rng.random(shape) > 0.4]
        if len(shape) > 1:
            choices.append((slice(None), rows(shape[1])))
        idx = self.data.draw(st.sampled_from(choices))
        self.apply(lambda t: t[index_for(t, idx)], a)

    def step_softmax(self, a):
        if a[0].ndim == 0:
            return
        axis = self.data.draw(st.integers(-a[0].ndim, a[0].ndim - 1))
        fn = self.data.draw(st.sampled_from([fn_softmax, fn_log_softmax]))
        self.apply(lambda t: fn(t, axis), a)

    def step_join(self, a):
        axis = self.data.draw(st.integers(0, a[0].ndim))
        if axis < a[0].ndim and self.data.draw(st.booleans()):
            self.apply(lambda t: fn_cat([t, t.tanh(), 2 * t], axis), a)
        else:
            self.apply(lambda t: fn_stack([t, t.sigmoid()], axis), a)


def trailing_shapes(shape):
    """Shapes that broadcast with ``shape``: a suffix of it, some axes set to 1."""
    return st.integers(0, len(shape)).flatmap(lambda k: st.tuples(
        *[st.sampled_from([n, 1]) for n in shape[len(shape) - k:]]))


base_shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), shape=base_shapes, n_inputs=st.integers(1, 3),
       n_steps=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_random_programs_match_torch(data, shape, n_inputs, n_steps, seed):
    prog = Program(data, np.random.default_rng(seed))
    for _ in range(n_inputs):
        prog.nodes.append(prog.leaf(data.draw(trailing_shapes(shape))))
    for _ in range(n_steps):
        prog.step()
    ours_all = [o for o, _ in prog.nodes]
    assume(all(np.all(np.abs(o.data) < 1e8) for o in ours_all))
    loss, ref_loss = 0.0, 0.0
    for i, (o, r) in enumerate(prog.nodes):  # every node feeds the loss
        assert o.shape == tuple(r.shape), f"node {i}: {o.shape} vs {tuple(r.shape)}"
        np.testing.assert_allclose(o.data, r.detach().numpy(), **TOL, err_msg=f"node {i}")
        w = np.cos(np.arange(o.data.size) + i).reshape(o.shape)
        loss, ref_loss = loss + (o * w).sum(), ref_loss + (r * torch.from_numpy(w)).sum()
    loss.backward()
    ref_loss.backward()
    for i, (o, r) in enumerate(prog.leaves):
        np.testing.assert_allclose(o.grad, r.grad.numpy(), **TOL, err_msg=f"leaf {i}")


# ---- single operations, a few shapes each ----------------------------------------------------


@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                    ((4,), (4,)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                                    ((1, 4), (4, 1))])
def test_matmul_shapes_and_gradients(sa, sb):
    rng = np.random.default_rng(0)
    a, b = Tensor(rng.standard_normal(sa), True), Tensor(rng.standard_normal(sb), True)
    ta, tb = to_torch(a), to_torch(b)
    out, ref = a @ b, ta @ tb
    np.testing.assert_allclose(out.data, ref.detach().numpy(), **TOL)
    g = rng.standard_normal(ref.shape)
    out.backward(g)
    ref.backward(torch.from_numpy(g))
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), **TOL)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), **TOL)


@pytest.mark.parametrize("B, C", [(1, 3), (5, 10), (7, 2)])
def test_cross_entropy_matches_torch(B, C):
    rng = np.random.default_rng(B * C)
    logits = Tensor(rng.standard_normal((B, C)) * 30, requires_grad=True)  # large logits
    targets = rng.integers(0, C, B)
    ref = to_torch(logits)
    for reduction in ("mean", "sum", "none"):
        logits.zero_grad()
        ref.grad = None
        out = cross_entropy(logits, targets, reduction=reduction)
        expected = torch.nn.functional.cross_entropy(ref, torch.from_numpy(targets),
                                                     reduction=reduction)
        np.testing.assert_allclose(out.data, expected.detach().numpy(), **TOL)
        g = rng.standard_normal(out.shape)
        out.backward(g)
        expected.backward(torch.from_numpy(g))
        np.testing.assert_allclose(logits.grad, ref.grad.numpy(), **TOL)


def test_softmax_is_stable_for_huge_logits():
    x = Tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    s, ls = softmax(x), log_softmax(x)
    assert np.all(np.isfinite(s.data)) and np.all(np.isfinite(ls.data))
    np.testing.assert_allclose(ls.data, [[0.0, -1e4, -2e4]])


def test_max_shares_the_gradient_between_ties_like_amax():
    x = Tensor([[1.0, 3.0, 3.0], [0.0, 0.0, 0.0]], requires_grad=True)
    tx = to_torch(x)
    (x.max(axis=1) * Tensor([1.0, 2.0])).sum().backward()
    (tx.amax(axis=1) * torch.tensor([1.0, 2.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), **TOL)
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [2 / 3, 2 / 3, 2 / 3]])


def test_relu_gradient_at_zero_is_zero_like_torch():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_integer_index_with_repeats_scatter_adds():
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[np.array([0, 2, 2, 2, -1])].sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 3.0, 1.0])


def test_boolean_mask_index_matches_torch():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    tx = to_torch(x)
    mask = x.data > 0
    (x[mask] ** 2).sum().backward()
    (tx[torch.from_numpy(mask)] ** 2).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), **TOL)
    # a boolean Tensor works as a mask too
    x.zero_grad()
    (x[x > 0] ** 2).sum().backward()
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), **TOL)


def test_dtypes_are_kept():
    assert Tensor([1.0, 2.0]).dtype == np.float64  # Python lists give float64
    x = Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    y = ((x * 2.5 + 1) ** 2 / 3.0).exp().mean()  # Python numbers do not promote
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32
    w = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    assert (x @ w).dtype == np.float32


def test_float32_matches_torch_loosely():
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((5, 7)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.standard_normal((7, 3)).astype(np.float32), requires_grad=True)
    tx, tw = to_torch(x), to_torch(w)
    cross_entropy((x @ w).tanh(), np.arange(5) % 3).backward()
    torch.nn.functional.cross_entropy((tx @ tw).tanh(), torch.arange(5) % 3).backward()
    np.testing.assert_allclose(w.grad, tw.grad.numpy(), rtol=1e-4, atol=1e-6)
    assert w.grad.dtype == np.float32
