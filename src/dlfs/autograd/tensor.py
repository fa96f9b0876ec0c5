"""A NumPy-backed tensor autograd engine: :class:`Tensor` wraps an ``np.ndarray``.

A Tensor is a :class:`~dlfs.autograd.tensor_graph.Node` of the computation graph (data, grad,
parents, backward — see ``tensor_graph.py``) with array properties and Python operators; each
operator is a function of ``tensor_ops.py``, where its derivative is written beside it.

>>> x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)   # (1, 3)
>>> w = Tensor([[1.0], [2.0]], requires_grad=True)      # (2, 1)
>>> y = (x * w).sum()                                   # x * w is (2, 3)
>>> y.backward()
>>> x.grad, w.grad
(array([[3., 3., 3.]]), array([[6.],
       [6.]]))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import tensor_ops as ops
from .tensor_graph import (
    Node,
    ShapeError,
    as_array,
    is_grad_enabled,
    make_node,
    no_grad,
    unbroadcast,
)

__all__ = [
    "ShapeError",
    "Tensor",
    "is_grad_enabled",
    "make_node",
    "no_grad",
    "unbroadcast",
]


def _swapped(op: Any) -> Any:
    """The reflected operator: ``2 - t`` calls ``t.__rsub__(2)``, which is ``sub(2, t)``."""
    return lambda self, other: op(other, self)


class Tensor(Node):
    """An n-dimensional array with reverse-mode gradients.

    Args:
        data: anything ``np.asarray`` accepts. The dtype is kept (a Python list of floats
            becomes float64, a float32 array stays float32).

        requires_grad: record operations on this tensor so that ``backward`` fills ``.grad``.

    Attributes:
        data: the ``np.ndarray`` (same shape as the tensor).

        grad: ``dL/dself`` as an array of the same shape, or None before any backward;
            filled for leaves (and for tensors that called :meth:`retain_grad`).
    """

    __slots__ = ()

    # ---- plain properties ----------------------------------------------------------------

    def numel(self) -> int:
        """Number of elements."""
        return int(self.data.size)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        return f"Tensor({body}{grad})"

    def item(self) -> float:
        """The value of a one-element tensor as a Python number."""
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied). Like torch, refuses a tensor that
        requires grad: call ``detach().numpy()``."""
        if self.requires_grad:
            raise RuntimeError(
                "numpy(): this tensor requires grad; use tensor.detach().numpy() instead"
            )
        return self.data

    def detach(self) -> Tensor:
        """A new leaf that shares this tensor's data and records no graph."""
        return Tensor(self.data)

    # ---- operators: each is a function of tensor_ops.py, with its derivative ---------------

    __add__, __radd__ = ops.add, _swapped(ops.add)
    __sub__, __rsub__ = ops.sub, _swapped(ops.sub)
    __mul__, __rmul__ = ops.mul, _swapped(ops.mul)
    __truediv__, __rtruediv__ = ops.div, _swapped(ops.div)
    __pow__, __rpow__ = ops.power, _swapped(ops.power)
    __matmul__, __rmatmul__ = ops.matmul, _swapped(ops.matmul)
    __neg__ = ops.neg
    __getitem__ = ops.getitem
    exp, log, tanh, relu, sigmoid = ops.exp, ops.log, ops.tanh, ops.relu, ops.sigmoid
    sum, mean, max = ops.reduce_sum, ops.reduce_mean, ops.reduce_max

    # comparisons give boolean masks, with no gradient
    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self.data > as_array(other))

    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self.data < as_array(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self.data >= as_array(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self.data <= as_array(other))

    # ---- shape operations -----------------------------------------------------------------

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.reshape(self, shape)  # type: ignore[arg-type]

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (torch's meaning; the default swaps the last two)."""
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return ops.permute(self, tuple(axes))

    def permute(self, *axes: int) -> Tensor:
        """Reorder all axes: ``out.shape[i] == self.shape[axes[i]]``."""
        return ops.permute(self, axes)

    @property
    def T(self) -> Tensor:  # noqa: N802
        """All axes reversed (the matrix transpose for 2-D)."""
        return ops.permute(self, tuple(reversed(range(self.ndim))))
