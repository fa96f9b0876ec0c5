"""Gradient bucketing: average the gradients over the ranks in a few large messages.

Data parallelism averages every gradient over the N ranks after ``backward``:

    g  <-  (g_0 + g_1 + … + g_{N-1}) / N          (the gradient of the mean loss over all
                                                     N shards of the batch)

One all-reduce per parameter would pay the per-message latency hundreds of times; one
all-reduce of everything would wait for the whole backward. DistributedDataParallel's middle
way: pack the gradients into *buckets* of about ``bucket_bytes`` (25 MiB by default), in
reverse order of the parameters — backward produces the last layer's gradients first — and
all-reduce each bucket as one flat tensor (DDP starts each one while backward still runs).

Here the buckets are all-reduced after ``backward`` (simpler; no overlap) with any
all-reduce function (``dist.all_reduce`` or :func:`~dlfs.distributed.ring_all_reduce`);
the gradients equal DDP's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ["all_reduce_gradients", "flatten", "make_buckets", "unflatten"]

DEFAULT_BUCKET_BYTES = 25 * 2**20   # DDP's bucket_cap_mb=25


def make_buckets(tensors: Sequence[Tensor], bucket_bytes: int) -> list[list[int]]:
    """Indices of ``tensors`` grouped into buckets, last tensor first: a bucket is closed as
    soon as it holds at least ``bucket_bytes`` (so one larger tensor makes its own bucket).

    >>> make_buckets([torch.zeros(4), torch.zeros(4), torch.zeros(8)], bucket_bytes=32)
    [[2], [1, 0]]
    """
    if isinstance(bucket_bytes, bool) or not isinstance(bucket_bytes, int) \
            or bucket_bytes < 1:
        raise ValueError(f"make_buckets: bucket_bytes must be an int >= 1, got "
                         f"{bucket_bytes!r}")
    buckets: list[list[int]] = []
    current, size = [], 0
    for i in reversed(range(len(tensors))):
        current.append(i)
        size += tensors[i].numel() * tensors[i].element_size()
        if size >= bucket_bytes:
            buckets.append(current)
            current, size = [], 0
    if current:
        buckets.append(current)
    return buckets


def flatten(tensors: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor holding all of ``tensors`` one after the other (a copy)."""
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten(flat: Tensor, like: Sequence[Tensor]) -> list[Tensor]:
    """Views of ``flat`` with the shapes of ``like`` (the inverse of :func:`flatten`)."""
    sizes = [t.numel() for t in like]
    if flat.numel() != sum(sizes):
        raise ValueError(f"unflatten: flat has {flat.numel()} elements, the shapes need "
                         f"{sum(sizes)}")
    return [part.view_as(t) for part, t in zip(flat.split(sizes), like)]


def all_reduce_gradients(parameters: Iterable[torch.nn.Parameter], *,
                         bucket_bytes: int = DEFAULT_BUCKET_BYTES,
                         all_reduce: Callable[[Tensor], Any] | None = None) -> int:
    """Replace each ``.grad`` by its mean over the ranks, bucket by bucket; returns the
    number of buckets (all-reduce calls). ``all_reduce(flat)`` sums ``flat`` over the ranks
    in place (default ``dist.all_reduce``). Parameters without a gradient are skipped — every
    rank must have gradients for the same parameters."""
    params = [p for p in parameters if p.grad is not None]
    world = dist.get_world_size() if dist.is_initialized() else 1
    if world == 1 or not params:
        return 0
    reduce = all_reduce or dist.all_reduce
    buckets = make_buckets([p.grad for p in params], bucket_bytes)
    for bucket in buckets:
        grads = [params[i].grad for i in bucket]
        flat = flatten(grads)                    # one message for the whole bucket
        reduce(flat)                             # sum over the ranks
        flat /= world                            # the mean
        for grad, part in zip(grads, unflatten(flat, grads)):
            grad.copy_(part)
    return len(buckets)
