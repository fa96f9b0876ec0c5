"""Tensor shape tools built from scratch: broadcasting rules and einsum.

``broadcast_shape`` mirrors ``torch.broadcast_shapes``; ``einsum`` mirrors ``torch.einsum``
(one, two or more operands, with ellipsis). Lessons: ``dlfs run broadcasting``,
``dlfs run einsum``. ``shape_trace`` records the shape of every tensor a model makes (the
GPT's ``explain``).
"""

from .broadcast import BroadcastError, broadcast_shape, expand_dims_for
from .einsum import EinsumError, Equation, einsum, expand_ellipsis, parse_equation
from .shape_trace import TraceRow, format_trace

__all__ = [
    "BroadcastError", "EinsumError", "Equation", "TraceRow", "broadcast_shape", "einsum",
    "expand_dims_for", "expand_ellipsis", "format_trace", "parse_equation",
]
