"""Sharding the data among processes: each rank reads a disjoint slice of every epoch.

With N processes (ranks 0 … N-1) and a data set of n samples, every epoch ::

    order   = a permutation of 0 … n-1 drawn from seed + epoch   (or 0 … n-1 unshuffled)
    order   = order repeated until it has N * m entries           (m = ceil(n / N))
              (or, with drop_last, cut to N * m with m = floor(n / N))
    rank r  reads  order[r], order[r + N], order[r + 2N], …       (m samples)

so the ranks together see each sample once (a few twice when n is not a multiple of N and
nothing is dropped, so that all ranks do the same number of steps — a rank with fewer
batches would wait forever in the gradient all-reduce). Every rank draws the same
permutation because they share ``seed``; call :meth:`DistributedSampler.set_epoch` at each
epoch start (``fit`` does) or every epoch repeats the same order.

A useful consequence: batch j of rank r is ``order[(j*b + i)*N + r]`` for i < b, so the union
over the ranks of their batch j is ``order[j*N*b : (j+1)*N*b]`` — exactly batch j of a single
process that reads the same order in batches of ``B = N * b``. Hence N processes with
batch b each follow the trajectory of one process with batch N*b.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import torch

from .env import rank as current_rank
from .env import world_size

__all__ = ["DistributedSampler"]


class DistributedSampler:
    """The indices of one rank, as ``torch.utils.data.DistributedSampler`` (same index sets
    for the same seed, epoch, world size, padding and ``drop_last``).

    Args:
        dataset: anything with ``len()``.
        num_replicas: N, the number of ranks (default: the process group's world size).
        rank: this rank, 0 … N-1 (default: the process group's rank).
        shuffle: a new permutation every epoch, drawn from ``seed + epoch``.
        seed: the same on every rank.
        drop_last: cut the tail so N divides it, instead of padding with repeats.

    >>> [list(DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
    ...  for r in (0, 1)]
    [[0, 2, 4], [1, 3, 0]]
    """

    def __init__(self, dataset: Sized, num_replicas: int | None = None,
                 rank: int | None = None, shuffle: bool = True, seed: int = 0,
                 drop_last: bool = False):
        num_replicas = world_size() if num_replicas is None else num_replicas
        rank = current_rank() if rank is None else rank
        if isinstance(num_replicas, bool) or not isinstance(num_replicas, int) \
                or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be an int >= 1, "
                             f"got {num_replicas!r}")
        if isinstance(rank, bool) or not isinstance(rank, int) \
                or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: rank must be an int in [0, "
                             f"{num_replicas - 1}] for num_replicas={num_replicas}, got {rank!r}")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last = shuffle, seed, drop_last
        self.epoch = 0
        n = len(dataset)
        # m samples per rank: every rank must do the same number of steps
        self.num_samples = n // num_replicas if drop_last else math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of ``seed + epoch`` from the next ``iter()`` on."""
        self.epoch = epoch

    def order(self) -> list[int]:
        """The whole epoch's order, padded or cut to ``total_size`` (before the slicing)."""
        n = len(self.dataset)
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(n, generator=g).tolist()
        else:
            order = list(range(n))
        if n and len(order) < self.total_size:   # pad by repeating the order from its start
            order = order * math.ceil(self.total_size / n)
        return order[:self.total_size]

    def __iter__(self) -> Iterator[int]:
        return iter(self.order()[self.rank::self.num_replicas])   # every N-th, from rank r

    def __len__(self) -> int:
        return self.num_samples
