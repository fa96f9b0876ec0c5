"""A scalar reverse-mode autograd engine: one :class:`Value` is one number in a graph.

Every operation makes a new node that remembers its inputs (``parents``) and the local
derivative of its output with respect to each input (``local_grads``), written right beside
the forward formula. ``backward()`` then applies the chain rule from the output to the leaves,
visiting nodes in reverse topological order:

    dL/dparent += dL/dnode * dnode/dparent

Nodes only point *backwards* (to their parents) and store plain floats, never closures that
refer to themselves, so a graph holds no reference cycles: it is freed by reference counting
as soon as the last name for it goes away, and Python's cyclic garbage collector has nothing
to do. (An engine whose nodes keep a closure capturing the node itself builds one cycle per
node, and then spends most of a training step in the garbage collector: ``classic_scalar.py``.
Since ours has no cycles, :func:`collector_paused` can switch that collector off for a step.)

Three things keep it fast without changing that design: ``__slots__`` (no ``__dict__`` per
node); ops build their result with :func:`_node`, which skips the public constructor's
checks; and ``backward`` needs no depth-first search: every node gets a creation number
(``seq``), parents always exist before their children, so sorting the reachable nodes by
``seq`` is a topological order. This call's gradients live in each node's ``pending`` slot.

>>> a, b = Value(2.0), Value(-3.0)
>>> y = a * b + a ** 2          # y = ab + a^2
>>> y.backward()
>>> y.data, a.grad, b.grad      # dy/da = b + 2a, dy/db = a
(-2.0, 1.0, 2.0)
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from operator import attrgetter

__all__ = ["Value", "collector_paused"]

Number = int | float

_next_seq = count().__next__  # creation numbers: parents always get smaller ones
_by_seq = attrgetter("seq")


class Value:
    """A scalar node of a computation graph.

    Attributes:
        data: the number this node holds (a Python float).
        grad: dL/d(this node), summed over every ``backward()`` call so far (starts at 0.0).
        parents: the nodes this one was computed from (empty for a leaf).
        local_grads: d(this node)/d(parent) for each parent, in the same order.
        op: the operation's name, shown by the graph drawings (``""`` for a leaf).
        label: an optional name, shown by the graph drawings.
        seq: the creation number (unique, increasing: parents have smaller ones).
        pending: scratch space of ``backward``: this call's gradient.
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label", "seq", "pending")

    def __init__(
        self,
        data: Number,
        parents: tuple[Value, ...] = (),
        local_grads: tuple[float, ...] = (),
        op: str = "",
        label: str = "",
    ) -> None:
        if len(parents) != len(local_grads):
            raise ValueError(
                f"Value: {len(parents)} parents but {len(local_grads)} local gradients"
            )
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.local_grads = local_grads
        self.op = op
        self.label = label
        self.seq = _next_seq()

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- arithmetic: forward value and local derivatives side by side -------------------

    def __add__(self, other: Value | Number) -> Value:
        if not isinstance(other, Value):
            other = Value(other)
        return _node(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Value | Number) -> Value:
        if not isinstance(other, Value):
            other = Value(other)
        return _node(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, exponent: Number) -> Value:
        """x ** n for a number n:  d/dx = n * x^(n-1)."""
        if isinstance(exponent, Value):
            raise TypeError("Value ** Value is not supported: the exponent must be a number")
        n = float(exponent)
        return _node(self.data**n, (self,), (n * self.data ** (n - 1),), f"**{exponent:g}")

    def __rpow__(self, base: Number) -> Value:
        """b ** x for a number b > 0:  d/dx = b^x * ln(b)."""
        out = float(base) ** self.data
        return _node(out, (self,), (out * math.log(base),), f"{base:g}**")

    def __neg__(self) -> Value:
        return _node(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-_lift(other))

    def __truediv__(self, other: Value | Number) -> Value:
        return self * _lift(other) ** -1

    def __radd__(self, other: Number) -> Value:
        return _lift(other) + self

    def __rsub__(self, other: Number) -> Value:
        return _lift(other) - self

    def __rmul__(self, other: Number) -> Value:
        return _lift(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return _lift(other) / self

    # ---- elementary functions ----------------------------------------------------------

    def exp(self) -> Value:
        """e^x:  d/dx = e^x."""
        out = math.exp(self.data)
        return _node(out, (self,), (out,), "exp")

    def log(self) -> Value:
        """ln x (x > 0):  d/dx = 1/x."""
        if self.data <= 0:
            raise ValueError(f"log: the input must be positive, got {self.data}")
        return _node(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self) -> Value:
        """tanh x:  d/dx = 1 - tanh^2 x."""
        t = math.tanh(self.data)
        return _node(t, (self,), (1.0 - t * t,), "tanh")

    def relu(self) -> Value:
        """max(0, x):  d/dx = 1 if x > 0 else 0 (0 at x = 0, like torch)."""
        if self.data > 0:
            return _node(self.data, (self,), (1.0,), "relu")
        return _node(0.0, (self,), (0.0,), "relu")

    def sigmoid(self) -> Value:
        """s = 1 / (1 + e^-x):  d/dx = s (1 - s)."""
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return _node(s, (self,), (s * (1.0 - s),), "sigmoid")

    # ---- reverse mode --------------------------------------------------------------------

    def backward(self) -> None:
        """Add dself/dnode to ``node.grad`` for every node this value depends on.

        Calling it twice adds twice (gradients accumulate, like torch's leaves); set
        ``grad = 0.0`` (or call :meth:`zero_grad`) to start again.
        """
        order = self.topological_order()  # leaves first, self last
        for node in order:
            node.pending = 0.0  # the gradients of this call only
        self.pending = 1.0
        for node in reversed(order):
            g = node.pending
            node.grad += g
            parents = node.parents
            if len(parents) == 2:  # the common case, without zip
                a, b = parents
                da, db = node.local_grads
                a.pending += g * da
                b.pending += g * db
            else:
                for parent, local in zip(parents, node.local_grads):
                    parent.pending += g * local

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this node and every node it depends on."""
        for node in self.topological_order():
            node.grad = 0.0

    def topological_order(self) -> list[Value]:
        """Every node this value depends on, each after all of its parents (self last).

        A node's parents exist before it does (its constructor receives them), so sorting
        by creation number is a topological order: no depth-first search, no recursion.
        """
        seen = {self}
        stack = [self]
        while stack:
            for parent in stack.pop().parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return sorted(seen, key=_by_seq)


_new = object.__new__


def _node(
    data: float, parents: tuple[Value, ...], local_grads: tuple[float, ...], op: str
) -> Value:
    """An op's result: the constructor without its checks (the ops pass matching tuples)."""
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.parents = parents
    node.local_grads = local_grads
    node.op = op
    node.label = ""
    node.seq = _next_seq()
    return node


def _lift(x: Value | Number) -> Value:
    """Wrap a plain number as a constant leaf."""
    return x if isinstance(x, Value) else Value(x)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Switch Python's cyclic garbage collector off for the block, then back to how it was.

    CPython frees most objects by reference counting; the cyclic collector exists only for
    reference cycles, which counting can never free. It starts whenever allocations outnumber
    deallocations by a threshold (700 by default), whether or not any cycle exists, and then
    walks the tracked objects that are still alive: a training step that builds ~65k live
    ``Value`` nodes sets it off some 200 times, one or two of them full collections of every
    tracked object, and those walks can take most of the step while finding nothing (lesson
    ``engines-scalar``, section 7). A ``Value`` graph holds no cycles (nodes point only to their
    parents), so pausing the collector around a step leaks nothing: the graph is freed by
    reference counting when its last name goes away. It is **not** safe for code that makes
    cycles (e.g. :class:`~dlfs.autograd.classic_scalar.ClassicValue`): their garbage piles up
    until the collector runs again. Never calls ``gc.collect()``; restores the previous state
    even when the block raises, and nests.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
