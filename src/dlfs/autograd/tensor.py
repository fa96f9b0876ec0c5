"""A NumPy-backed tensor autograd engine: :class:`Tensor` wraps an ``np.ndarray``.

Every operation computes its result with NumPy and, when an input requires a gradient,
records a node (:func:`make_node`): the input tensors (``parents``) and a ``backward``
function that maps the gradient of the output, ``g = dL/dout`` (same shape as ``out``), to
the gradient of each input, ``dL/dx = g · dout/dx`` (a vector-Jacobian product). The closures
capture input *arrays*, never the output tensor, so graphs hold no reference cycles.

Broadcasting: ``out = x + y`` may stretch ``x`` along new leading axes and along axes of size 1;
each stretched copy contributed to the loss, so the gradient is summed back over those axes
(:func:`unbroadcast`).

>>> x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)   # (1, 3)
>>> w = Tensor([[1.0], [2.0]], requires_grad=True)      # (2, 1)
>>> y = (x * w).sum()                                   # x * w is (2, 3)
>>> y.backward()
>>> x.grad, w.grad
(array([[3., 3., 3.]]), array([[6.],
       [6.]]))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..errors import DlfsError

__all__ = [
    "ShapeError",
    "Tensor",
    "is_grad_enabled",
    "make_node",
    "no_grad",
    "unbroadcast",
]

Backward = Callable[[np.ndarray], Sequence["np.ndarray | None"]]
Axis = int | tuple[int, ...] | None

_grad_enabled = True


class ShapeError(DlfsError, ValueError):
    """An operation got operands whose shapes do not fit; the message names the op and shapes."""


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations record no graph (like ``torch.no_grad``); nests and
    works as a decorator.

    >>> w = Tensor([1.0], requires_grad=True)
    >>> with no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """False inside :func:`no_grad`."""
    return _grad_enabled


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` (the broadcast shape) back down to ``shape`` (an operand's shape).

    Leading axes that broadcasting added are summed away; axes where the operand had size 1
    are summed with ``keepdims``.

    >>> unbroadcast(np.ones((2, 3, 4)), (3, 1)).tolist()
    [[8.0], [8.0], [8.0]]
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    return np.asarray(data, dtype=dtype)


class Tensor:
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

    __slots__ = ("data", "grad", "requires_grad", "parents", "backward_fn", "op",
                 "_hooks", "_retains_grad", "__weakref__")

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        self.data = _as_array(data)
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.parents: tuple[Tensor, ...] = ()
        self.backward_fn: Backward | None = None
        self.op = ""
        self._hooks: list[Callable[[np.ndarray], np.ndarray | None]] = []
        self._retains_grad = False

    # ---- plain properties ----------------------------------------------------------------

    shape = property(lambda self: self.data.shape, doc="The shape tuple.")
    ndim = property(lambda self: self.data.ndim, doc="The number of axes.")
    dtype = property(lambda self: self.data.dtype, doc="The NumPy dtype.")

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op that recorded a graph)."""
        return self.backward_fn is None

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

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``grad = None``, like torch's ``set_to_none``)."""
        self.grad = None

    def retain_grad(self) -> None:
        """Also fill ``.grad`` for this non-leaf tensor during backward."""
        self._retains_grad = True

    def register_hook(self, hook: Callable[[np.ndarray], np.ndarray | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a non-None return
        value replaces the gradient (for the tensor's ``.grad`` and everything upstream)."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad")
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    # ---- reverse mode --------------------------------------------------------------------

    def backward(self, grad: Any = None) -> None:
        """Accumulate ``d(self)/d(leaf)`` into ``leaf.grad`` for every leaf that requires grad.

        ``grad`` is dL/dself (same shape as self); it may be omitted only for a one-element
        tensor, where it defaults to 1. Calling backward twice adds the gradients twice.
        The graph is kept, so backward may be called again on it.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad and has no graph")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: grad can be omitted only for a one-element (scalar) output, "
                    f"but this tensor has shape {self.shape}; pass grad= of that shape"
                )
            g = np.ones_like(self.data)
        else:
            g = _as_array(grad, self.dtype)
            if g.shape != self.shape:
                raise ShapeError(
                    f"backward: grad has shape {g.shape} but the tensor has shape {self.shape}"
                )
        _run_backward(self, g)

    # ---- operations: each method calls the function in tensor_ops.py that defines it -----

    def __add__(self, other: Any) -> Tensor:
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ops.div(other, self)

    def __pow__(self, other: Any) -> Tensor:
        return _ops.power(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ops.power(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _ops.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ops.neg(self)

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.getitem(self, index)

    # comparisons give boolean masks, with no gradient
    def __gt__(self, other: Any) -> Tensor:
        return Tensor(self.data > _as_array(other))

    def __lt__(self, other: Any) -> Tensor:
        return Tensor(self.data < _as_array(other))

    def __ge__(self, other: Any) -> Tensor:
        return Tensor(self.data >= _as_array(other))

    def __le__(self, other: Any) -> Tensor:
        return Tensor(self.data <= _as_array(other))

    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _ops.reduce_sum(self, axis, keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _ops.reduce_mean(self, axis, keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return _ops.reduce_max(self, axis, keepdims)

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape)  # type: ignore[arg-type]

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (torch's meaning; the default swaps the last two)."""
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return _ops.permute(self, tuple(axes))

    def permute(self, *axes: int) -> Tensor:
        """Reorder all axes: ``out.shape[i] == self.shape[axes[i]]``."""
        return _ops.permute(self, axes)

    @property
    def T(self) -> Tensor:  # noqa: N802
        """All axes reversed (the matrix transpose for 2-D)."""
        return _ops.permute(self, tuple(reversed(range(self.ndim))))


class _HookHandle:
    """Returned by :meth:`Tensor.register_hook`; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def make_node(data: np.ndarray, parents: Sequence[Tensor], backward: Backward,
              op: str) -> Tensor:
    """Wrap ``data`` as the output of operation ``op`` on ``parents``.

    ``backward(g)`` receives dL/dout (shape of ``data``) and returns one gradient (shape of
    that parent) or None per parent. The node records a graph only if grad mode is on and
    some parent requires grad. This is the one way every op, and a custom op, is built.
    """
    out = Tensor(data)
    if _grad_enabled and any(p.requires_grad for p in parents):
        out.requires_grad = True
        out.parents = tuple(parents)
        out.backward_fn = backward
        out.op = op
    return out


def _topological_order(root: Tensor) -> list[Tensor]:
    """Nodes that require grad and that ``root`` depends on, parents before children."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if p.requires_grad and id(p) not in seen)
    return order


def _run_backward(root: Tensor, grad: np.ndarray) -> None:
    """The chain rule over the graph, from ``root`` back to the leaves.

    A node's gradient is complete once every child has pushed its share, which reverse
    topological order guarantees; only then do its hooks run and does it push to its parents.
    """
    grads: dict[int, np.ndarray] = {id(root): grad}
    for node in reversed(_topological_order(root)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        for hook in node._hooks:
            replaced = hook(g)
            if replaced is not None:
                g = _as_array(replaced, node.dtype)
        if node.backward_fn is None or node._retains_grad:
            node.grad = g.astype(node.dtype, copy=True) if node.grad is None else node.grad + g
        if node.backward_fn is None:
            continue
        for parent, pg in zip(node.parents, node.backward_fn(g)):
            if pg is None or not parent.requires_grad:
                continue
            key = id(parent)
            grads[key] = pg if key not in grads else grads[key] + pg


# the operations themselves; imported last because tensor_ops needs Tensor and make_node
from . import tensor_ops as _ops  # noqa: E402
