"""Broadcasting: the shape two (or more) tensors take when an elementwise op combines them.

The rule, applied to shapes aligned at their right end:

1. pad the shorter shapes with 1s on the left until all have the same length;
2. in every dimension the sizes must be equal, or be 1 (a 1 is stretched to the other size);
3. the result takes the largest size in each dimension (0 wins over 1: ``(0,) + (1,) -> (0,)``).

``broadcast_shape`` computes that result from scratch; ``torch.broadcast_shapes`` is the
built-in it mirrors (checked in ``tests/tensors/test_broadcast.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import DlfsError
from ..i18n import t

__all__ = ["BroadcastError", "broadcast_shape", "expand_dims_for"]


class BroadcastError(DlfsError, ValueError):
    """Two shapes that cannot be broadcast together; the message names both and the dimension."""


def _check_shape(shape: Sequence[int], position: int) -> tuple[int, ...]:
    """A shape as a tuple of non-negative ints, or a clear error naming the argument."""
    if isinstance(shape, int):
        shape = (shape,)
    try:
        dims = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise BroadcastError(t("library.broadcast.not_a_shape", position=position,
                                 shape=shape)) from None
    if any(d < 0 for d in dims):
        raise BroadcastError(t("library.broadcast.negative", position=position, dims=dims))
    return dims


def _broadcast_all(shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
    """Apply the rule dimension by dimension, from the right, as broadcasting aligns shapes."""
    n = max((len(s) for s in shapes), default=0)
    padded = [(1,) * (n - len(s)) + s for s in shapes]  # left-pad with 1s to length n
    out: list[int] = []
    for k in range(1, n + 1):  # k-th dimension from the right, i.e. index -k
        sizes = [p[-k] for p in padded]
        stretched = {d for d in sizes if d != 1}
        if len(stretched) > 1:
            names = [str(s) for s in shapes]
            listed = t("library.broadcast.and", first=", ".join(names[:-1]), last=names[-1])
            raise BroadcastError(t("library.broadcast.mismatch", shapes=listed, dim=-k,
                                   ordinal=_ordinal(k), sizes=", ".join(map(str, sizes))))
        out.append(stretched.pop() if stretched else 1)
    return tuple(reversed(out))


def _ordinal(k: int) -> str:
    if k in (1, 2, 3):
        return t(("library.broadcast.1st", "library.broadcast.2nd", "library.broadcast.3rd")[k - 1])
    return t("library.broadcast.nth", k=k)


def broadcast_shape(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape that broadcasting ``shapes`` against each other produces.

    Args:
        ``*shapes``: any number of shapes (tuples/lists of ints, ``torch.Size``, or a bare int).

    Returns:
        The broadcast shape as a tuple (``()`` when no shape is given).

    Raises:
        BroadcastError: when two sizes in one dimension differ and neither is 1; the message
            names the shapes and the dimension.

    >>> broadcast_shape((8, 1, 6, 1), (7, 1, 5))
    (8, 7, 6, 5)
    >>> broadcast_shape((3,), (4, 1), ())
    (4, 3)
    >>> broadcast_shape((2, 3), (3, 2))
    Traceback (most recent call last):
    ...
    dlfs.tensors.broadcast.BroadcastError: shapes (2, 3) and (3, 2) cannot be broadcast: \
dimension -1 (the 1st from the right) has sizes 3, 2; sizes must be equal or 1
    """
    return _broadcast_all([_check_shape(s, i) for i, s in enumerate(shapes)])


def expand_dims_for(shape: Sequence[int], target: Sequence[int]) -> tuple[int, ...]:
    """The dimensions of ``target`` along which a tensor of ``shape`` gets stretched.

    These are exactly the dimensions a gradient must be summed over to go back from the
    broadcast result to the operand (what autograd engines call "unbroadcast").

    >>> expand_dims_for((3, 1), (2, 3, 4))
    (0, 2)
    """
    shape, target = tuple(shape), tuple(target)
    try:
        ok = broadcast_shape(shape, target) == target
    except BroadcastError:
        ok = False
    if not ok:
        raise BroadcastError(t("library.broadcast.not_to", shape=shape, target=target))
    lead = len(target) - len(shape)
    stretched = [i for i in range(lead)]
    stretched += [lead + i for i, d in enumerate(shape) if d == 1 and target[lead + i] != 1]
    return tuple(stretched)
