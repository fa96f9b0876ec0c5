"""Collation: turn a list of samples into one batch.

``default_collate`` follows the structure of the first sample and recurses:

=====================  ===============================================
sample element         batch element
=====================  ===============================================
tensor ``(...)``       ``torch.stack`` → ``(B, ...)``
NumPy array            converted to a tensor, then stacked
NumPy scalar           tensor ``(B,)`` of its dtype
float / int / bool     tensor ``(B,)`` float64 / int64 / bool
str / bytes            the list of them, unchanged
dict                   dict of collated values, key by key
namedtuple             the same namedtuple of collated fields
tuple / list           a list (tuple) or same-type sequence of collated positions
=====================  ===============================================

These are the rules of ``torch.utils.data.default_collate`` for these types.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["default_collate", "default_convert"]

_NUMPY_BAD_KINDS = "SaUO"  # byte strings, unicode, void and object arrays cannot become tensors


def _unsupported(elem: Any) -> TypeError:
    return TypeError("default_collate: a batch must hold tensors, NumPy arrays, numbers, "
                     f"strings, dicts or sequences; found {type(elem)}")


def _collate_tensors(batch: list[torch.Tensor]) -> torch.Tensor:
    shapes = {tuple(t.shape) for t in batch}
    if len(shapes) > 1:
        raise RuntimeError(f"default_collate: cannot stack tensors of different shapes "
                           f"{sorted(shapes)}; pad them or pass a collate_fn")
    return torch.stack(batch, 0)  # (B, ...)


def _collate_numpy(batch: list[Any]) -> torch.Tensor:
    elem = batch[0]
    if elem.dtype.kind in _NUMPY_BAD_KINDS:
        raise _unsupported(elem)
    if isinstance(elem, np.ndarray) and elem.shape != ():
        return _collate_tensors([torch.as_tensor(b) for b in batch])
    return torch.as_tensor(np.asarray(batch))  # NumPy scalars -> (B,)


def _collate_sequence(batch: list[Any]) -> Any:
    elem = batch[0]
    if any(len(s) != len(elem) for s in batch):
        raise RuntimeError("default_collate: each element in list of batch should be of "
                           f"equal size, got sizes {[len(s) for s in batch]}")
    columns = list(zip(*batch))
    if isinstance(elem, tuple):
        return [default_collate(c) for c in columns]
    if isinstance(elem, MutableSequence):
        clone = copy.copy(elem)
        for i, c in enumerate(columns):
            clone[i] = default_collate(c)
        return clone
    try:
        return type(elem)([default_collate(c) for c in columns])
    except TypeError:
        return [default_collate(c) for c in columns]


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of ``B`` samples into one batch (rules in the module docstring).

    >>> default_collate([(torch.zeros(2), 1), (torch.ones(2), 0)])
    [tensor([[0., 0.],
            [1., 1.]]), tensor([1, 0])]
    >>> default_collate([{"x": 1.5, "name": "a"}, {"x": 2.0, "name": "b"}])
    {'x': tensor([1.5000, 2.0000], dtype=torch.float64), 'name': ['a', 'b']}
    """
    if not batch:
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, torch.Tensor):
        return _collate_tensors(batch)
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        return _collate_numpy(batch)
    if isinstance(elem, float):
        return torch.tensor(batch, dtype=torch.float64)
    if isinstance(elem, int):  # bool is an int: a list of bools becomes a bool tensor
        return torch.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        if isinstance(elem, MutableMapping):  # keeps OrderedDict, defaultdict, ... types
            clone = copy.copy(elem)
            clone.update(collated)
            return clone
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(c) for c in zip(*batch)))
    if isinstance(elem, Sequence):
        return _collate_sequence(batch)
    if isinstance(elem, numbers.Number):
        return torch.tensor(batch)
    raise _unsupported(elem)


def default_convert(data: Any) -> Any:
    """Without batching (``batch_size=None``): NumPy arrays become tensors, the rest recurses.

    >>> default_convert({"x": np.arange(3)})
    {'x': tensor([0, 1, 2])}
    """
    if isinstance(data, np.ndarray) and data.dtype.kind not in _NUMPY_BAD_KINDS:
        return torch.as_tensor(data)
    if isinstance(data, Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, list):
        return [default_convert(d) for d in data]
    return data
