"""The scalar engine (dlfs.autograd.Value) against torch scalars: random expression programs
run through both engines, values and gradients compared in float64."""

from __future__ import annotations

import gc
import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dlfs.autograd import Value, gradcheck

# Each op is written once and applied to Values and to 0-d torch tensors alike.
UNARY = {
    "neg": lambda a: -a,
    "exp": lambda a: a.exp(),
    "log": lambda a: (a * a + 0.5).log(),
    "tanh": lambda a: a.tanh(),
    "relu": lambda a: a.relu(),
    "sigmoid": lambda a: a.sigmoid(),
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "sqrt": lambda a: (a * a + 1) ** 0.5,
    "inv_pow": lambda a: (a * a + 1) ** -1.5,
    "rpow": lambda a: 2.0 ** a.tanh(),
    "radd": lambda a: 1.5 + a,
    "rsub": lambda a: 1.5 - a,
    "rmul": lambda a: -2.0 * a,
    "rdiv": lambda a: 1.0 / (a * a + 1),
    "add_const": lambda a: a + 0.25,
    "sub_const": lambda a: a - 0.25,
    "div_const": lambda a: a / 3.0,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
}

step = st.one_of(
    st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 99)),
    st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 99), st.integers(0, 99)),
)
programs = st.lists(step, min_size=1, max_size=10)
inputs = st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=3)


def run_program(program, leaves):
    """Apply the program to ``leaves``; return every node (inputs first)."""
    nodes = list(leaves)
    for name, *picks in program:
        args = [nodes[i % len(nodes)] for i in picks]
        nodes.append((UNARY | BINARY)[name](*args))
    return nodes


@settings(max_examples=150, deadline=None)
@given(program=programs, xs=inputs)
def test_random_programs_match_torch(program, xs):
    ours = [Value(x) for x in xs]
    ref = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    our_nodes, ref_nodes = run_program(program, ours), run_program(program, ref)
    assume(all(math.isfinite(n.data) and abs(n.data) < 1e8 for n in our_nodes))
    # the loss uses every node, so every input receives a gradient through many paths
    weights = [math.sin(i + 1.0) for i in range(len(our_nodes))]
    loss = sum(w * n for w, n in zip(weights, our_nodes))
    ref_loss = sum(w * n for w, n in zip(weights, ref_nodes))
    loss.backward()
    ref_loss.backward()
    for o, r in zip(our_nodes, ref_nodes):
        assert o.data == pytest.approx(r.item(), rel=1e-12, abs=1e-12)
    for o, r in zip(ours, ref):
        assert o.grad == pytest.approx(r.grad.item(), rel=1e-9, abs=1e-9)


def test_neuron_by_hand():
    """y = tanh(w1 x1 + w2 x2 + b), the derivatives written out."""
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.88)
    y = (x1 * w1 + x2 * w2 + b).tanh()
    y.backward()
    dpre = 1 - y.data**2
    assert (w1.grad, w2.grad, x1.grad, b.grad) == pytest.approx(
        (dpre * 2.0, dpre * 0.0, dpre * -3.0, dpre))


def test_backward_accumulates_and_zero_grad_resets():
    a = Value(3.0)
    y = a * a + a  # dy/da = 2a + 1 = 7
    y.backward()
    assert a.grad == 7.0
    y.backward()
    assert a.grad == 14.0  # a second call adds, like torch's leaves
    y.zero_grad()
    assert (a.grad, y.grad) == (0.0, 0.0)


def test_shared_node_counts_every_path():
    a = Value(1.5)
    b = a * a
    y = b * b + b  # a^4 + a^2: dy/da = 4a^3 + 2a
    y.backward()
    assert a.grad == pytest.approx(4 * 1.5**3 + 2 * 1.5)


def test_relu_gradient_at_zero_is_zero_like_torch():
    a = Value(0.0)
    a.relu().backward()
    t = torch.tensor(0.0, requires_grad=True)
    t.relu().backward()
    assert a.grad == t.grad.item() == 0.0


def test_sigmoid_is_stable_for_large_inputs():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_errors_are_clear():
    with pytest.raises(TypeError, match="exponent must be a number"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="log: the input must be positive"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="2 parents but 1 local"):
        Value(1.0, (Value(1.0), Value(2.0)), (1.0,))


def test_deep_chain_does_not_recurse():
    x = Value(0.5)
    y = x
    for _ in range(5000):  # deeper than Python's recursion limit
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0


def test_graph_has_no_reference_cycles():
    """Training-style use leaves nothing for the cyclic garbage collector."""
    gc.collect(0)
    gc.disable()
    try:
        params = [Value(0.1 * i) for i in range(20)]
        for _ in range(3):
            loss = sum((p * p).tanh() for p in params)
            loss.backward()
            del loss
        assert gc.collect(0) == 0  # the young generation: everything made since disable()
    finally:
        gc.enable()


def test_gradcheck_on_values():
    assert gradcheck(lambda a, b: (a / b).exp() * b.sigmoid(), Value(0.7), Value(-1.3))
