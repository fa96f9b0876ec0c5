"""Tensor shape tools built from scratch: broadcasting rules and einsum.

``broadcast_shape`` mirrors ``torch.broadcast_shapes``; ``einsum`` mirrors ``torch.einsum``
(one, two or more operands, with ellipsis). Lessons: ``dlfs run broadcasting``,
``dlfs run einsum``.
"""

from .broadcast import BroadcastError, broadcast_shape, expand_dims_for
from .einsum import EinsumError, Equation, einsum, expand_ellipsis, parse_equation

__all__ = [
    "BroadcastError", "EinsumError", "Equation", "broadcast_shape", "einsum",
    "expand_dims_for", "expand_ellipsis", "parse_equation",
]
