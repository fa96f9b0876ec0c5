"""Two autograd engines from scratch, each readable in one sitting and exact against torch.

- :class:`Value` (``scalar.py``): one number per node; the chain rule at its smallest. Its
  graphs hold no reference cycles, so :func:`collector_paused` can switch Python's cyclic
  garbage collector off around a training step. ``classic_scalar.py`` is the closure-per-node
  engine it is measured against (one cycle per node); ``scalar_demo.py`` is the demo step
  both run (two moons, hinge loss, SGD) and the measurements.
- :class:`Tensor`: NumPy arrays with broadcasting, batched matmul, reductions, indexing,
  softmax and cross-entropy. ``tensor_graph.py`` (nodes, grad mode, backward) <-
  ``tensor_ops.py`` (each operation with its derivative) <- ``tensor.py`` (the class with
  its operators) <- ``tensor_functions.py`` (softmax, log_softmax, cross_entropy,
  concatenate, stack) <- ``tensor_layers.py`` (Module, Linear, MLP and SGD).
- ``topo.py``: the topological order both engines' backward passes walk.
- :func:`gradcheck` (``gradcheck.py``): central differences against either engine or torch.
- ``drawing.py``: ``to_dot`` text and a matplotlib drawing of a graph of either engine.

The digits task the Tensor engine trains on is a recipe: ``dlfs.recipes.numpy_digits``.
"""

from .gradcheck import GradcheckError, gradcheck
from .scalar import Value, collector_paused
from .tensor import ShapeError, Tensor, is_grad_enabled, make_node, no_grad, unbroadcast
from .tensor_functions import concatenate, cross_entropy, log_softmax, softmax, stack

__all__ = [
    "GradcheckError",
    "ShapeError",
    "Tensor",
    "Value",
    "collector_paused",
    "concatenate",
    "cross_entropy",
    "gradcheck",
    "is_grad_enabled",
    "log_softmax",
    "make_node",
    "no_grad",
    "softmax",
    "stack",
    "unbroadcast",
]
