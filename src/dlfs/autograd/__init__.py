"""Two autograd engines from scratch, each readable in one sitting and exact against torch.

- :class:`Value` (``scalar.py``): one number per node; the chain rule at its smallest.
- :class:`Tensor` (``tensor.py``, ``tensor_ops.py``, ``functional.py``): NumPy arrays with
  broadcasting, batched matmul, reductions, indexing, softmax and cross-entropy.
- :func:`gradcheck` (``gradcheck.py``): central differences against either engine or torch.
- ``graph.py``: ``to_dot`` text and a matplotlib drawing of a graph of either engine.
- ``nn.py``: Linear, MLP and SGD on :class:`Tensor`; ``digits.py``: the digits task.
"""

from .functional import concatenate, cross_entropy, log_softmax, softmax, stack
from .gradcheck import GradcheckError, gradcheck
from .scalar import Value
from .tensor import ShapeError, Tensor, is_grad_enabled, make_node, no_grad, unbroadcast

__all__ = [
    "GradcheckError",
    "ShapeError",
    "Tensor",
    "Value",
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
