"""ZeRO stage 1: each rank keeps the optimizer state of its own shard of the parameters.

Plain data parallelism keeps N copies of everything. Per parameter in mixed-precision Adam
training that is 2 bytes (fp16 weight) + 2 (fp16 gradient) + 12 of optimizer state (fp32
master weight, first and second moment) = 16 bytes on every rank. ZeRO (Rajbhandari et al.,
2020) shards the redundant parts over the N ranks:

    stage 1: the optimizer state                  2 + 2 + 12 / N   bytes per parameter
    stage 2: + the gradients                      2 + (2 + 12) / N
    stage 3: + the weights                        (2 + 2 + 12) / N

Stage 1, as here (and torch's ``ZeroRedundancyOptimizer``): the parameters are dealt to the
ranks (largest first, each to the least-loaded rank); after the usual gradient all-reduce,
rank r steps only the parameters it owns — so only it holds their moments — and then every
rank all-gathers the updated values. The update of each parameter is the same arithmetic as
the plain optimizer's, so the trajectory is that of DDP with the plain optimizer, while the
optimizer state per rank falls as 1/N.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
import torch.distributed as dist
from torch import Tensor

from .bucketing import flatten, unflatten
from .env import rank as current_rank
from .env import world_size as current_world_size

__all__ = ["ZeroRedundancyOptimizer", "partition_parameters"]


def partition_parameters(sizes: list[int], world: int) -> list[int]:
    """The owner rank of each parameter (``sizes``: element counts): largest first, each to
    the rank with the fewest elements so far (ties: the lowest rank). Every rank computes
    the same deal.

    >>> partition_parameters([10, 3, 7, 4], 2)      # loads: rank 0 10 + 3, rank 1 7 + 4
    [0, 0, 1, 1]
    """
    if isinstance(world, bool) or not isinstance(world, int) or world < 1:
        raise ValueError(f"partition_parameters: world must be an int >= 1, got {world!r}")
    loads, owners = [0] * world, [0] * len(sizes)
    for i in sorted(range(len(sizes)), key=lambda i: (-sizes[i], i)):
        owner = min(range(world), key=lambda r: (loads[r], r))
        owners[i] = owner
        loads[owner] += sizes[i]
    return owners


def _param_groups(params: Any) -> list[dict[str, Any]]:
    groups = list(params)
    if not groups:
        raise ValueError("ZeroRedundancyOptimizer: params is empty")
    if not isinstance(groups[0], dict):
        groups = [{"params": groups}]
    return [{**g, "params": list(g["params"])} for g in groups]


class ZeroRedundancyOptimizer:
    """ZeRO stage 1 around any optimizer class: ``optimizer_class`` (e.g.
    :class:`dlfs.optim.AdamW`) is built over this rank's shard only.

    Args:
        params: parameters or param groups, as for the optimizer itself.

        optimizer_class: the optimizer to shard.

        rank, world_size: default: the process group's (give both to inspect one rank of a
            world without processes, e.g. its state size; :meth:`step` then needs no group
            only if ``world_size`` is 1 — use :meth:`local_step`).

        ``**defaults``: the optimizer's settings (``lr``, ``betas``, ``weight_decay`` …).

    Use it like the optimizer: ``loss.backward()`` (gradients averaged over the ranks, e.g.
    by DDP), ``zopt.step()``, ``zopt.zero_grad()``. ``param_groups`` are the shard's groups,
    one per given group in the same order, so an LR scheduler works unchanged.
    """

    def __init__(self, params: Iterable[Any], optimizer_class: type, *,
                 rank: int | None = None, world_size: int | None = None, **defaults: Any):
        groups = _param_groups(params)
        self.world_size = current_world_size() if world_size is None else world_size
        self.rank = current_rank() if rank is None else rank
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"ZeroRedundancyOptimizer: rank must be in [0, "
                             f"{self.world_size - 1}], got {self.rank}")
        self.params: list[Tensor] = [p for g in groups for p in g["params"]]
        if len({(p.dtype, p.device) for p in self.params}) > 1:
            raise ValueError("ZeroRedundancyOptimizer: all parameters must share one dtype "
                             "and device (they are all-gathered as one flat tensor)")
        self.owners = partition_parameters([p.numel() for p in self.params], self.world_size)
        owner_of = {id(p): o for p, o in zip(self.params, self.owners)}
        shard_groups = [{**g, "params": [p for p in g["params"]
                                         if owner_of[id(p)] == self.rank]} for g in groups]
        self.optimizer = optimizer_class(shard_groups, **defaults)

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        return self.optimizer.param_groups

    @property
    def state(self) -> Any:
        """The optimizer state of this rank's shard (nothing for the other parameters)."""
        return self.optimizer.state

    def shard(self, rank: int) -> list[Tensor]:
        """The parameters owned by ``rank``, in their order."""
        return [p for p, o in zip(self.params, self.owners) if o == rank]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters (not just the shard's)."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def local_step(self) -> None:
        """Step the shard this rank owns (the other parameters are left as they are)."""
        self.optimizer.step()

    @torch.no_grad()
    def step(self) -> None:
        """Step the own shard, then all-gather: every rank gets every updated parameter."""
        self.local_step()
        if self.world_size > 1:
            self._all_gather()

    def _all_gather(self) -> None:
        shards = [self.shard(r) for r in range(self.world_size)]
        longest = max(sum(p.numel() for p in s) for s in shards)   # all_gather: equal sizes
        buffers = []
        for r, shard in enumerate(shards):
            buffer = torch.zeros(longest, dtype=self.params[0].dtype,
                                 device=self.params[0].device)
            if r == self.rank and shard:
                own = flatten(shard)
                buffer[:own.numel()] = own
            buffers.append(buffer)
        dist.all_gather(buffers, buffers[self.rank].clone())
        for r, shard in enumerate(shards):
            if r != self.rank and shard:
                n = sum(p.numel() for p in shard)
                for p, value in zip(shard, unflatten(buffers[r][:n], shard)):
                    p.copy_(value)

    def state_bytes(self) -> int:
        """Bytes of the tensors in this rank's optimizer state (moments, step counters)."""
        return sum(t.numel() * t.element_size() for s in self.optimizer.state.values()
                   for t in s.values() if isinstance(t, Tensor))
