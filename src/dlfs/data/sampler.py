"""Samplers decide the ORDER in which a DataLoader visits a data set.

* :class:`SequentialSampler` — 0, 1, 2, … (evaluation).
* :class:`RandomSampler` — a fresh permutation each epoch (training). Without replacement it
  draws ``torch.randperm(N, generator=g)``, the same draw torch's RandomSampler makes, so the
  two give the same order for the same generator state.
* :class:`BatchSampler` — groups any sampler's indices into lists of ``batch_size``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized

import torch
from torch.utils.data import Sampler as _TorchSampler

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler"]


class Sampler(_TorchSampler):
    """Base class: ``__iter__`` yields indices (or lists of indices); ``__len__`` counts them."""

    def __init__(self, data_source: Sized | None = None):
        self.data_source = data_source

    def __iter__(self) -> Iterator:
        raise NotImplementedError


class SequentialSampler(Sampler):
    """Indices ``0 … N-1`` in order.

    >>> list(SequentialSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of ``0 … N-1`` (or ``num_samples`` draws with replacement).

    Without a generator a new one is seeded from torch's global RNG each epoch, so
    ``torch.manual_seed`` makes the order reproducible; with a generator the epochs follow
    from its state.

    >>> g = torch.Generator().manual_seed(0)
    >>> order = list(RandomSampler(range(5), generator=g))
    >>> sorted(order)
    [0, 1, 2, 3, 4]
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: torch.Generator | None = None):
        super().__init__(data_source)
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement must be a bool, got {replacement!r}")
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples must be a positive int, got {self.num_samples!r}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _epoch_generator(self) -> torch.Generator:
        if self.generator is not None:
            return self.generator
        seed = int(torch.empty((), dtype=torch.int64).random_().item())  # from the global RNG
        return torch.Generator().manual_seed(seed)

    def __iter__(self) -> Iterator[int]:
        n, m = len(self.data_source), self.num_samples
        g = self._epoch_generator()
        if self.replacement:  # drawn in chunks of 32, as torch does, to keep the same stream
            for _ in range(m // 32):
                yield from torch.randint(n, (32,), dtype=torch.int64, generator=g).tolist()
            yield from torch.randint(n, (m % 32,), dtype=torch.int64, generator=g).tolist()
            return
        for _ in range(m // n):  # whole permutations, then part of one more
            yield from torch.randperm(n, generator=g).tolist()
        yield from torch.randperm(n, generator=g).tolist()[: m % n]

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    The last, shorter batch is kept unless ``drop_last``.

    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> len(BatchSampler(range(5), 2, drop_last=True))
    2
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last must be a bool, got {drop_last!r}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size
