"""The classic closure-per-node scalar engine, kept only as the baseline :class:`Value` is
measured against (lesson ``engines-scalar``, ``benchmarks/bench_scalar_engine.py``).

This is the way a tiny autograd engine is usually first written. Every operation makes an
output node and gives it a ``_backward`` function, defined on the spot, that pushes the
output's gradient into the inputs' gradients. That function is a closure: it reads
``out.grad``, so it holds a reference to ``out``, while ``out`` holds the function in its
``_backward`` attribute. **Every node is a reference cycle** (node -> function -> closure
cell -> node). Reference counting alone can never free such a node; only Python's cyclic
garbage collector can, so a training step leaves its whole graph behind as garbage, and the
collector, which runs whenever enough objects have been allocated, keeps walking tens of
thousands of live nodes while the next graph is built.

``backward()`` orders the nodes with a recursive depth-first search (children after their
parents), then calls each node's closure from the output back to the leaves.

Use :class:`dlfs.autograd.Value` for real work; this class supports only what the demo
step (:mod:`dlfs.autograd.scalar_demo`) needs, with the same floating-point operations as
``Value`` so that both engines give the same numbers.

>>> a, b = ClassicValue(2.0), ClassicValue(-3.0)
>>> y = a * b + a ** 2
>>> y.backward()
>>> y.data, a.grad, b.grad
(-2.0, 1.0, 2.0)
"""

from __future__ import annotations

import math

__all__ = ["ClassicValue"]

Number = int | float


class ClassicValue:
    """A scalar node whose ``_backward`` closure refers back to the node itself."""

    def __init__(self, data: Number, parents: tuple[ClassicValue, ...] = (), op: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self._backward = _nothing  # a leaf has nobody to pass its gradient to
        self._parents = set(parents)
        self._op = op

    def __repr__(self) -> str:
        return f"ClassicValue(data={self.data:.6g}, grad={self.grad:.6g})"

    def __add__(self, other: ClassicValue | Number) -> ClassicValue:
        other = other if isinstance(other, ClassicValue) else ClassicValue(other)
        out = ClassicValue(self.data + other.data, (self, other), "+")

        def _backward() -> None:  # d(a+b)/da = d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward  # out -> _backward -> out: a cycle
        return out

    def __mul__(self, other: ClassicValue | Number) -> ClassicValue:
        other = other if isinstance(other, ClassicValue) else ClassicValue(other)
        out = ClassicValue(self.data * other.data, (self, other), "*")

        def _backward() -> None:  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> ClassicValue:
        n = float(exponent)
        out = ClassicValue(self.data**n, (self,), f"**{exponent:g}")

        def _backward() -> None:  # d(x^n)/dx = n x^(n-1)
            self.grad += n * self.data ** (n - 1) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> ClassicValue:
        out = ClassicValue(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward() -> None:  # 1 where x > 0, else 0
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> ClassicValue:
        t = math.tanh(self.data)
        out = ClassicValue(t, (self,), "tanh")

        def _backward() -> None:  # 1 - tanh^2
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> ClassicValue:
        return self * -1.0

    def __sub__(self, other: ClassicValue | Number) -> ClassicValue:
        return self + (-other)

    def __truediv__(self, other: ClassicValue | Number) -> ClassicValue:
        other = other if isinstance(other, ClassicValue) else ClassicValue(other)
        return self * other**-1

    def __radd__(self, other: Number) -> ClassicValue:
        return ClassicValue(other) + self

    def __rsub__(self, other: Number) -> ClassicValue:
        return ClassicValue(other) - self

    def __rmul__(self, other: Number) -> ClassicValue:
        return ClassicValue(other) * self

    def __rtruediv__(self, other: Number) -> ClassicValue:
        return ClassicValue(other) / self

    def backward(self) -> None:
        """Order the graph by a recursive depth-first search, then run every closure from
        this node back to the leaves. Call it once per graph, with the gradients zeroed."""
        order: list[ClassicValue] = []
        visited: set[ClassicValue] = set()

        def visit(node: ClassicValue) -> None:
            if node not in visited:
                visited.add(node)
                for parent in node._parents:
                    visit(parent)
                order.append(node)  # after all of its parents

        visit(self)
        self.grad = 1.0  # dself/dself
        for node in reversed(order):
            node._backward()


def _nothing() -> None:
    """A leaf's ``_backward``."""
