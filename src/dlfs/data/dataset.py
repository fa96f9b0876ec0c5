"""Map-style data sets: anything with ``__len__`` and ``__getitem__(i)``.

A data set answers two questions: how many samples are there, and what is sample ``i``?
Everything else (batching, shuffling, workers) is the DataLoader's job.

Our classes subclass :class:`torch.utils.data.Dataset` only so that torch's own DataLoader
accepts them too; the logic below is ours.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import torch
from torch.utils.data import Dataset as _TorchDataset

__all__ = ["ConcatDataset", "Dataset", "Subset", "TensorDataset", "random_split"]

T = TypeVar("T")


class Dataset(_TorchDataset, Generic[T]):
    """Base class: subclasses define ``__getitem__(index) -> sample`` and ``__len__``.

    ``a + b`` concatenates two data sets.
    """

    def __getitem__(self, index: int) -> T:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset[tuple]):
    """Wraps tensors that share their first dimension; sample ``i`` is ``(t[i] for t)``.

    Shapes: each tensor ``(N, ...)``; a sample is a tuple of ``(...)`` slices.

    >>> ds = TensorDataset(torch.arange(6).view(3, 2), torch.tensor([0, 1, 0]))
    >>> len(ds), ds[1]
    (3, (tensor([2, 3]), tensor(1)))
    """

    def __init__(self, *tensors: torch.Tensor):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [t.shape[0] if t.dim() else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset: all tensors need the same first dimension, "
                             f"got shapes {shapes}")
        self.tensors = tensors

    def __getitem__(self, index: int) -> tuple:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset[T]):
    """The samples of ``dataset`` at positions ``indices``, in that order.

    >>> Subset(TensorDataset(torch.arange(5)), [4, 0])[0]
    (tensor(4),)
    """

    def __init__(self, dataset: Any, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, index: int) -> T:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset[T]):
    """Several data sets one after another. Index ``i`` is found by bisecting the running sizes.

    >>> ds = ConcatDataset([TensorDataset(torch.arange(2)), TensorDataset(torch.arange(10, 13))])
    >>> len(ds), ds[3], ds.cumulative_sizes
    (5, (tensor(11),), [2, 5])
    """

    def __init__(self, datasets: Sequence[Any]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset needs at least one data set")
        self.cumulative_sizes: list[int] = []
        total = 0
        for ds in self.datasets:
            total += len(ds)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> T:
        if index < 0:
            if -index > len(self):
                raise IndexError(f"index {index} out of range for length {len(self)}")
            index += len(self)
        if index >= len(self):
            raise IndexError(f"index {index} out of range for length {len(self)}")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _lengths_from_fractions(fractions: Sequence[float], n: int) -> list[int]:
    """floor(n * f) each, then the leftover samples go one by one to the first parts."""
    lengths = [int(math.floor(n * f)) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    return lengths


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: torch.Generator | None = None) -> list[Subset]:
    """Shuffle ``dataset`` once and cut it into parts of the given sizes.

    ``lengths`` are counts summing to ``len(dataset)`` or fractions summing to 1. The shuffle
    is ``torch.randperm(N, generator=generator)``, the same draw as torch's ``random_split``,
    so both give the same parts for the same seed.

    >>> a, b = random_split(range(10), [0.7, 0.3], generator=torch.Generator().manual_seed(0))
    >>> len(a), len(b), sorted(a.indices + b.indices) == list(range(10))
    (7, 3, True)
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1:
        if any(f < 0 or f > 1 for f in lengths):
            raise ValueError(f"random_split: fractions must lie in [0, 1], got {list(lengths)}")
        lengths = _lengths_from_fractions(lengths, n)
    if sum(lengths) != n:
        raise ValueError(f"random_split: lengths {list(lengths)} sum to {sum(lengths)}, "
                         f"but the data set has {n} samples")
    gen = generator if generator is not None else torch.default_generator
    order = torch.randperm(n, generator=gen).tolist()
    parts, offset = [], 0
    for length in lengths:
        parts.append(Subset(dataset, order[offset:offset + int(length)]))
        offset += int(length)
    return parts
