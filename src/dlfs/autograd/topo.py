"""Topological order of a computation graph, shared by both engines and the graph drawing.

Reverse-mode autograd must visit a node only after every node computed *from* it has pushed
its share of the gradient; walking a topological order (each node after all of its parents)
backwards guarantees that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

__all__ = ["topological_order"]

N = TypeVar("N")


def _parents(node: Any) -> Iterable[Any]:
    return node.parents


def topological_order(root: N, parents: Callable[[N], Iterable[N]] = _parents) -> list[N]:
    """Every node ``root`` depends on, each after all of its parents (``root`` last).

    ``parents(node)`` lists the nodes a node was computed from (default: ``node.parents``);
    a node reached twice is listed once. An iterative depth-first search, so deep graphs
    (a long RNN unroll) do not hit Python's recursion limit; the first parent's subgraph
    comes first.

    >>> from types import SimpleNamespace as Node
    >>> a = Node(name="a", parents=()); b = Node(name="b", parents=(a,))
    >>> c = Node(name="c", parents=(a, b))
    >>> [n.name for n in topological_order(c)]
    ['a', 'b', 'c']
    """
    order: list[N] = []
    seen: set[int] = set()
    stack: list[tuple[N, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(list(parents(node))) if id(p) not in seen)
    return order
