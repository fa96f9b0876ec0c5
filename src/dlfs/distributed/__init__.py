"""Training on many processes: the pieces of ``torch.distributed`` data parallelism, written
out and checked against the built-ins.

* :mod:`~dlfs.distributed.env` — rank, world size, joining the group torchrun describes.
* :class:`DistributedSampler` — each rank's shard of every epoch (torch's index sets).
* :func:`ring_all_reduce` — all-reduce over send/recv: reduce-scatter, then all-gather.
* :func:`all_reduce_gradients` — DDP's gradient averaging, in buckets of a byte size.
* :class:`ZeroRedundancyOptimizer` — ZeRO stage 1: each rank keeps the optimizer state of
  its shard of the parameters.
* :class:`~dlfs.distributed.sync_batchnorm.SyncBatchNorm` — batch statistics over all
  ranks (torch's needs CUDA); imported from its module (it loads ``dlfs.nn``, which
  ``dlfs.train`` — importing this package — does not need).
* :func:`launch` — ``--nproc N``: N processes through torchrun on this machine;
  :func:`run_processes` — a function in N forked gloo processes (tests, lessons).

``dlfs.train.fit`` uses torch's own DistributedDataParallel; these are the same ideas in
readable form, each proven equal to the built-in by tests/distributed.
"""

from .bucketing import all_reduce_gradients
from .env import (
    barrier,
    destroy,
    init_from_env,
    is_distributed,
    is_main_process,
    launched_by_torchrun,
    rank,
    world_size,
)
from .launch import launch, run_processes
from .ring import ring_all_reduce, simulate_ring_all_reduce
from .sampler import DistributedSampler
from .zero import ZeroRedundancyOptimizer

__all__ = ["DistributedSampler", "ZeroRedundancyOptimizer",
           "all_reduce_gradients", "barrier", "destroy",
           "init_from_env", "is_distributed", "is_main_process", "launch",
           "launched_by_torchrun", "rank", "ring_all_reduce", "run_processes",
           "simulate_ring_all_reduce", "world_size"]
