"""Look at a computation graph of either engine: Graphviz ``to_dot`` text and a matplotlib
drawing (no Graphviz needed).

A graph is a DAG: each node (a :class:`Value` or a :class:`Tensor`) points to the parents it
was computed from. Leaves are drawn on the left, the output on the right.

>>> from dlfs.autograd import Value
>>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
>>> print(to_dot(a * b))
digraph {
  rankdir=LR;
  node [fontname="Helvetica"];
  n0 [shape=record, label="{a | data 2 | grad 0}"];
  n1 [shape=record, label="{b | data 3 | grad 0}"];
  n2 [shape=record, label="{* | data 6 | grad 0}"];
  n0 -> n2;
  n1 -> n2;
}
"""

from __future__ import annotations

from typing import Any

from .scalar import Value
from .tensor import Tensor
from .topo import topological_order

__all__ = ["depths", "draw_graph", "nodes", "to_dot"]

GraphNode = Value | Tensor


def nodes(root: GraphNode) -> list[GraphNode]:
    """Every node ``root`` depends on (constants included), parents before children."""
    return topological_order(root)


def depths(order: list[GraphNode]) -> dict[int, int]:
    """Drawing column of each node, by ``id(node)``; ``order`` as :func:`nodes`.

    An op sits one column right of its deepest parent; a leaf sits just left of its
    first-placed consumer (so a weight is drawn next to the matmul that uses it).
    """
    depth: dict[int, int] = {}
    for node in order:
        if node.parents:
            depth[id(node)] = 1 + max(depth.get(id(p), 0) for p in node.parents)
    for node in order:
        for p in node.parents:
            if not p.parents:
                depth[id(p)] = min(depth.get(id(p), depth[id(node)] - 1), depth[id(node)] - 1)
    if not order[-1].parents:
        depth[id(order[-1])] = 0
    return depth


def _describe(node: GraphNode) -> list[str]:
    """The lines shown for one node: its name or op, then numbers or shape."""
    if isinstance(node, Value):
        name = f"{node.label} = {node.op}" if node.label and node.op else node.label or node.op
        return [name or "leaf", f"data {node.data:.4g}", f"grad {node.grad:.4g}"]
    kind = node.op or ("param" if node.requires_grad else "input")
    return [kind, f"{node.shape} {node.dtype}"]


def to_dot(root: GraphNode) -> str:
    """The graph of ``root`` in Graphviz dot format (render with ``dot -Tpng``)."""
    order = nodes(root)
    name = {id(n): f"n{i}" for i, n in enumerate(order)}
    lines = ["digraph {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for node in order:
        text = " | ".join(_describe(node)).replace('"', "'")
        lines.append(f'  {name[id(node)]} [shape=record, label="{{{text}}}"];')
    for node in order:
        lines.extend(f"  {name[id(p)]} -> {name[id(node)]};" for p in node.parents)
    lines.append("}")
    return "\n".join(lines)


def draw_graph(root: GraphNode, ax: Any = None, title: str | None = None) -> Any:
    """Draw the DAG of ``root`` with matplotlib; returns the figure.

    Columns are depths (leaves left, ``root`` right); arrows run from parent to child.
    """
    import matplotlib.pyplot as plt

    order = nodes(root)
    depth = depths(order)
    columns: dict[int, list[GraphNode]] = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    width, height = max(columns) + 1, max(len(c) for c in columns.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 * width + 1, 1.1 * height + 1))
    pos = {id(n): (d, (len(col) - 1) / 2 - i) for d, col in columns.items()
           for i, n in enumerate(col)}
    for node in order:
        for parent in node.parents:
            ax.annotate("", xy=pos[id(node)], xytext=pos[id(parent)],
                        arrowprops={"arrowstyle": "->", "color": "0.5",
                                    "shrinkA": 28, "shrinkB": 28})
    for node in order:
        leaf = not node.parents
        ax.text(*pos[id(node)], "\n".join(_describe(node)), ha="center", va="center",
                fontsize=8, bbox={"boxstyle": "round", "fc": "#dbe9f6" if leaf else "#fde2c8"})
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-height / 2 - 0.2, height / 2 + 0.2)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax.figure
