"""The graph machinery of the NumPy :class:`~dlfs.autograd.tensor.Tensor` engine.

Every operation computes its result with NumPy and, when an input requires a gradient,
records a node (:func:`make_node`): the input tensors (``parents``) and a ``backward``
function that maps the gradient of the output, ``g = dL/dout`` (same shape as ``out``), to
the gradient of each input, ``dL/dx = g · dout/dx`` (a vector-Jacobian product). The closures
capture input *arrays*, never the output tensor, so graphs hold no reference cycles.
:func:`run_backward` walks the graph in reverse topological order and applies the chain rule.

Broadcasting: ``out = x + y`` may stretch ``x`` along new leading axes and along axes of size 1;
each stretched copy contributed to the loss, so the gradient is summed back over those axes
(:func:`unbroadcast`).

Layers of the engine, each importing only the ones above it:
``tensor_graph.py`` (this file: :class:`Node`, grad mode, ``make_node``, backward) ->
``tensor_ops.py`` (the operations, derivative beside forward) -> ``tensor.py`` (:class:`Tensor`:
a Node with array properties and Python operators).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np

from ..errors import DlfsError
from ..i18n import t
from .topo import topological_order

__all__ = ["Node", "ShapeError", "as_array", "is_grad_enabled", "make_node", "no_grad",
           "run_backward", "unbroadcast"]

Backward = Callable[[np.ndarray], Sequence["np.ndarray | None"]]
Axis = int | tuple[int, ...] | None
N = TypeVar("N", bound="Node")

_grad_enabled = True


class ShapeError(DlfsError, ValueError):
    """An operation got operands whose shapes do not fit; the message names the op and shapes."""


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block operations record no graph (like ``torch.no_grad``); nests and
    works as a decorator.

    >>> from dlfs.autograd import Tensor
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


def as_array(data: Any, dtype: Any = None) -> np.ndarray:
    if isinstance(data, Node):
        data = data.data
    return np.asarray(data, dtype=dtype)


class Node:
    """A value in the graph: the array (``data``), its gradient (``grad``), and how it was
    made (``parents``, ``backward_fn``, ``op``). :class:`~dlfs.autograd.tensor.Tensor` adds
    the operators; its docstring describes the constructor."""

    __slots__ = ("data", "grad", "requires_grad", "parents", "backward_fn", "op",
                 "_hooks", "_retains_grad", "__weakref__")

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        self.data = as_array(data)
        if requires_grad and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self.parents: tuple[Node, ...] = ()
        self.backward_fn: Backward | None = None
        self.op = ""
        self._hooks: list[Callable[[np.ndarray], np.ndarray | None]] = []
        self._retains_grad = False

    shape = property(lambda self: self.data.shape, doc="The shape tuple.")
    ndim = property(lambda self: self.data.ndim, doc="The number of axes.")
    dtype = property(lambda self: self.data.dtype, doc="The NumPy dtype.")

    # ---- the graph ---------------------------------------------------------------------

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by an op that recorded a graph)."""
        return self.backward_fn is None

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``grad = None``, like torch's ``set_to_none``)."""
        self.grad = None

    def retain_grad(self) -> None:
        """Also fill ``.grad`` for this non-leaf tensor during backward."""
        self._retains_grad = True

    def register_hook(self, hook: Callable[[np.ndarray], np.ndarray | None]
                      ) -> _HookHandle:
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
            g = as_array(grad, self.dtype)
            if g.shape != self.shape:
                raise ShapeError(t("library.autograd.grad_shape", grad=g.shape, shape=self.shape))
        run_backward(self, g)


class _HookHandle:
    """Returned by :meth:`Tensor.register_hook`; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def make_node(data: np.ndarray, parents: Sequence[N], backward: Backward, op: str) -> N:
    """Wrap ``data`` as the output of operation ``op`` on ``parents``.

    ``backward(g)`` receives dL/dout (shape of ``data``) and returns one gradient (shape of
    that parent) or None per parent. The node records a graph only if grad mode is on and
    some parent requires grad. This is the one way every op, and a custom op, is built; the
    output has the class of the first parent.
    """
    out = type(parents[0])(data)         # a Tensor in, a Tensor out
    if _grad_enabled and any(p.requires_grad for p in parents):
        out.requires_grad = True
        out.parents = tuple(parents)
        out.backward_fn = backward
        out.op = op
    return out


def _needs_grad(node: Node) -> list[Node]:
    return [p for p in node.parents if p.requires_grad]


def run_backward(root: Node, grad: np.ndarray) -> None:
    """The chain rule over the graph, from ``root`` back to the leaves.

    A node's gradient is complete once every child has pushed its share, which reverse
    topological order guarantees; only then do its hooks run and does it push to its parents.
    """
    grads: dict[int, np.ndarray] = {id(root): grad}
    for node in reversed(topological_order(root, _needs_grad)):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        for hook in node._hooks:
            replaced = hook(g)
            if replaced is not None:
                g = as_array(replaced, node.dtype)
        if node.backward_fn is None or node._retains_grad:
            node.grad = g.astype(node.dtype, copy=True) if node.grad is None else node.grad + g
        if node.backward_fn is None:
            continue
        for parent, pg in zip(node.parents, node.backward_fn(g)):
            if pg is None or not parent.requires_grad:
                continue
            key = id(parent)
            grads[key] = pg if key not in grads else grads[key] + pg
