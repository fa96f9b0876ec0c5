"""Who am I in a multi-process run? Rank and world size, and joining the process group.

``torchrun --nproc_per_node N script`` starts N copies of ``script`` and tells each one its
place through environment variables: ``RANK`` (0 … N-1 over all machines), ``LOCAL_RANK``
(on this machine), ``WORLD_SIZE`` (N times the machines) and ``MASTER_ADDR``/``MASTER_PORT``
(where the rendezvous is). :func:`init_from_env` reads them and joins the default process
group — gloo on the CPU, NCCL on GPUs — so the same script runs alone (no variables: world
size 1, nothing to join) or as one of many.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

__all__ = ["barrier", "destroy", "init_from_env", "is_distributed", "is_main_process",
           "launched_by_torchrun", "rank", "world_size"]


def launched_by_torchrun() -> bool:
    """True in a process started by ``torchrun`` (or anything that sets RANK and
    WORLD_SIZE the same way)."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def is_distributed() -> bool:
    """True when a process group with more than one process is up."""
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def world_size() -> int:
    """How many processes train together (1 without a process group)."""
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    """This process's number, 0 … world_size - 1 (0 without a process group)."""
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def is_main_process() -> bool:
    """Rank 0: the one process that prints, logs and writes checkpoints."""
    return rank() == 0


def init_from_env(backend: str | None = None) -> bool:
    """Join the default process group if torchrun's variables say there is more than one
    process and no group is up yet; returns True if it joined one now.

    ``backend``: ``"gloo"`` (CPU tensors; the default without CUDA) or ``"nccl"`` (GPU
    tensors; the default with CUDA). Each process then uses ``cuda:LOCAL_RANK``.
    """
    if not launched_by_torchrun() or int(os.environ["WORLD_SIZE"]) < 2:
        return False
    if not dist.is_available():
        raise RuntimeError("init_from_env: this torch build has no torch.distributed")
    if dist.is_initialized():
        return False
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend not in ("gloo", "nccl"):
        raise ValueError(f"init_from_env: backend must be 'gloo' or 'nccl', got {backend!r}")
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend)          # reads MASTER_ADDR, MASTER_PORT, RANK, …
    return True


def barrier() -> None:
    """Wait until every process gets here (no-op without a process group)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def destroy() -> None:
    """Leave the process group, if one is up (call it once, at the end of a run)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
