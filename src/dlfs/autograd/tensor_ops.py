"""The operations of the NumPy :class:`~dlfs.autograd.tensor.Tensor` engine.

Each function computes its output with NumPy and hands :func:`make_node` a ``backward(g)``
that returns the vector-Jacobian product for each input: ``g`` has the output's shape, each
returned gradient has that input's shape. The derivative is written beside the forward.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..i18n import t
from .tensor_graph import Axis, Node, ShapeError, make_node, unbroadcast

# ---- helpers -------------------------------------------------------------------------------


def lift(x: Any, like: Node) -> Node:
    """``x`` as a node of ``like``'s class (a constant leaf unless it is one already); a
    Python number takes the dtype of ``like`` (so float32 stays float32)."""
    if isinstance(x, Node):
        return x
    if isinstance(x, (int, float)) and like.dtype.kind == "f":
        return type(like)(np.asarray(x, dtype=like.dtype))
    return type(like)(x)


def _pair(a: Any, b: Any) -> tuple[Node, Node]:
    """Both operands as nodes (an operator always has at least one)."""
    if not isinstance(a, Node):
        a = lift(a, b)
    return a, lift(b, a)


def _broadcast(op: str, fn: Any, a: Node, b: Node) -> np.ndarray:
    """``fn(a, b)`` with NumPy broadcasting, or a ShapeError naming both shapes."""
    try:
        return fn(a.data, b.data)
    except ValueError:
        raise ShapeError(t("library.autograd.broadcast", op=op, a=a.shape, b=b.shape)) from None


def _axes(op: str, axis: Axis, ndim: int) -> tuple[int, ...]:
    """``axis`` as a tuple of non-negative axes (None means all)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for ax in axes:
        if not -ndim <= ax < max(ndim, 1):
            raise ShapeError(t("library.autograd.axis", op=op, axis=ax, ndim=ndim))
    return tuple(sorted(ax % max(ndim, 1) for ax in axes))


# ---- arithmetic ----------------------------------------------------------------------------


def add(a: Any, b: Any) -> Node:
    """a + b:  dL/da = g, dL/db = g (each summed back to its own shape)."""
    a, b = _pair(a, b)
    data = _broadcast("add", np.add, a, b)
    return make_node(data, (a, b),
                     lambda g: (unbroadcast(g, a.shape), unbroadcast(g, b.shape)), "+")


def sub(a: Any, b: Any) -> Node:
    """a - b:  dL/da = g, dL/db = -g."""
    a, b = _pair(a, b)
    data = _broadcast("sub", np.subtract, a, b)
    return make_node(data, (a, b),
                     lambda g: (unbroadcast(g, a.shape), unbroadcast(-g, b.shape)), "-")


def mul(a: Any, b: Any) -> Node:
    """a * b:  dL/da = g b, dL/db = g a."""
    a, b = _pair(a, b)
    data = _broadcast("mul", np.multiply, a, b)
    x, y = a.data, b.data

    def backward(g: np.ndarray) -> tuple:
        ga = unbroadcast(g * y, a.shape) if a.requires_grad else None
        gb = unbroadcast(g * x, b.shape) if b.requires_grad else None
        return ga, gb

    return make_node(data, (a, b), backward, "*")


def div(a: Any, b: Any) -> Node:
    """out = a / b:  dL/da = g / b, dL/db = -g a / b^2 = -g out / b."""
    a, b = _pair(a, b)
    out = _broadcast("div", np.divide, a, b)
    y = b.data
    return make_node(out, (a, b), lambda g: (unbroadcast(g / y, a.shape),
                                             unbroadcast(-g * out / y, b.shape)), "/")


def neg(a: Node) -> Node:
    """-a:  dL/da = -g."""
    return make_node(-a.data, (a,), lambda g: (-g,), "neg")


def power(a: Any, b: Any) -> Node:
    """out = a ** b:  dL/da = g b a^(b-1), dL/db = g out ln(a).

    A Python-number exponent stays a number (no graph, dtype kept).
    """
    if isinstance(b, (int, float)) and isinstance(a, Node):
        x, n = a.data, b
        return make_node(x**n, (a,), lambda g: (g * n * x ** (n - 1),), f"**{n:g}")
    a, b = _pair(a, b)
    out = _broadcast("pow", np.power, a, b)
    x, y = a.data, b.data

    def backward(g: np.ndarray) -> tuple:
        ga = unbroadcast(g * y * x ** (y - 1), a.shape) if a.requires_grad else None
        gb = None
        if b.requires_grad:  # ln(a) only where a > 0; torch's 0 ** y gives 0 here too
            log_x = np.log(np.where(x > 0, x, 1))
            gb = unbroadcast(g * out * log_x, b.shape)
        return ga, gb

    return make_node(out, (a, b), backward, "**")


def matmul(a: Any, b: Any) -> Node:
    """out = a @ b for (..., n, k) @ (..., k, m) -> (..., n, m), batch axes broadcast.

    dL/da = g @ b^T, dL/db = a^T @ g (summed over broadcast batch axes). A 1-D ``a`` acts
    as (1, k) and a 1-D ``b`` as (k, 1); that axis is dropped from the output, like NumPy.
    """
    a, b = _pair(a, b)
    _check_matmul(a.shape, b.shape)
    out = a.data @ b.data

    def backward(g: np.ndarray) -> tuple:
        A = a.data if a.ndim > 1 else a.data[None, :]  # (..., n, k)
        B = b.data if b.ndim > 1 else b.data[:, None]  # (..., k, m)
        batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
        G = g.reshape(batch + (A.shape[-2], B.shape[-1]))  # (..., n, m)
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(G @ np.swapaxes(B, -1, -2), A.shape).reshape(a.shape)
        if b.requires_grad:
            gb = unbroadcast(np.swapaxes(A, -1, -2) @ G, B.shape).reshape(b.shape)
        return ga, gb

    return make_node(out, (a, b), backward, "@")


def _check_matmul(sa: tuple[int, ...], sb: tuple[int, ...]) -> None:
    where = t("library.autograd.matmul", a=sa, b=sb)
    if not sa or not sb:
        raise ShapeError(where + t("library.autograd.matmul_0d"))
    k_a, k_b = sa[-1], (sb[-2] if len(sb) > 1 else sb[0])
    if k_a != k_b:
        raise ShapeError(where + t("library.autograd.matmul_inner", a=k_a, b=k_b))
    try:
        np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise ShapeError(where + t("library.autograd.matmul_batch", a=sa[:-2],
                                   b=sb[:-2])) from None


# ---- elementwise functions -----------------------------------------------------------------


def exp(a: Node) -> Node:
    """y = e^a:  dL/da = g y."""
    y = np.exp(a.data)
    return make_node(y, (a,), lambda g: (g * y,), "exp")


def log(a: Node) -> Node:
    """ln a:  dL/da = g / a."""
    x = a.data
    return make_node(np.log(x), (a,), lambda g: (g / x,), "log")


def tanh(a: Node) -> Node:
    """y = tanh a:  dL/da = g (1 - y^2)."""
    y = np.tanh(a.data)
    return make_node(y, (a,), lambda g: (g * (1 - y * y),), "tanh")


def relu(a: Node) -> Node:
    """max(a, 0):  dL/da = g where a > 0, else 0."""
    x = a.data
    return make_node(np.maximum(x, 0), (a,), lambda g: (g * (x > 0),), "relu")


def sigmoid(a: Node) -> Node:
    """y = 1 / (1 + e^-a) = (1 + tanh(a/2)) / 2 (no overflow):  dL/da = g y (1 - y)."""
    y = 0.5 * (np.tanh(0.5 * a.data) + 1)
    return make_node(y, (a,), lambda g: (g * y * (1 - y),), "sigmoid")


# ---- reductions ----------------------------------------------------------------------------


def _expand(g: np.ndarray, axes: tuple[int, ...], keepdims: bool,
            shape: tuple[int, ...]) -> np.ndarray:
    """Put the reduced axes back into ``g`` (size 1) and broadcast it to ``shape``."""
    if not keepdims:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


def reduce_sum(a: Node, axis: Axis = None, keepdims: bool = False) -> Node:
    """Sum over ``axis``:  dL/da = g copied along the summed axes."""
    axes = _axes("sum", axis, a.ndim)
    out = a.data.sum(axis=axes, keepdims=keepdims)
    return make_node(out, (a,), lambda g: (_expand(g, axes, keepdims, a.shape),), "sum")


def reduce_mean(a: Node, axis: Axis = None, keepdims: bool = False) -> Node:
    """Mean over ``axis`` (n elements each):  dL/da = g / n along the averaged axes."""
    axes = _axes("mean", axis, a.ndim)
    n = int(np.prod([a.shape[ax] for ax in axes]))
    out = a.data.mean(axis=axes, keepdims=keepdims)
    return make_node(out, (a,), lambda g: (_expand(g / n, axes, keepdims, a.shape),), "mean")


def reduce_max(a: Node, axis: Axis = None, keepdims: bool = False) -> Node:
    """Max over ``axis``. The gradient is shared evenly by tied maxima (like ``torch.amax``)."""
    axes = _axes("max", axis, a.ndim)
    top = a.data.max(axis=axes, keepdims=True)
    is_max = a.data == top
    share = is_max / is_max.sum(axis=axes, keepdims=True)
    out = top if keepdims else np.squeeze(top, axis=axes)
    return make_node(out, (a,), lambda g: (_expand(g, axes, keepdims, a.shape) * share,), "max")


# ---- shapes and indexing -------------------------------------------------------------------


def reshape(a: Node, shape: tuple[int, ...]) -> Node:
    """Same elements, new shape (one axis may be -1):  dL/da = g reshaped back."""
    try:
        out = a.data.reshape(shape)
    except ValueError:
        raise ShapeError(t("library.autograd.reshape", shape=a.shape, n=a.data.size,
                             target=shape)) from None
    return make_node(out, (a,), lambda g: (g.reshape(a.shape),), "reshape")


def permute(a: Node, axes: tuple[int, ...]) -> Node:
    """Reorder axes (``out.shape[i] == a.shape[axes[i]]``):  dL/da = g with the inverse order."""
    if sorted(ax % max(a.ndim, 1) for ax in axes) != list(range(a.ndim)):
        raise ShapeError(t("library.autograd.permute", axes=axes, shape=a.shape))
    inverse = tuple(np.argsort([ax % a.ndim for ax in axes]))
    return make_node(a.data.transpose(axes), (a,), lambda g: (g.transpose(inverse),),
                     "permute")


def _index(index: Any) -> tuple[Any, bool]:
    """The index in NumPy form, and whether it is "basic" (slices/ints only: a view)."""
    parts = index if isinstance(index, tuple) else (index,)
    out, basic = [], True
    for part in parts:
        if isinstance(part, Node):
            part = part.data
        if isinstance(part, (list, np.ndarray)):
            part = np.asarray(part)
            basic = False
            if part.dtype == bool:  # a mask selects its nonzero positions
                out.extend(np.nonzero(part))
                continue
        out.append(part)
    return tuple(out), basic


def getitem(a: Node, index: Any) -> Node:
    """``a[index]`` with slices, ints, integer arrays or boolean masks.

    dL/da is zero except at the selected positions, which receive g; a position selected
    twice receives both contributions (scatter-add with ``np.add.at``).
    """
    idx, basic = _index(index)
    try:
        out = a.data[idx]
    except IndexError as err:
        raise IndexError(f"index: {err} (tensor shape {a.shape})") from None

    def backward(g: np.ndarray) -> tuple:
        grad = np.zeros(a.shape, dtype=g.dtype)
        if basic:
            grad[idx] = g  # basic indexing never selects an element twice
        else:
            np.add.at(grad, idx, g)
        return (grad,)

    return make_node(out, (a,), backward, "index")
