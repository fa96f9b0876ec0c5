"""Exercises on automatic differentiation: the scalar engine, the NumPy tensor engine's
backward rules, graphs, gradient checking, custom Functions, hooks and a hand-written update
(book ch. 1, the autograd series 00-08, PyTorch roadmap day 8).

Checkers compare with torch.autograd in float64 where torch has the same piece, and assert
the invariant where it has none (a topological order, a summary that leaves no hook behind).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from ...autograd.tensor import Tensor as EngineTensor
from ...autograd.tensor import make_node, unbroadcast
from ...autograd.tensor_graph import Node
from ...builtin_guard import BuiltinCallError
from ...playground.summary import ModelSummary, SummaryRow
from ..cases import Case, assert_close, fn_case, randn, watched
from ..schema import Exercise

#: what the NumPy-engine exercises may use of the library: Tensor's graph machinery
#: (make_node, backward, no_grad, unbroadcast) but none of its operations
ENGINE = ("dlfs.autograd.tensor_graph", "dlfs.autograd.tensor:Tensor")
ENGINE_IMPORTS = ("import numpy as np", "",
                  "from dlfs.autograd.tensor import Tensor, make_node, unbroadcast")


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _np(x: Any) -> torch.Tensor:
    """An array (or NumPy scalar) as a torch tensor, for :func:`assert_close`."""
    return torch.as_tensor(np.asarray(x))


# ---- Value: the scalar engine (book 1, autograd 02) -------------------------------------------

def _mlp(*p):
    """2 inputs -> 3 tanh units -> 1 output, squared error against 0.5 (15 leaves)."""
    x, h = p[:2], []
    for j in range(3):
        w1, w2, b = p[2 + 3 * j: 5 + 3 * j]
        h.append((w1 * x[0] + w2 * x[1] + b).tanh())
    v1, v2, v3, c = p[11:15]
    return (v1 * h[0] + v2 * h[1] + v3 * h[2] + c - 0.5) ** 2


def _chain(a, n=1500):
    """A graph 1500 nodes deep: a recursive backward overflows Python's stack."""
    for _ in range(n):
        a = a * 0.999 + 0.001
    return a


def _diamond(a, b):
    c = a * b
    d = c + c * c
    return d * c - a


_VALUE_CASES = [
    ("a + b", lambda a, b: a + b, (2.0, -3.0)),
    ("a * b + a (a used twice)", lambda a, b: a * b + a, (1.5, -0.5)),
    ("a ** 3 - 2 * a / b + 1", lambda a, b: a ** 3 - 2 * a / b + 1, (0.7, 1.3)),
    ("tanh(a * b + c)", lambda a, b, c: (a * b + c).tanh(), (0.4, -1.1, 0.3)),
    ("exp(-a) + 1 + a - b ** 2", lambda a, b: (-a).exp() + 1 + a - b ** 2, (0.25, 2.0)),
    ("neuron tanh(x1 w1 + x2 w2 + b)",
     lambda x1, x2, w1, w2, b: (x1 * w1 + x2 * w2 + b).tanh(),
     (2.0, 0.0, -3.0, 1.0, 6.8813735870195432)),
    ("shared node: c = a b, (c + c c) c - a", _diamond, (0.6, -0.9)),
    ("2-3-1 tanh MLP, squared error (15 leaves)", _mlp,
     (0.5, -1.0, 0.1, -0.2, 0.3, 0.4, 0.5, -0.6, -0.7, 0.8, 0.05, 1.0, -1.1, 0.9, 0.2)),
]


def _value_case(Value, name: str, expr: Callable, values: tuple[float, ...], *,
                twice: bool = False) -> Case:
    def run() -> None:
        def build():
            leaves = [Value(v) for v in values]
            out = expr(*leaves)
            out.backward()
            if twice:
                out.backward()
            return leaves, out
        leaves, out = watched(build)()
        ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
        ref = expr(*ts)
        ref.backward(retain_graph=twice)
        if twice:
            ref.backward()
        if not _close(float(out.data), ref.item()):
            raise AssertionError(f"value: ours {float(out.data):.10g}, torch {ref.item():.10g}")
        for i, (leaf, t) in enumerate(zip(leaves, ts)):
            got, want = float(leaf.grad), t.grad.item()
            if not _close(got, want):
                raise AssertionError(f"grad of leaf {i} (data {values[i]:g}): ours {got:.10g}, "
                                     f"torch {want:.10g}, difference {abs(got - want):.3g}")
    return Case(name, run)


def value_cases(Value):
    for name, expr, values in _VALUE_CASES:
        yield _value_case(Value, name, expr, values)
    yield _value_case(Value, "backward() called twice adds the gradients twice",
                      lambda a, b: (a * b).tanh() + a, (0.3, -0.8), twice=True)
    yield _value_case(Value, "a chain 1500 nodes deep (no recursion)", _chain, (0.5,))


class _ValueOk:
    """A compact scalar engine; the planted bugs below change one rule each."""

    def __init__(self, data, parents=(), local=()):
        self.data, self.grad, self.parents, self.local = float(data), 0.0, parents, local

    def _lift(self, x):
        return x if isinstance(x, _ValueOk) else type(self)(x)

    def _node(self, data, parents, local):
        return type(self)(data, parents, local)

    def __add__(self, other):
        other = self._lift(other)
        return self._node(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = self._lift(other)
        return self._node(self.data * other.data, (self, other), (other.data, self.data))

    __radd__, __rmul__ = __add__, __mul__

    def __pow__(self, n):
        return self._node(self.data ** n, (self,), (n * self.data ** (n - 1),))

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + -self._lift(other)

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def exp(self):
        e = math.exp(self.data)
        return self._node(e, (self,), (e,))

    def tanh(self):
        t = math.tanh(self.data)
        return self._node(t, (self,), (self._dtanh(t),))

    @staticmethod
    def _dtanh(t):
        return 1.0 - t * t

    def _order(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents)
        return order

    def _push(self, pending, parent, g):
        pending[id(parent)] = pending.get(id(parent), 0.0) + g

    def _store(self, node, g):
        node.grad += g

    def backward(self):
        pending = {id(self): 1.0}
        for node in reversed(self._order()):
            g = pending.pop(id(node), 0.0)
            self._store(node, g)
            for parent, local in zip(node.parents, node.local):
                self._push(pending, parent, g * local)


class _ValueTanhSlope(_ValueOk):
    """Planted bug: d tanh(x)/dx taken as 1 - tanh(x) instead of 1 - tanh(x)^2."""

    @staticmethod
    def _dtanh(t):
        return 1.0 - t


class _ValueOverwrites(_ValueOk):
    """Planted bug: a parent's gradient is overwritten, so a node used twice keeps only the
    last contribution."""

    def _push(self, pending, parent, g):
        pending[id(parent)] = g


class _ValueForgets(_ValueOk):
    """Planted bug: backward sets .grad instead of adding to it."""

    def _store(self, node, g):
        node.grad = g


class _ValueRecursive(_ValueOk):
    """Planted bug: a recursive topological sort (fine until the graph is deep)."""

    def _order(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for p in node.parents:
                    visit(p)
                order.append(node)
        visit(self)
        return order


# ---- unbroadcast (book 1) ------------------------------------------------------------------

_UNBROADCAST = [((3,), (3,)), ((), (2, 3)), ((3,), (2, 3)), ((1,), (4,)), ((1, 4), (3, 4)),
                ((3, 1), (2, 3, 4)), ((2, 1, 4), (5, 2, 3, 4)), ((1, 1), (1, 1)),
                ((1, 3, 1), (2, 1, 3, 5))]


def unbroadcast_cases(impl):
    unbroadcast = watched(impl)
    for shape, big in _UNBROADCAST:
        def run(shape=shape, big=big) -> None:
            g = randn(*big, seed=len(big) + len(shape)).numpy()
            before = g.copy()
            x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
            x.expand(big).backward(torch.from_numpy(g))   # torch sums the copies back
            got = unbroadcast(g, shape)
            if not isinstance(got, (np.ndarray, np.generic)):
                raise AssertionError(f"expected a NumPy array, got {type(got).__name__}")
            assert_close(_np(got), x.grad, f"unbroadcast(grad {big}, {shape})")
            if not np.array_equal(g, before):
                raise AssertionError("the incoming gradient array was modified in place")
        yield Case(f"grad {big} -> operand {shape}", run)


def _unbroadcast_leading_only(grad, shape):
    """Planted bug: sums the added leading axes, forgets the size-1 axes."""
    extra = grad.ndim - len(shape)
    return grad.sum(axis=tuple(range(extra))) if extra else grad


def _unbroadcast_no_keepdims(grad, shape):
    """Planted bug: sums the size-1 axes away instead of keeping them as size 1."""
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra else grad
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes) if axes else grad


# ---- the NumPy engine's operations: matmul, log_softmax, indexing ----------------------------


def _engine_case(name: str, op: Callable, torch_op: Callable, *arrays: np.ndarray,
                 needs_grad: tuple[bool, ...] | None = None, seed: int = 0) -> Case:
    """``op`` on dlfs Tensors equals ``torch_op`` on torch tensors (float64): the output, and
    each input's grad after ``out.backward(g)`` for the same random g."""
    needs = needs_grad or (True,) * len(arrays)

    def run() -> None:
        ours = [EngineTensor(a.copy(), requires_grad=r) for a, r in zip(arrays, needs)]
        theirs = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, needs)]
        out = watched(op)(*ours)
        want = torch_op(*theirs)
        if not isinstance(out, Node):
            raise AssertionError(f"expected a dlfs Tensor, got {type(out).__name__}")
        assert_close(_np(out.data), want.detach(), "output")
        if not out.requires_grad:
            raise AssertionError("the output does not require grad: build it with make_node "
                                 "so that backward can reach the inputs")
        g = np.random.default_rng(seed).standard_normal(tuple(want.shape))
        watched(out.backward)(g)
        want.backward(torch.from_numpy(g))
        for i, (t, w) in enumerate(zip(ours, theirs)):
            if not w.requires_grad:
                continue
            if t.grad is None:
                raise AssertionError(f"grad of input {i} {tuple(arrays[i].shape)}: missing "
                                     "(None) after backward")
            assert_close(_np(t.grad), w.grad, f"grad of input {i} {tuple(arrays[i].shape)}")
    return Case(name, run)


def _arr(*shape: int, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    return randn(*shape, seed=seed, scale=scale).numpy()


_MATMUL = [((1, 1), (1, 1)), ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
           ((2, 2, 3), (3, 4)), ((4,), (2, 4, 3)), ((2, 1, 3, 5), (4, 5, 2))]


def matmul_cases(impl):
    for i, (sa, sb) in enumerate(_MATMUL):
        yield _engine_case(f"a {sa} @ b {sb}", impl, torch.matmul, _arr(*sa, seed=i),
                           _arr(*sb, seed=10 + i), seed=i)
    yield _engine_case("a (2, 3) @ b (3, 4), only a requires grad", impl, torch.matmul,
                       _arr(2, 3, seed=20), _arr(3, 4, seed=21), needs_grad=(True, False))


def _as_2d(a, b, g):
    """Both operands at least 2-D, and g shaped like their product."""
    A = a.data if a.ndim > 1 else a.data[None, :]  # (..., n, k)
    B = b.data if b.ndim > 1 else b.data[:, None]  # (..., k, m)
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    return A, B, g.reshape(batch + (A.shape[-2], B.shape[-1]))


def _matmul_unsummed(a, b):
    """Planted bug: the gradients of broadcast batch axes are not summed back."""
    def backward(g):
        A, B, G = _as_2d(a, b, g)
        ga, gb = G @ np.swapaxes(B, -1, -2), np.swapaxes(A, -1, -2) @ G
        return (ga.reshape(a.shape) if ga.size == a.data.size else ga,
                gb.reshape(b.shape) if gb.size == b.data.size else gb)
    return make_node(a.data @ b.data, (a, b), backward, "@")


def _matmul_transposed_b(a, b):
    """Planted bug: dL/db computed as g^T @ a, the transpose of the right answer, then
    reshaped into b's shape."""
    def backward(g):
        A, B, G = _as_2d(a, b, g)
        ga = unbroadcast(G @ np.swapaxes(B, -1, -2), A.shape).reshape(a.shape)
        gb = np.swapaxes(G, -1, -2) @ A
        gb = gb.sum(axis=tuple(range(gb.ndim - B.ndim))) if gb.ndim > B.ndim else gb
        return ga, gb.reshape(b.shape)
    return make_node(a.data @ b.data, (a, b), backward, "@")


_LOG_SOFTMAX = [((1, 1), -1, 1.0), ((3,), -1, 1.0), ((2, 5), -1, 1.0), ((4, 3), 0, 1.0),
                ((2, 3, 4), 1, 1.0), ((2, 3), -1, 1000.0), ((3, 7), -1, 3.0)]


def log_softmax_cases(impl):
    for i, (shape, axis, scale) in enumerate(_LOG_SOFTMAX):
        x = _arr(*shape, seed=i, scale=scale)
        yield _engine_case(f"x {shape}, axis={axis}" + (", logits near +-1000" if scale > 100
                                                        else ""),
                           lambda t, axis=axis: impl(t, axis=axis),
                           lambda t, axis=axis: torch.log_softmax(t, dim=axis), x, seed=i)


def _log_softmax_unshifted(x, axis=-1):
    """Planted bug: no max subtraction; exp overflows for large logits."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x.data)
        y = x.data - np.log(e.sum(axis=axis, keepdims=True))
    return make_node(y, (x,), lambda g: (g - np.exp(y) * g.sum(axis=axis, keepdims=True),),
                     "log_softmax")


def _log_softmax_no_sum(x, axis=-1):
    """Planted bug: backward g - softmax * g, the sum over the axis forgotten."""
    z = x.data - x.data.max(axis=axis, keepdims=True)
    y = z - np.log(np.exp(z).sum(axis=axis, keepdims=True))
    return make_node(y, (x,), lambda g: (g - np.exp(y) * g,), "log_softmax")


def _log_softmax_last_axis(x, axis=-1):
    """Planted bug: always normalizes over the last axis."""
    z = x.data - x.data.max(axis=-1, keepdims=True)
    y = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return make_node(y, (x,), lambda g: (g - np.exp(y) * g.sum(axis=-1, keepdims=True),),
                     "log_softmax")


def _torch_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_torch_index(i) for i in index)
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    if isinstance(index, list):
        return torch.tensor(index)
    return index


_MASK = np.array([[True, False, True, False], [False, False, False, True],
                  [True, True, False, False]])
_GETITEM = [((5,), 2, "2"), ((5,), slice(1, 4), "1:4"), ((4, 3), (1, slice(None)), "1, :"),
            ((5,), [4, 4, 1], "[4, 4, 1] (repeats)"),
            ((4, 3), np.array([0, 2, 2, 3]), "array [0, 2, 2, 3] (row 2 twice)"),
            ((4, 3), (np.array([0, 1, 1]), np.array([2, 0, 0])), "([0, 1, 1], [2, 0, 0])"),
            ((3, 4), _MASK, "boolean mask (3, 4)"),
            ((3, 4), np.array([True, False, True]), "boolean mask (3,) over rows"),
            ((2, 3, 4), (slice(None), np.array([2, 0, 2]), slice(1, 3)),
             ":, [2, 0, 2], 1:3")]


def getitem_cases(impl):
    for i, (shape, index, text) in enumerate(_GETITEM):
        yield _engine_case(f"a {shape}[{text}]", lambda t, index=index: impl(t, index),
                           lambda t, index=index: t[_torch_index(index)],
                           _arr(*shape, seed=i), seed=i)


def _getitem_assigns(a, index):
    """Planted bug: the backward assigns g, so a position selected twice keeps one share."""
    idx = index.data if isinstance(index, Node) else index

    def backward(g):
        grad = np.zeros(a.shape)
        grad[idx] = g
        return (grad,)
    return make_node(a.data[idx], (a,), backward, "index")


def _getitem_mask_as_ints(a, index):
    """Planted bug: a boolean mask is read as the integer positions 0 and 1."""
    idx = np.asarray(index).astype(np.int64) if isinstance(index, np.ndarray) and \
        index.dtype == bool else index

    def backward(g):
        grad = np.zeros(a.shape)
        np.add.at(grad, idx, g)
        return (grad,)
    return make_node(a.data[idx], (a,), backward, "index")


# ---- topological order (autograd 03) ----------------------------------------------------------


class _Node:
    """A bare graph node: a name and its parents."""

    __slots__ = ("name", "parents")

    def __init__(self, name: str, *parents: _Node) -> None:
        self.name, self.parents = name, parents

    def __repr__(self) -> str:
        return self.name


def _name(node: Any) -> str:
    if isinstance(node, _Node):
        return node.name
    if hasattr(node, "next_functions"):
        return type(node).__name__
    return repr(node)


def _reachable(root: Any, parents: Callable) -> dict[int, Any]:
    found, stack = {id(root): root}, [root]
    while stack:
        for p in parents(stack.pop()):
            if id(p) not in found:
                found[id(p)] = p
                stack.append(p)
    return found


def _check_order(order: Any, root: Any, parents: Callable) -> None:
    order = list(order)
    position: dict[int, int] = {}
    for i, node in enumerate(order):
        if id(node) in position:
            raise AssertionError(f"node {_name(node)} is listed twice (positions "
                                 f"{position[id(node)]} and {i}); list every node once")
        position[id(node)] = i
    want = _reachable(root, parents)
    missing = [n for k, n in want.items() if k not in position]
    extra = [n for n in order if id(n) not in want]
    if missing or extra:
        raise AssertionError(f"{len(order)} nodes listed, {len(want)} reachable from the root; "
                             f"missing {[_name(n) for n in missing[:3]]}, "
                             f"not in the graph {[_name(n) for n in extra[:3]]}")
    if order[-1] is not root:
        raise AssertionError(f"the root must come last; the last node is {_name(order[-1])}")
    for node in order:
        for p in parents(node):
            if position[id(p)] > position[id(node)]:
                raise AssertionError(
                    f"node {_name(node)} (position {position[id(node)]}) comes before its "
                    f"parent {_name(p)} (position {position[id(p)]})")


def _default_parents(node: Any) -> Any:
    return node.parents


def _grad_fn_parents(fn: Any) -> list:
    return [f for f, _ in fn.next_functions if f is not None]


def _mlp_grad_fn() -> Any:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, generator=gen)
    w1 = torch.randn(3, 5, generator=gen, requires_grad=True)
    w2 = torch.randn(5, 2, generator=gen, requires_grad=True)
    h = (x @ w1).tanh()
    return ((h @ w2 - 1) ** 2).mean().grad_fn


def _graphs() -> list[tuple[str, Any, Callable | None]]:
    a = _Node("a")
    b, c = _Node("b", a), _Node("c", a)
    x = _Node("x")
    chain = _Node("n0")
    for i in range(1, 5000):
        chain = _Node(f"n{i}", chain)
    leaves = [_Node(f"x{i}") for i in range(2000)]
    return [
        ("a single node", _Node("r"), None),
        ("a chain a <- b <- c", _Node("c", _Node("b", _Node("a"))), None),
        ("a diamond: d(b(a), c(a))", _Node("d", b, c), None),
        ("x * x: the same parent twice", _Node("y", x, x), None),
        ("two levels sharing nodes", _Node("e", _Node("d", b, c), b, a), None),
        ("grad_fn graph of a 2-layer MLP loss (parents from next_functions)",
         _mlp_grad_fn(), _grad_fn_parents),
        ("a chain 5000 nodes deep (no recursion)", chain, None),
        ("2000 leaves feeding one node", _Node("sum", *leaves), None),
    ]


def topological_order_cases(impl):
    topo = watched(impl)
    for name, root, parents in _graphs():
        def run(root=root, parents=parents) -> None:
            order = topo(root) if parents is None else topo(root, parents)
            _check_order(order, root, parents or _default_parents)
        yield Case(name, run)


def _topo_preorder(root, parents=_default_parents):
    """Planted bug: lists a node before its parents (pre-order)."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            order.append(node)
            stack.extend(parents(node))
    return order


def _topo_no_seen(root, parents=_default_parents):
    """Planted bug: no record of visited nodes, so a shared node is listed once per path."""
    order, stack = [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in parents(node))
    return order


def _topo_recursive(root, parents=_default_parents):
    """Planted bug: a recursive depth-first search (deep graphs overflow the stack)."""
    order, seen = [], set()

    def visit(node):
        if id(node) not in seen:
            seen.add(id(node))
            for p in parents(node):
                visit(p)
            order.append(node)
    visit(root)
    return order


# ---- gradcheck (autograd 06, autograd 00) ------------------------------------------------------


class _WrongCube(torch.autograd.Function):
    """x ** 3 with the backward 2 x^2 (the true derivative is 3 x^2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x ** 2


class _WrongSecond(torch.autograd.Function):
    """a * b whose gradient for b is 1.5 times too large."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, 1.5 * g * a


class _CancellingPair(torch.autograd.Function):
    """(x0 x1, x0 + x1) with a Jacobian whose column sums are right but whose entries are
    not: a check that only differentiates the sum of the outputs misses it."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.stack([x[0] * x[1], x[0] + x[1]])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        # true: [g0 x1 + g1, g0 x0 + g1]; this one moves g1's share of x0 onto g0
        return torch.stack([g[0] * (x[1] + 1), g[0] * x[0] + g[1]])


def _t(values, dtype=torch.float64, requires_grad=False) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype, requires_grad=requires_grad)


def _cube(x):
    return x ** 3


def _sin_times_x(x):
    return (x.sin() * x).sum()


def _tanh_matmul(a, b):
    return (a @ b).tanh()


def _pick_twice(x, idx):
    return x[idx] * 2


def _half_exp(x):
    return x.exp() * 0.5


def _gradcheck_good() -> list[tuple[str, Callable, tuple]]:
    return [
        ("x ** 3 at x = 1.5", _cube, (_t([1.5]),)),
        ("sum(sin(x) x), x (3,), requires_grad", _sin_times_x,
         (_t([0.3, -1.2, 2.0], requires_grad=True),)),
        ("tanh(a @ b), a (2, 3), b (3, 2): a 4 x 6 Jacobian", _tanh_matmul,
         (randn(2, 3, seed=1, scale=0.5), randn(3, 2, seed=2, scale=0.5))),
        ("x[idx] * 2 with an int64 idx passed through", _pick_twice,
         (_t([0.5, -1.0, 2.0]), torch.tensor([2, 0, 2]))),
        ("exp(x) / 2 with x float32 (differentiate in float64)", _half_exp,
         (_t([0.1, -0.4, 0.9], dtype=torch.float32),)),
    ]


def _gradcheck_bad() -> list[tuple[str, Callable, tuple]]:
    return [
        ("a backward of 2 x^2 for x ** 3", _WrongCube.apply, (_t([0.7, -1.2]),)),
        ("a * b with b's gradient 1.5 times too large", _WrongSecond.apply,
         (_t([0.5, -2.0]), _t([1.5, 0.3]))),
        ("(x0 x1, x0 + x1) with a wrong Jacobian whose column sums are right",
         _CancellingPair.apply, (_t([0.8, -0.6]),)),
    ]


def gradcheck_cases(impl):
    gradcheck = watched(impl)
    for name, fn, inputs in _gradcheck_good():
        def good(fn=fn, inputs=inputs, name=name) -> None:
            before = [(x.detach().clone(), x.dtype, x.requires_grad) for x in inputs]
            try:
                got = gradcheck(fn, *inputs)
            except BuiltinCallError:
                raise
            except AssertionError as exc:
                raise AssertionError(f"gradcheck raised on {name}, whose gradients are right: "
                                     f"{exc}") from None
            if not (isinstance(got, (bool, np.bool_)) and got):
                raise AssertionError(f"gradcheck returned {got!r} for {name}; expected True")
            for i, (x, (value, dtype, req)) in enumerate(zip(inputs, before)):
                if x.dtype != dtype or x.requires_grad != req or not torch.equal(x, value):
                    raise AssertionError(f"input {i} was changed (value, dtype or "
                                         "requires_grad); work on copies")
                if x.grad is not None:
                    raise AssertionError(f"input {i} has a .grad after gradcheck; "
                                         "differentiate copies, not the caller's tensors")
        yield Case(f"passes: {name}", good)
    for name, fn, inputs in _gradcheck_bad():
        def bad(fn=fn, inputs=inputs, name=name) -> None:
            try:
                got = gradcheck(fn, *inputs)
            except BuiltinCallError:
                raise
            except AssertionError:
                return
            raise AssertionError(f"gradcheck returned {got!r} for {name}; it must raise "
                                 "AssertionError")
        yield Case(f"raises: {name}", bad)


def _make_gradcheck(*, central: bool = True, eps_override: float | None = None,
                    sign: float = 1.0, sum_only: bool = False, never_raise: bool = False):
    """A gradcheck with one planted bug chosen by the keyword arguments."""
    def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
        eps = eps_override or eps
        xs = [x.detach().double().clone() if isinstance(x, torch.Tensor)
              and x.is_floating_point() else x for x in inputs]
        diff = [i for i, x in enumerate(inputs) if isinstance(x, torch.Tensor)
                and x.is_floating_point()]

        def f(*args):
            out = fn(*args)
            return out.sum() if sum_only else out
        leaves = [x.requires_grad_() if i in diff else x for i, x in enumerate(xs)]
        out = f(*leaves)
        for k in range(out.numel()):
            v = torch.zeros_like(out).reshape(-1)
            v[k] = 1
            grads = torch.autograd.grad(out, [leaves[i] for i in diff], v.reshape(out.shape),
                                        retain_graph=True, allow_unused=True)
            for i, ga in zip(diff, grads):
                x = xs[i].detach()
                for j in range(x.numel()):
                    def at(delta, i=i, j=j, k=k, x=x):
                        shifted = [y.detach() if isinstance(y, torch.Tensor)
                                   and y.is_floating_point() else y for y in xs]
                        s = x.clone().reshape(-1)
                        s[j] += delta
                        shifted[i] = s.reshape(x.shape)
                        return f(*shifted).reshape(-1)[k].item()
                    numeric = sign * ((at(eps) - at(-eps)) / (2 * eps) if central
                                      else (at(eps) - at(0.0)) / eps)
                    analytic = 0.0 if ga is None else ga.reshape(-1)[j].item()
                    if abs(analytic - numeric) > atol + rtol * abs(numeric) and not never_raise:
                        raise AssertionError(f"d out[{k}] / d input {i}[{j}]: {analytic} vs "
                                             f"{numeric}")
        return True
    return gradcheck


# ---- a softmax autograd Function (autograd 07) ---------------------------------------------

_NEG = float("-inf")


def _masked_rows() -> torch.Tensor:
    x = randn(3, 4, seed=5)
    x[1, 1:3] = _NEG
    x[2] = _NEG
    return x


def _safe_softmax_reference(x: torch.Tensor) -> torch.Tensor:
    dead = (x == _NEG).all(-1, keepdim=True)
    return torch.softmax(x.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)


def _is_function(cls: Any, name: str) -> None:
    if not (isinstance(cls, type) and issubclass(cls, torch.autograd.Function)):
        raise AssertionError(f"{name} must be a subclass of torch.autograd.Function "
                             f"(called as {name}.apply(...))")


def softmax_function_cases(SafeSoftmax):
    yield Case("SafeSoftmax is a torch.autograd.Function",
               lambda: _is_function(SafeSoftmax, "SafeSoftmax"))
    inputs = [("x (1, 1)", randn(1, 1)), ("x (3,)", randn(3, seed=1)),
              ("x (2, 5)", randn(2, 5, seed=2)), ("x (2, 3, 4)", randn(2, 3, 4, seed=3)),
              ("x (2, 3), logits near +-1000", randn(2, 3, seed=4, scale=1000.0)),
              ("x (3, 4), row 1 partly -inf, row 2 all -inf (gives zeros)", _masked_rows())]
    for name, x in inputs:
        yield fn_case(name, lambda x: SafeSoftmax.apply(x), _safe_softmax_reference, x)


class _SoftmaxNoSum(torch.autograd.Function):
    """Planted bug: backward y * g, the - sum(g y) term forgotten."""

    @staticmethod
    def forward(ctx, x):
        m = x.amax(-1, keepdim=True).masked_fill(x.amax(-1, keepdim=True) == _NEG, 0.0)
        e = (x - m).exp()
        y = e / e.sum(-1, keepdim=True).clamp_min(1e-300)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * g


class _SoftmaxUnshifted(torch.autograd.Function):
    """Planted bug: exp(x) / sum exp(x) without subtracting the row max (overflows)."""

    @staticmethod
    def forward(ctx, x):
        e = x.exp()
        y = e / e.sum(-1, keepdim=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(-1, keepdim=True))


class _SoftmaxUnsafe(torch.autograd.Function):
    """Planted bug: shifted by the row max, but a row that is all -inf becomes NaN."""

    @staticmethod
    def forward(ctx, x):
        e = (x - x.amax(-1, keepdim=True)).exp()
        y = e / e.sum(-1, keepdim=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(-1, keepdim=True))


# ---- model_summary with forward hooks (autograd 04) ----------------------------------------------


class _Probe(nn.Module):
    """Identity that remembers the grad mode and train/eval mode it ran in."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.seen.append((torch.is_grad_enabled(), self.training))
        return x


class _Halves(nn.Module):
    """A leaf whose output is a tuple of two tensors."""

    def forward(self, x):
        return x.chunk(2, dim=-1)


class _SplitModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj, self.split = nn.Linear(4, 6), _Halves()

    def forward(self, x):
        a, b = self.split(self.proj(x))
        return a * b


class _Twice(nn.Module):
    """The same Linear and Tanh called twice: one row per call."""

    def __init__(self) -> None:
        super().__init__()
        self.lin, self.act = nn.Linear(3, 3), nn.Tanh()

    def forward(self, x):
        return self.act(self.lin(self.act(self.lin(x))))


def _nested() -> nn.Module:
    model = nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU()), nn.Flatten(),
                          nn.Linear(8, 3))
    model[0][0].weight.requires_grad_(False)   # frozen: counted, but not trainable
    return model


def _with_probe() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), _Probe(),
                         nn.Linear(4, 2))


# (name, model maker, example input maker, depth, expected rows, expected totals:
#  total_params, trainable_params, buffer_count, total_bytes)
_SUMMARIES = [
    ("Sequential(Linear(4, 3)), x (2, 4)", lambda: nn.Sequential(nn.Linear(4, 3)),
     lambda: torch.randn(2, 4), None, [("0", "Linear", (2, 3), 15, 15)], (15, 15, 0, 60)),
    ("Linear, ReLU, Linear; input given as the shape (3, 4)",
     lambda: nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)), lambda: (3, 4), None,
     [("0", "Linear", (3, 8), 40, 40), ("1", "ReLU", (3, 8), 0, 0),
      ("2", "Linear", (3, 2), 18, 18)], (58, 58, 0, 232)),
    ("nested Sequential with a frozen conv weight, x (1, 1, 4, 4)", _nested,
     lambda: torch.randn(1, 1, 4, 4), None,
     [("0.0", "Conv2d", (1, 2, 2, 2), 20, 2), ("0.1", "ReLU", (1, 2, 2, 2), 0, 0),
      ("1", "Flatten", (1, 8), 0, 0), ("2", "Linear", (1, 3), 27, 27)], (47, 29, 0, 188)),
    ("BatchNorm and Dropout in train mode (eval and no_grad inside, stats untouched)",
     _with_probe, lambda: torch.randn(5, 3), None,
     [("0", "Linear", (5, 4), 16, 16), ("1", "BatchNorm1d", (5, 4), 8, 8),
      ("2", "Dropout", (5, 4), 0, 0), ("3", "_Probe", (5, 4), 0, 0),
      ("4", "Linear", (5, 2), 10, 10)], (34, 34, 9, 176)),
    ("one Linear and one Tanh each called twice", _Twice, lambda: torch.randn(2, 3), None,
     [("lin", "Linear", (2, 3), 12, 12), ("act", "Tanh", (2, 3), 0, 0),
      ("lin", "Linear", (2, 3), 12, 12), ("act", "Tanh", (2, 3), 0, 0)], (12, 12, 0, 48)),
    ("a leaf returning a tuple; input given as a tuple (x,)", _SplitModel,
     lambda: (torch.randn(2, 4),), None,
     [("proj", "Linear", (2, 6), 30, 30), ("split", "_Halves", [(2, 3), (2, 3)], 0, 0)],
     (30, 30, 0, 120)),
    ("depth=1 on the nested model", _nested, lambda: torch.randn(1, 1, 4, 4), 1,
     [("0", "Sequential", (1, 2, 2, 2), 20, 2), ("1", "Flatten", (1, 8), 0, 0),
      ("2", "Linear", (1, 3), 27, 27)], (47, 29, 0, 188)),
]


def _hooks_left(model: nn.Module) -> list[str]:
    left = [f"{name or 'the model'}: {kind}" for name, m in model.named_modules()
            for kind, hooks in (("forward hook", m._forward_hooks),
                                ("forward pre-hook", m._forward_pre_hooks)) if hooks]
    from torch.nn.modules import module as torch_module
    if torch_module._global_forward_hooks:
        left.append("a global forward hook")
    return left


def model_summary_cases(impl):
    summarize = watched(impl, builtins=False)   # running torch layers is the point here
    for name, make, example, depth, rows, totals in _SUMMARIES:
        def run(make=make, example=example, depth=depth, rows=rows, totals=totals) -> None:
            torch.manual_seed(0)
            model = make()
            modes = [m.training for m in model.modules()]
            state = {k: v.clone() for k, v in model.state_dict().items()}
            got = summarize(model, example(), depth=depth)
            found = [(r.name, r.kind, r.output_shape, r.params, r.trainable) for r in got.rows]
            for i, (want, have) in enumerate(zip(rows, found)):
                if tuple(have) != want:
                    raise AssertionError(f"row {i}: (name, kind, output_shape, params, "
                                         f"trainable) = {have}, expected {want}")
            if len(found) != len(rows):
                raise AssertionError(f"{len(found)} rows, expected {len(rows)}: "
                                     f"{[r[0] for r in found]} vs {[r[0] for r in rows]}")
            have = (got.total_params, got.trainable_params, got.buffer_count, got.total_bytes)
            if have != totals:
                raise AssertionError(f"(total_params, trainable_params, buffer_count, "
                                     f"total_bytes) = {have}, expected {totals}")
            if left := _hooks_left(model):
                raise AssertionError(f"hooks left behind after the summary: {left}; keep the "
                                     "handles and .remove() them (in a finally block)")
            if [m.training for m in model.modules()] != modes:
                raise AssertionError("the train/eval mode of the model was not restored")
            for key, value in model.state_dict().items():
                if not torch.equal(value, state[key]):
                    raise AssertionError(f"{key!r} changed during the summary: run the model "
                                         "in eval mode")
            if any(p.grad is not None for p in model.parameters()):
                raise AssertionError("parameters have gradients after the summary")
            for m in model.modules():
                if isinstance(m, _Probe) and m.seen != [(False, False)]:
                    raise AssertionError(f"the model ran with (grad enabled, training) = "
                                         f"{m.seen}; expected [(False, False)]: use eval "
                                         "mode and torch.no_grad()")
        yield Case(name, run)


def _make_summary(*, remove: bool = True, restore: bool = True, containers: bool = False,
                  quiet: bool = True):
    """A model_summary with one planted bug chosen by the keyword arguments."""
    def model_summary(model, example_input, *, depth=None, show=False):
        if isinstance(example_input, tuple) and all(isinstance(d, int) for d in example_input):
            args = (torch.zeros(example_input),)
        else:
            args = example_input if isinstance(example_input, tuple) else (example_input,)
        rows, handles = [], []
        for name, module in model.named_modules():
            level = name.count(".") + 1
            leaf = not any(module.children())
            pick = (level == depth or (level < depth and leaf)) if depth else leaf
            if name and (pick or containers):
                def hook(mod, _inp, out, name=name):
                    shape = (tuple(out.shape) if isinstance(out, torch.Tensor)
                             else [tuple(o.shape) for o in out])
                    n = sum(p.numel() for p in mod.parameters())
                    rows.append(SummaryRow(name, type(mod).__name__, shape, n, sum(
                        p.numel() for p in mod.parameters() if p.requires_grad)))
                handles.append(module.register_forward_hook(hook))
        was = model.training
        if quiet:
            model.eval()
        with torch.no_grad() if quiet else torch.enable_grad():
            model(*args)
        if restore:
            model.train(was)
        if remove:
            for h in handles:
                h.remove()
        params, buffers = list(model.parameters()), list(model.buffers())
        return ModelSummary(rows, sum(p.numel() for p in params),
                            sum(p.numel() for p in params if p.requires_grad),
                            sum(b.numel() for b in buffers),
                            sum(t.numel() * t.element_size() for t in [*params, *buffers]))
    return model_summary


# ---- SGD on the NumPy engine (autograd 01, PyTorch day 8) ----------------------------------

_X = np.linspace(-1.0, 1.0, 8)
_Y = 2.0 * _X + 1.0


class _TorchSGD:
    """The update of torch.optim.SGD (no dampening, no Nesterov) written out with torch
    autograd: what the checker compares with (torch.optim itself takes seconds to warm up)."""

    def __init__(self, params: list[torch.Tensor], lr: float, momentum: float) -> None:
        self.params, self.lr, self.momentum = params, lr, momentum
        self.velocity: list[torch.Tensor | None] = [None] * len(params)

    @torch.no_grad()
    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            v = self.velocity[i]
            v = p.grad.clone() if v is None else self.momentum * v + p.grad
            self.velocity[i] = v
            p -= self.lr * v

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


def _sgd_case(SGD, name: str, steps: int, lr: float, momentum: float = 0.0, *,
              b_every_other: bool = False, one_shot: bool = False, fits: bool = False
              ) -> Case:
    def run() -> None:
        w, b = (EngineTensor(np.zeros(1), requires_grad=True) for _ in range(2))
        tw, tb = (torch.zeros(1, dtype=torch.float64, requires_grad=True) for _ in range(2))
        params = iter([w, b]) if one_shot else [w, b]   # an iterator is read once
        opt = watched(SGD)(params, lr=lr, momentum=momentum)
        ref = _TorchSGD([tw, tb], lr=lr, momentum=momentum)
        x, y, tx, ty = EngineTensor(_X), EngineTensor(_Y), torch.tensor(_X), torch.tensor(_Y)
        for k in range(steps):
            skip_b = b_every_other and k % 2 == 1
            pred = x * w if skip_b else x * w + b
            ((pred - y) ** 2).mean().backward()
            tpred = tx * tw if skip_b else tx * tw + tb
            ((tpred - ty) ** 2).mean().backward()
            watched(opt.step)()
            ref.step()
            for label, p, t in (("w", w, tw), ("b", b, tb)):
                if not np.allclose(p.data, t.detach().numpy(), rtol=1e-9, atol=1e-12):
                    raise AssertionError(f"after step {k + 1}: {label} = {p.data.item():.10g}, "
                                         f"torch.optim.SGD's rule gives {t.item():.10g}")
            watched(opt.zero_grad)()
            ref.zero_grad()
            for label, p in (("w", w), ("b", b)):
                if p.grad is not None:
                    raise AssertionError(f"after zero_grad (step {k + 1}), {label}.grad is "
                                         f"{p.grad!r}; it must be None")
        if fits and (abs(w.data.item() - 2) > 1e-3 or abs(b.data.item() - 1) > 1e-3):
            raise AssertionError(f"after {steps} steps w = {w.data.item():.4f}, "
                                 f"b = {b.data.item():.4f}; expected about 2 and 1")
    return Case(name, run)


def sgd_cases(SGD):
    yield _sgd_case(SGD, "one step, lr=0.1, then zero_grad", 1, 0.1)
    yield _sgd_case(SGD, "3 steps, lr=0.1: no gradient left over between steps", 3, 0.1)
    yield _sgd_case(SGD, "100 steps, lr=0.2, fit y = 2x + 1 (w -> 2, b -> 1)", 100, 0.2,
                    fits=True)
    yield _sgd_case(SGD, "momentum=0.9, 60 steps, lr=0.05", 60, 0.05, 0.9)
    yield _sgd_case(SGD, "momentum=0.9, b has no gradient every other step (skipped)", 20,
                    0.05, 0.9, b_every_other=True)
    yield _sgd_case(SGD, "parameters given as a one-shot iterator", 5, 0.1, 0.5,
                    one_shot=True)


class _SGDBase:
    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr, self.momentum = list(params), lr, momentum
        self.velocity = [None] * len(self.params)

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def _direction(self, i, g):
        v = self.velocity[i]
        self.velocity[i] = g.copy() if v is None or not self.momentum else \
            self.momentum * v + g
        return self.velocity[i]

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is not None:
                p.data = p.data - self.lr * self._direction(i, p.grad)


class _SGDAscends(_SGDBase):
    """Planted bug: moves up the gradient (p + lr v)."""

    def step(self):
        for i, p in enumerate(self.params):
            if p.grad is not None:
                p.data = p.data + self.lr * self._direction(i, p.grad)


class _SGDDampened(_SGDBase):
    """Planted bug: v = momentum v + (1 - momentum) g, an average instead of torch's sum."""

    def _direction(self, i, g):
        v = self.velocity[i]
        m = self.momentum
        self.velocity[i] = g.copy() if v is None else m * v + (1 - m) * g
        return self.velocity[i]


class _SGDKeepsGrads(_SGDBase):
    """Planted bug: zero_grad does nothing, so gradients pile up across steps."""

    def zero_grad(self):
        pass


# ---- the exercises ----------------------------------------------------------------------------

EXERCISES = [
    Exercise(
        id="scalar_value", entry="Value", lesson="engines-scalar",
        at=("book:1", "autograd:02"),
        title=("A scalar autograd engine: Value", "标量自动微分引擎：Value"),
        task=("Write the class Value: one number in a computation graph. Value(data) is a "
              "leaf with .data (a float) and .grad = 0.0. The operations +, *, ** (a number "
              "exponent), unary -, -, / (with Values or plain numbers on either side of + and "
              "*), exp() and tanh() return new Values that remember their inputs and the local "
              "derivative towards each. out.backward() adds d(out)/d(node) to node.grad for "
              "every node out depends on: visit the nodes in reverse topological order and "
              "apply the chain rule, dL/dparent += dL/dnode * dnode/dparent. A node used twice "
              "collects both shares, calling backward twice adds twice (like torch), and a "
              "graph thousands of nodes deep must work, so do not recurse.",
              "实现类 Value：计算图里的一个数。Value(data) 是叶子节点，.data 为浮点数，"
              ".grad 初始为 0.0。运算 +、*、**（指数为普通数）、取负、-、/（+ 和 * 的两边都可以"
              "是 Value 或普通数）、exp() 和 tanh() 返回新的 Value，并记住输入以及对每个输入的"
              "局部导数。out.backward() 对 out 依赖的每个节点把 d(out)/d(node) 加到 node.grad "
              "上：按拓扑序的逆序访问节点，套用链式法则 dL/dparent += dL/dnode * "
              "dnode/dparent。被用了两次的节点要把两份梯度都收下；调用两次 backward 就累加两次"
              "（与 torch 相同）；几千层深的图也必须能算，所以不要用递归。"),
        stub='''
            class Value:
                def __init__(self, data: float, parents: tuple = (), local_grads: tuple = ()):
                    """data: the number; grad starts at 0.0; parents and d(self)/d(parent)."""

                def __add__(self, other) -> "Value":
                    """self + other (other: a Value or a number)"""

                def __radd__(self, other) -> "Value":
                    """number + self"""

                def __mul__(self, other) -> "Value":
                    """self * other"""

                def __rmul__(self, other) -> "Value":
                    """number * self"""

                def __pow__(self, n: float) -> "Value":
                    """self ** n for a plain number n: d/dx = n x^(n-1)"""

                def __neg__(self) -> "Value":
                    """-self"""

                def __sub__(self, other) -> "Value":
                    """self - other"""

                def __truediv__(self, other) -> "Value":
                    """self / other"""

                def exp(self) -> "Value":
                    """e^self"""

                def tanh(self) -> "Value":
                    """tanh(self): d/dx = 1 - tanh(x)^2"""

                def backward(self) -> None:
                    """Add d(self)/d(node) to node.grad for every node self depends on."""
        ''',
        reference="dlfs.autograd.scalar:Value",
        cases=value_cases,
        mutants={"tanh slope 1 - t": _ValueTanhSlope,
                 "a node used twice keeps one share": _ValueOverwrites,
                 "backward sets grad instead of adding": _ValueForgets,
                 "recursive topological sort": _ValueRecursive},
        hints=(("Each op returns Value(result, parents=(self, other), local_grads=(d/dself, "
                "d/dother)); for a * b the local gradients are (b.data, a.data). Wrap a plain "
                "number as Value(number) first.",
                "每个运算返回 Value(结果, parents=(self, other), local_grads=(对self的导数, "
                "对other的导数))；a * b 的局部导数是 (b.data, a.data)。普通数先包成 "
                "Value(number)。"),
               ("Build the order with an explicit stack: push (node, False); when popped "
                "unexpanded, mark it seen and push (node, True) and then its parents; when "
                "popped expanded, append it. Parents end up before children.",
                "用显式的栈求拓扑序：压入 (node, False)；弹出未展开的节点时标记已访问，压入 "
                "(node, True) 再压入它的父节点；弹出已展开的节点时把它加入列表。这样父节点总在"
                "子节点之前。"),
               ("Keep this call's gradients in a dict {node: g} starting {self: 1.0}; walk the "
                "order reversed: node.grad += g, then add g * local to each parent's entry.",
                "用字典 {node: g} 保存本次调用的梯度，初始为 {self: 1.0}；逆序遍历："
                "node.grad += g，再把 g * local 加到每个父节点的条目上。")),
    ),
    Exercise(
        id="unbroadcast", entry="unbroadcast", lesson="engines-tensor", at=("book:1",),
        title=("Sum a gradient back to an operand's shape", "把梯度求和回操作数的形状"),
        task=("When x of shape `shape` is broadcast to a bigger shape in the forward pass, "
              "every copy of an element adds to the loss, so dL/dx is dL/d(broadcast x) summed "
              "over the copies. Write unbroadcast(grad, shape): grad is a NumPy array of the "
              "broadcast shape; return an array of exactly `shape`: sum over the leading axes "
              "broadcasting added, then over the axes where `shape` has size 1 (keeping them, "
              "size 1). Do not modify grad. Example: grad (2, 3, 4) to (3, 1) sums axes 0 and "
              "2.",
              "前向计算时，形状为 shape 的 x 被广播成更大的形状，每个元素的每一份拷贝都对损失"
              "有贡献，所以 dL/dx 等于 dL/d(广播后的 x) 在这些拷贝上求和。实现 "
              "unbroadcast(grad, shape)：grad 是广播后形状的 NumPy 数组；返回形状恰好为 "
              "shape 的数组：先在广播新增的前导轴上求和，再在 shape 中大小为 1 的轴上求和"
              "（保留这些轴，大小为 1）。不要修改 grad。例：grad (2, 3, 4) 还原到 (3, 1) 时，"
              "对第 0 轴和第 2 轴求和。"),
        stub='''
            def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
                """grad: the broadcast shape -> an array of exactly `shape`"""
        ''',
        imports=("import numpy as np",),
        reference="dlfs.autograd.tensor_graph:unbroadcast",
        cases=unbroadcast_cases,
        mutants={"size-1 axes not summed": _unbroadcast_leading_only,
                 "size-1 axes summed away": _unbroadcast_no_keepdims},
        hints=(("extra = grad.ndim - len(shape) leading axes were added: "
                "grad.sum(axis=tuple(range(extra))).",
                "广播在前面新增了 extra = grad.ndim - len(shape) 个轴："
                "grad.sum(axis=tuple(range(extra)))。"),
               ("Then sum with keepdims=True over every i where shape[i] == 1 but "
                "grad.shape[i] != 1.",
                "然后对所有 shape[i] == 1 而 grad.shape[i] != 1 的轴 i 用 keepdims=True 求和。")),
    ),
    Exercise(
        id="engine_matmul", entry="matmul", lesson="engines-tensor",
        at=("book:1", "autograd:05"),
        title=("matmul with its backward (a VJP) on the NumPy engine",
               "NumPy 引擎上的 matmul 及其反向（向量-雅可比积）"),
        task=("Write matmul(a, b) for the NumPy Tensor engine: a (..., n, k) @ b (..., k, m) "
              "-> (..., n, m) with the batch axes broadcast; a 1-D a is a row (k,) and a 1-D b "
              "a column (k,), and that axis is dropped from the output, as in NumPy. Return "
              "make_node(out, (a, b), backward, '@') where backward(g) receives dL/dout and "
              "returns (dL/da, dL/db) = (g @ b^T, a^T @ g), each summed back to its operand's "
              "shape over broadcast batch axes (unbroadcast) and reshaped for 1-D operands. "
              "Work on the arrays a.data and b.data; the engine's own operators are refused.",
              "为 NumPy Tensor 引擎实现 matmul(a, b)：a (..., n, k) @ b (..., k, m) -> "
              "(..., n, m)，批量轴按广播规则对齐；一维的 a 当作行 (k,)，一维的 b 当作列 (k,)，"
              "输出中去掉这一维，与 NumPy 相同。返回 make_node(out, (a, b), backward, '@')，"
              "其中 backward(g) 接收 dL/dout，返回 (dL/da, dL/db) = (g @ b^T, a^T @ g)，"
              "并各自在被广播的批量轴上求和回操作数的形状（unbroadcast），一维操作数还要 "
              "reshape 回去。请直接操作数组 a.data 和 b.data；引擎自带的运算符会被拒绝。"),
        stub='''
            def matmul(a: Tensor, b: Tensor) -> Tensor:
                """(..., n, k) @ (..., k, m) -> (..., n, m); backward gives (g b^T, a^T g)"""
        ''',
        imports=ENGINE_IMPORTS, allowed=ENGINE,
        reference="dlfs.autograd.tensor_ops:matmul",
        cases=matmul_cases,
        mutants={"broadcast batch axes not summed": _matmul_unsummed,
                 "dL/db transposed": _matmul_transposed_b},
        hints=(("Make both operands at least 2-D first: A = a.data[None, :] for a 1-D a, "
                "B = b.data[:, None] for a 1-D b; reshape g to the 2-D-operand result "
                "(batch + (n, m)).",
                "先把两个操作数都变成至少二维：一维的 a 用 A = a.data[None, :]，一维的 b 用 "
                "B = b.data[:, None]；再把 g reshape 成二维情形下的结果形状 (batch + (n, m))。"),
               ("dA = G @ swapaxes(B, -1, -2) and dB = swapaxes(A, -1, -2) @ G; then "
                "unbroadcast(dA, A.shape).reshape(a.shape), and the same for b.",
                "dA = G @ swapaxes(B, -1, -2)，dB = swapaxes(A, -1, -2) @ G；然后 "
                "unbroadcast(dA, A.shape).reshape(a.shape)，b 也一样。")),
    ),
    Exercise(
        id="engine_log_softmax", entry="log_softmax", lesson="engines-tensor", at=("book:1",),
        title=("log_softmax as one node with a hand-derived backward",
               "log_softmax：一个节点，手推反向"),
        task=("Write log_softmax(x, axis=-1) for the NumPy Tensor engine: y = x - m - "
              "log(sum_j exp(x_j - m)) along `axis`, with m the maximum along that axis so "
              "that logits near 1000 do not overflow. Return one node, make_node(y, (x,), "
              "backward, 'log_softmax'), whose backward(g) returns (g - exp(y) * "
              "sum(g along axis),): the softmax is exp(y). Work on x.data; the engine's own "
              "operators are refused.",
              "为 NumPy Tensor 引擎实现 log_softmax(x, axis=-1)：沿 axis 计算 y = x - m - "
              "log(sum_j exp(x_j - m))，其中 m 是该轴上的最大值，这样 1000 左右的 logits 也不会"
              "溢出。返回一个节点 make_node(y, (x,), backward, 'log_softmax')，它的 "
              "backward(g) 返回 (g - exp(y) * (g 沿 axis 的和),)：softmax 就是 exp(y)。"
              "请直接操作 x.data；引擎自带的运算符会被拒绝。"),
        stub='''
            def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
                """same shape as x; normalized along `axis`"""
        ''',
        imports=ENGINE_IMPORTS, allowed=ENGINE,
        reference="dlfs.autograd.tensor_functions:log_softmax",
        cases=log_softmax_cases,
        mutants={"no max subtraction": _log_softmax_unshifted,
                 "backward forgets the sum": _log_softmax_no_sum,
                 "always the last axis": _log_softmax_last_axis},
        hints=(("keepdims=True on every reduction keeps the shapes broadcastable: "
                "m = x.data.max(axis=axis, keepdims=True).",
                "每次归约都加 keepdims=True，形状才能继续广播："
                "m = x.data.max(axis=axis, keepdims=True)。"),
               ("The Jacobian of log_softmax is I - 1 s^T per row, so the VJP is g minus s "
                "times the row sum of g: g - np.exp(y) * g.sum(axis=axis, keepdims=True).",
                "log_softmax 每一行的雅可比矩阵是 I - 1 s^T，所以向量-雅可比积是 g 减去 s 乘以 "
                "g 的行和：g - np.exp(y) * g.sum(axis=axis, keepdims=True)。")),
    ),
    Exercise(
        id="engine_getitem", entry="getitem", lesson="tensor-interop",
        at=("autograd:08", "pytorch:4"),
        title=("Indexing on the NumPy engine: gradients scatter and add",
               "NumPy 引擎上的索引：梯度散回并累加"),
        task=("Write getitem(a, index) for the NumPy Tensor engine: the forward is "
              "a.data[index], where index is an int, a slice, a tuple of these, an integer "
              "array or list (positions may repeat) or a boolean mask. The backward returns "
              "an array of a's shape that is zero except at the selected positions, which "
              "receive g; a position selected twice must receive both contributions, so a "
              "plain assignment grad[index] = g is wrong there (np.add.at adds). Return "
              "make_node(out, (a,), backward, 'index').",
              "为 NumPy Tensor 引擎实现 getitem(a, index)：前向是 a.data[index]，index 可以是"
              "整数、切片、它们组成的 tuple、整数数组或列表（位置可以重复），也可以是布尔掩码。"
              "反向返回与 a 同形状的数组：除被选中的位置外都是 0，被选中的位置得到 g；同一位置"
              "被选中两次就要收到两份贡献，所以直接赋值 grad[index] = g 在这里是错的"
              "（np.add.at 会累加）。返回 make_node(out, (a,), backward, 'index')。"),
        stub='''
            def getitem(a: Tensor, index) -> Tensor:
                """a.data[index]; backward scatters g back into zeros of a's shape"""
        ''',
        imports=ENGINE_IMPORTS, allowed=ENGINE,
        reference="dlfs.autograd.tensor_ops:getitem",
        cases=getitem_cases,
        mutants={"assigns instead of adding": _getitem_assigns,
                 "boolean mask read as 0/1 positions": _getitem_mask_as_ints},
        hints=(("grad = np.zeros(a.shape); np.add.at(grad, index, g) adds g at every selected "
                "position, once per selection.",
                "grad = np.zeros(a.shape)；np.add.at(grad, index, g) 会在每个被选中的位置加上 "
                "g，选中几次就加几次。"),
               ("Normalize the index first: a list becomes np.asarray(list), and a tuple keeps "
                "its parts; NumPy and torch agree on these index forms.",
                "先把 index 规整：列表转成 np.asarray(list)，tuple 保留各部分；在这些索引形式上 "
                "NumPy 与 torch 的含义一致。")),
    ),
    Exercise(
        id="topological_order", entry="topological_order", lesson="graph-leaves-detach",
        at=("autograd:03", "book:1"),
        title=("Topological order of a computation graph", "计算图的拓扑序"),
        task=("Backward must visit a node only after every node computed from it. Write "
              "topological_order(root, parents=lambda n: n.parents): return a list of every "
              "node root depends on (root included), each exactly once and after all of its "
              "parents, with root last. parents(node) lists the nodes it was computed from; for "
              "torch's graph it is [f for f, _ in node.next_functions if f is not None], "
              "starting at loss.grad_fn. Nodes may be shared and the same parent may appear "
              "twice; the graph may be thousands of nodes deep, so do not recurse.",
              "反向传播必须在所有由某节点算出的节点都处理完之后才访问这个节点。实现 "
              "topological_order(root, parents=lambda n: n.parents)：返回 root 依赖的所有节点"
              "（含 root）组成的列表，每个节点恰好出现一次，并排在它的所有父节点之后，root 在"
              "最后。parents(node) 列出该节点由哪些节点算出；对 torch 的计算图，它是 "
              "[f for f, _ in node.next_functions if f is not None]，从 loss.grad_fn 开始。"
              "节点可能被共享，同一父节点也可能出现两次；图可能有几千层深，所以不要用递归。"),
        stub='''
            def topological_order(root, parents=lambda node: node.parents) -> list:
                """Every node root depends on, once each, parents before children, root last."""
        ''',
        reference="dlfs.autograd.topo:topological_order",
        cases=topological_order_cases,
        mutants={"node before its parents": _topo_preorder,
                 "shared nodes listed twice": _topo_no_seen,
                 "recursive search": _topo_recursive},
        hints=(("Depth-first search with an explicit stack of (node, expanded) pairs and a set "
                "of visited ids; a node is appended when it is popped the second time, after "
                "its parents.",
                "用显式栈做深度优先搜索，栈里放 (node, 是否已展开)，再用一个集合记录访问过的 "
                "id；节点第二次弹出（其父节点都已处理）时才加入结果。"),
               ("Use id(node) in the visited set: it works for any node, hashable or not.",
                "访问集合里存 id(node)：任何节点都适用，不管它能不能哈希。")),
    ),
    Exercise(
        id="gradcheck", entry="gradcheck", lesson="grad-management",
        at=("autograd:06", "autograd:00"),
        title=("gradcheck: autograd against finite differences",
               "gradcheck：自动微分与有限差分对照"),
        task=("Write gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3). The floating "
              "inputs (torch tensors) are differentiated as float64 copies (the caller's "
              "tensors are not changed and get no .grad); other inputs (an int64 index) are "
              "passed through. Build the Jacobian of every output element with respect to "
              "every input element twice: with autograd (one backward per output element, "
              "seeded with a one-hot gradient) and with central differences (f(x + eps e_j) - "
              "f(x - eps e_j)) / (2 eps). Return True when every entry satisfies |analytical "
              "- numerical| <= atol + rtol |numerical|; otherwise raise AssertionError naming "
              "the worst entry. torch.autograd.gradcheck and torch.autograd.functional are "
              "refused.",
              "实现 gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3)。浮点输入"
              "（torch 张量）以 float64 副本参与求导（调用者的张量不能被修改，也不能留下 "
              ".grad）；其他输入（如 int64 下标）原样传入。对每个输出元素关于每个输入元素的"
              "雅可比矩阵算两遍：一遍用自动微分（每个输出元素做一次反向，种子梯度为 one-hot），"
              "一遍用中心差分 (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)。所有元素都满足 "
              "|解析值 - 数值| <= atol + rtol |数值| 时返回 True；否则抛出 AssertionError，"
              "指出相差最大的那一项。torch.autograd.gradcheck 和 torch.autograd.functional "
              "会被拒绝。"),
        stub='''
            def gradcheck(fn, *inputs, eps: float = 1e-6, atol: float = 1e-5,
                          rtol: float = 1e-3) -> bool:
                """fn(*inputs) -> a tensor of any shape. True if autograd agrees with
                central differences; else raise AssertionError."""
        ''',
        reference="dlfs.autograd.gradcheck:gradcheck",
        extra_refused=("torch.autograd.gradcheck", "torch.autograd.functional"),
        cases=gradcheck_cases,
        mutants={"one-sided difference, eps 1e-2": _make_gradcheck(central=False,
                                                                   eps_override=1e-2),
                 "wrong sign of the difference": _make_gradcheck(sign=-1.0),
                 "only the gradient of the sum": _make_gradcheck(sum_only=True),
                 "never raises": _make_gradcheck(never_raise=True)},
        hints=(("Analytical row k: torch.autograd.grad(out, leaves, v) with v zero except 1 at "
                "output element k (retain_graph=True to reuse the graph; allow_unused=True for "
                "an input the output ignores).",
                "解析雅可比的第 k 行：torch.autograd.grad(out, leaves, v)，v 除第 k 个输出元素"
                "为 1 外全是 0（retain_graph=True 才能反复使用计算图；allow_unused=True 应对输出"
                "用不到的输入）。"),
               ("Numerical column j: copy the input, add eps to its element j, evaluate, "
                "subtract eps instead, evaluate, divide the difference by 2 eps; do it all in "
                "float64 and under torch.no_grad().",
                "数值雅可比的第 j 列：复制输入，第 j 个元素加 eps 算一次，改成减 eps 再算一次，"
                "两者之差除以 2 eps；全程用 float64，并放在 torch.no_grad() 里。")),
    ),
    Exercise(
        id="safe_softmax_function", entry="SafeSoftmax", lesson="custom-function",
        at=("autograd:07",),
        title=("Softmax as a custom autograd Function", "把 softmax 写成自定义 autograd Function"),
        task=("Write SafeSoftmax, a torch.autograd.Function for softmax over the last "
              "dimension (any leading shape). forward(ctx, x): y = exp(x - m) / sum exp(x - "
              "m) with m the row maximum (stable for logits near 1000); a row that is all -inf "
              "(fully masked attention) gives zeros instead of NaN. Save y for the backward. "
              "backward(ctx, g): return dL/dx = y * (g - sum(g * y) over the last dim), the "
              "softmax Jacobian-vector product. Values and gradients must equal torch.softmax "
              "(zeros for the all -inf row); torch.softmax and F.softmax are refused.",
              "实现 SafeSoftmax：对最后一维做 softmax 的 torch.autograd.Function（前面可以有任意"
              "维）。forward(ctx, x)：y = exp(x - m) / sum exp(x - m)，m 为每行最大值（logits "
              "在 1000 左右时也稳定）；整行都是 -inf 时（注意力被完全遮住）输出全 0 而不是 NaN。"
              "为反向保存 y。backward(ctx, g)：返回 dL/dx = y * (g - (g * y) 在最后一维上的和)，"
              "即 softmax 的雅可比-向量积。数值与梯度要和 torch.softmax 一致（全 -inf 的行为 0）；"
              "torch.softmax 和 F.softmax 会被拒绝。"),
        stub='''
            class SafeSoftmax(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x: Tensor) -> Tensor:
                    """softmax over the last dim; an all -inf row gives zeros"""

                @staticmethod
                def backward(ctx, g: Tensor) -> Tensor:
                    """g = dL/dy -> dL/dx"""
        ''',
        reference="dlfs.nn.functional.attention:_SafeSoftmax",
        cases=softmax_function_cases,
        mutants={"backward forgets the sum": _SoftmaxNoSum,
                 "no max subtraction": _SoftmaxUnshifted,
                 "an all -inf row gives NaN": _SoftmaxUnsafe},
        hints=(("m = x.amax(-1, keepdim=True), then replace -inf in m by 0 "
                "(m.masked_fill(m == float('-inf'), 0.0)) so that an all -inf row does not "
                "compute -inf - (-inf).",
                "m = x.amax(-1, keepdim=True)，再把 m 里的 -inf 换成 0（m.masked_fill(m == "
                "float('-inf'), 0.0)），这样全 -inf 的行就不会算 -inf - (-inf)。"),
               ("The denominator of an all -inf row is 0: replace 0 by 1 before dividing. "
                "ctx.save_for_backward(y) in forward, (y,) = ctx.saved_tensors in backward.",
                "全 -inf 的行分母是 0：相除前把 0 换成 1。forward 里 ctx.save_for_backward(y)，"
                "backward 里 (y,) = ctx.saved_tensors。")),
    ),
    Exercise(
        id="hooks_model_summary", entry="model_summary", lesson="hooks", at=("autograd:04",),
        builtins_ok=True,
        title=("A model summary from forward hooks", "用前向钩子生成模型摘要"),
        task=("Write model_summary(model, example_input, *, depth=None, show=False). Register "
              "a forward hook on each selected module, run the model once in eval mode under "
              "torch.no_grad(), and append a SummaryRow(name, kind, output_shape, params, "
              "trainable) per module call, in call order: name from named_modules(), kind the "
              "class name, output_shape the output's shape as a tuple (a tuple/list output: "
              "the list of its tensors' shapes), params and trainable the numbers of elements "
              "of the module's parameters (all / requires_grad). Selected modules: the leaves "
              "(no children) when depth is None; with depth=d, the modules whose dotted name "
              "has d parts plus shallower leaves. example_input is a tensor, a tuple of "
              "positional arguments, or a shape tuple of ints (use zeros of that shape). "
              "Return ModelSummary(rows, total_params, trainable_params, buffer_count, "
              "total_bytes) (buffer_count: elements of all buffers; total_bytes: parameters "
              "and buffers). Afterwards remove every hook and restore the train/eval mode; "
              "print the summary if show.",
              "实现 model_summary(model, example_input, *, depth=None, show=False)。给每个选中的"
              "模块注册前向钩子，在 eval 模式和 torch.no_grad() 下把模型运行一次，每次模块调用"
              "按调用顺序追加一个 SummaryRow(name, kind, output_shape, params, trainable)："
              "name 取自 named_modules()，kind 为类名，output_shape 为输出形状的 tuple（输出是 "
              "tuple/list 时为其中各张量形状组成的 list），params 和 trainable 是该模块参数的元素"
              "总数（全部 / requires_grad 的）。选中哪些模块：depth 为 None 时选叶子模块（没有子"
              "模块）；depth=d 时选点分名字恰有 d 段的模块，以及更浅的叶子。example_input 可以是"
              "张量、位置参数组成的 tuple，或由整数组成的形状 tuple（用该形状的全零张量）。返回 "
              "ModelSummary(rows, total_params, trainable_params, buffer_count, total_bytes)"
              "（buffer_count：所有 buffer 的元素数；total_bytes：参数和 buffer 的字节数）。"
              "结束后移除所有钩子，恢复原来的 train/eval 模式；show 为真时打印摘要。"),
        stub='''
            def model_summary(model: nn.Module, example_input, *, depth: int | None = None,
                              show: bool = False) -> ModelSummary:
                """One SummaryRow per call of a selected module, recorded by forward hooks."""
        ''',
        imports=("from dlfs.playground.summary import ModelSummary, SummaryRow",),
        allowed=("dlfs.playground.summary:SummaryRow", "dlfs.playground.summary:ModelSummary"),
        reference="dlfs.playground.summary:model_summary",
        cases=model_summary_cases,
        mutants={"hooks left registered": _make_summary(remove=False),
                 "model left in eval mode": _make_summary(restore=False),
                 "rows for containers too": _make_summary(containers=True),
                 "runs in train mode with gradients": _make_summary(quiet=False)},
        hints=(("handle = module.register_forward_hook(hook) with hook(module, inputs, output); "
                "a default argument (name=name) gives each hook its own module name.",
                "handle = module.register_forward_hook(hook)，钩子签名为 hook(module, inputs, "
                "output)；用默认参数 (name=name) 让每个钩子记住自己的模块名。"),
               ("Remember model.training, call model.eval(), run under torch.no_grad() inside "
                "try, and in finally call model.train(was) and handle.remove() for each hook.",
                "先记下 model.training，调用 model.eval()，在 try 里用 torch.no_grad() 运行；"
                "在 finally 里 model.train(原来的值)，并对每个钩子调用 handle.remove()。")),
    ),
    Exercise(
        id="engine_sgd", entry="SGD", lesson="manual-gd", at=("autograd:01", "pytorch:8"),
        title=("Gradient descent for the NumPy engine: SGD", "NumPy 引擎的梯度下降：SGD"),
        task=("Write SGD(params, lr, momentum=0.0) for the NumPy Tensor engine, following "
              "torch.optim.SGD. params is any iterable of Tensors (keep a list: an iterator "
              "can be read once). step(): for every parameter p whose p.grad is not None, "
              "v = p.grad on its first step, then v = momentum * v + p.grad; update "
              "p.data -= lr * v (with momentum 0, simply p.data -= lr * p.grad); a parameter "
              "without a gradient is skipped and its v kept. zero_grad(): set every p.grad to "
              "None, otherwise the next backward adds to the old gradient. The checker fits "
              "y = 2x + 1 with it and compares every step with torch.optim.SGD.",
              "为 NumPy Tensor 引擎实现 SGD(params, lr, momentum=0.0)，行为与 torch.optim.SGD "
              "相同。params 可以是任何由 Tensor 组成的可迭代对象（要存成列表：迭代器只能读一次）。"
              "step()：对每个 p.grad 不为 None 的参数，第一步 v = p.grad，之后 v = momentum * v "
              "+ p.grad；更新 p.data -= lr * v（momentum 为 0 时就是 p.data -= lr * p.grad）；"
              "没有梯度的参数跳过，并保留它的 v。zero_grad()：把每个 p.grad 设为 None，否则下一次 "
              "backward 会加到旧梯度上。检查程序用它拟合 y = 2x + 1，并逐步与 torch.optim.SGD "
              "对照。"),
        stub='''
            class SGD:
                def __init__(self, params, lr: float, momentum: float = 0.0):
                    """params: Tensors that require grad (any iterable)."""

                def zero_grad(self) -> None:
                    """Set every parameter's grad to None."""

                def step(self) -> None:
                    """v = momentum * v + grad (v = grad the first time); p.data -= lr * v"""
        ''',
        imports=("import numpy as np", "", "from dlfs.autograd.tensor import Tensor"),
        allowed=ENGINE,
        reference="dlfs.autograd.tensor_layers:SGD",
        cases=sgd_cases,
        mutants={"moves up the gradient": _SGDAscends,
                 "dampened momentum": _SGDDampened,
                 "zero_grad does nothing": _SGDKeepsGrads},
        hints=(("Keep self.params = list(params) and one velocity slot per parameter, None "
                "until its first step.",
                "保存 self.params = list(params)，并为每个参数留一个速度槽，第一次更新前为 "
                "None。"),
               ("Copy the first gradient (v = p.grad.copy()): the engine may reuse that array.",
                "第一次要复制梯度（v = p.grad.copy()）：引擎可能会复用那个数组。")),
    ),
]


# ---- ReLU and the straight-through estimator as custom Functions (part 07) ----------------


def relu_function_cases(ReLUFunction):
    yield Case("ReLUFunction is a torch.autograd.Function",
               lambda: _is_function(ReLUFunction, "ReLUFunction"))

    def own_backward() -> None:
        x = randn(3).requires_grad_()
        y = watched(ReLUFunction.apply)(x)
        name = type(y.grad_fn).__name__ if y.grad_fn is not None else None
        if name != f"{ReLUFunction.__name__}Backward":
            raise AssertionError(f"y.grad_fn is {name}: the gradient must come from your "
                                 "backward, not from the operations inside forward")
    yield Case("the gradient comes from your backward (y.grad_fn)", own_backward)
    zeros = torch.tensor([[-1.0, 0.0, 2.0], [0.0, -0.0, 3.0]], dtype=torch.float64)
    for name, x in [("x (1,)", randn(1)), ("x (2, 3) with exact zeros (gradient 0 there)", zeros),
                    ("x (4, 5)", randn(4, 5, seed=1)), ("x (2, 3, 4)", randn(2, 3, 4, seed=2))]:
        yield fn_case(name, lambda t: ReLUFunction.apply(t), torch.relu, x)


class _ReLUGradAtZero(torch.autograd.Function):
    """Planted bug: the backward passes the gradient where x >= 0 (1 at the kink)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x >= 0)


class _ReLUIdentityBackward(torch.autograd.Function):
    """Planted bug: the backward returns the gradient unmasked."""

    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        return g


def _round_ste_values(x: torch.Tensor, levels: int) -> torch.Tensor:
    return torch.round(x.clamp(-1, 1) * levels) / levels


def round_ste_cases(RoundSTE):
    yield Case("RoundSTE is a torch.autograd.Function",
               lambda: _is_function(RoundSTE, "RoundSTE"))
    grid = torch.linspace(-1.5, 1.5, 13, dtype=torch.float64)
    for name, x, levels in [("x (1,) = 0.3, levels 4", torch.tensor([0.3], dtype=torch.float64),
                             4),
                            ("x (13,) on [-1.5, 1.5], levels 4", grid, 4),
                            ("x (3, 5), levels 1", randn(3, 5, seed=3), 1),
                            ("x (2, 3, 4) scaled by 2, levels 8", randn(2, 3, 4, seed=4) * 2, 8)]:
        def run(x=x, levels=levels) -> None:
            leaf = x.clone().requires_grad_()
            y = watched(RoundSTE.apply)(leaf, levels)
            assert_close(y, _round_ste_values(x, levels), "output")
            upstream = randn(*x.shape, seed=9)
            grads = watched(torch.autograd.grad)(y, leaf, upstream)
            assert_close(grads[0], upstream * (x.abs() <= 1), "grad of x (straight through "
                         "inside |x| <= 1, zero outside)")
        yield Case(name, run)

    def inside_a_model() -> None:
        w = torch.tensor([0.1, -0.7, 1.3], dtype=torch.float64, requires_grad=True)
        x = randn(5, 3, seed=5)
        loss = (x @ watched(RoundSTE.apply)(w, 4)).square().mean()
        (grad,) = torch.autograd.grad(loss, w)
        q = _round_ste_values(w.detach(), 4)
        want = (2 * (x @ q)[:, None] * x).mean(0) * (w.detach().abs() <= 1)
        assert_close(grad, want, "grad of w through the quantizer")
    yield Case("w (3,) quantized inside a linear model: the loss gradient reaches w",
               inside_a_model)


class _STEEverywhere(torch.autograd.Function):
    """Planted bug: identity gradient everywhere, the clipping range forgotten."""

    @staticmethod
    def forward(ctx, x, levels):
        return torch.round(x.clamp(-1, 1) * levels) / levels

    @staticmethod
    def backward(ctx, g):
        return g, None


class _STENoClamp(torch.autograd.Function):
    """Planted bug: the forward rounds without clamping to [-1, 1]."""

    @staticmethod
    def forward(ctx, x, levels):
        ctx.save_for_backward(x)
        return torch.round(x * levels) / levels

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1), None


EXERCISES += [
    Exercise(
        id="relu_function", entry="ReLUFunction", lesson="custom-function",
        at=("autograd:07",),
        title=("ReLU as a custom autograd Function", "把 ReLU 写成自定义 autograd Function"),
        task=("Write ReLUFunction, a torch.autograd.Function. forward(ctx, x): y = max(x, 0), "
              "saving what the backward needs (ctx.save_for_backward). backward(ctx, g): return "
              "dL/dx = g where x > 0 and 0 elsewhere — 0 at x = 0 too, as torch does. The "
              "gradient must come from your backward (y.grad_fn is ReLUFunctionBackward); "
              "torch.relu and F.relu are refused.",
              "实现 ReLUFunction，一个 torch.autograd.Function。forward(ctx, x)：y = max(x, 0)，"
              "并用 ctx.save_for_backward 保存反向需要的东西。backward(ctx, g)：返回 dL/dx，"
              "x > 0 处为 g，其余为 0——和 torch 一样，x = 0 处也是 0。梯度必须来自你写的 "
              "backward（y.grad_fn 是 ReLUFunctionBackward）；torch.relu 和 F.relu 会被拒绝。"),
        stub='''
            class ReLUFunction(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x: Tensor) -> Tensor:
                    """y = max(x, 0), any shape"""

                @staticmethod
                def backward(ctx, g: Tensor) -> Tensor:
                    """g = dL/dy -> dL/dx"""
        ''',
        reference="dlfs.nn.functional.custom:ReLUFunction",
        cases=relu_function_cases,
        mutants={"gradient 1 at x = 0": _ReLUGradAtZero,
                 "backward does not mask": _ReLUIdentityBackward},
        hints=(("x.clamp(min=0) is the forward; keep the mask x > 0 for the backward with "
                "ctx.save_for_backward(...).",
                "forward 用 x.clamp(min=0)；用 ctx.save_for_backward(...) 把掩码 x > 0 留给反向。"),
               ("In backward: (mask,) = ctx.saved_tensors; return g * mask.",
                "backward 里：(mask,) = ctx.saved_tensors；return g * mask。")),
    ),
    Exercise(
        id="round_ste", entry="RoundSTE", lesson="custom-function",
        at=("autograd:07",),
        title=("The straight-through estimator", "直通估计器（STE）"),
        task=("Write RoundSTE, a torch.autograd.Function that quantizes: forward(ctx, x, "
              "levels) returns round(clamp(x, -1, 1) * levels) / levels. Rounding has zero "
              "derivative almost everywhere, so backward(ctx, g) returns the straight-through "
              "surrogate instead: g where |x| <= 1, 0 outside the clipping range, and None for "
              "levels (an int).",
              "实现 RoundSTE，一个做量化的 torch.autograd.Function：forward(ctx, x, levels) 返回 "
              "round(clamp(x, -1, 1) * levels) / levels。取整的导数几乎处处为 0，所以 "
              "backward(ctx, g) 改用直通的替代梯度：|x| <= 1 处为 g，截断范围外为 0；levels 是"
              "整数，对它返回 None。"),
        stub='''
            class RoundSTE(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x: Tensor, levels: int) -> Tensor:
                    """round(clamp(x, -1, 1) * levels) / levels"""

                @staticmethod
                def backward(ctx, g: Tensor):
                    """-> (dL/dx, None)"""
        ''',
        reference="dlfs.nn.functional.custom:RoundSTE",
        cases=round_ste_cases,
        mutants={"identity gradient everywhere": _STEEverywhere,
                 "forward forgets the clamp": _STENoClamp},
        hints=(("backward returns one value per forward input after ctx: (grad_x, None).",
                "backward 要为 forward 中 ctx 之后的每个输入各返回一个值：(grad_x, None)。"),
               ("Save x in forward; in backward the mask is x.abs() <= 1.",
                "在 forward 里保存 x；backward 里的掩码是 x.abs() <= 1。")),
    ),
]
