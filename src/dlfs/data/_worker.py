"""What runs inside a DataLoader worker process.

Each worker owns one index queue. It receives tasks ``(key, indices)``, loads
``dataset[i]`` for each index, collates them and puts ``(key, batch)`` on the shared result
queue. ``None`` on the index queue means "exit". A failure is sent back as a
:class:`WorkerFailure` that names the worker, the dataset index and the traceback text, so
the main process can raise a readable error.

Seeding: worker ``w`` seeds Python's ``random`` and torch with ``base_seed + w``, and NumPy
with four 32-bit words that a ``SeedSequence`` mixes from ``(w, base_seed)`` (NumPy seeds
are 32-bit, so the 64-bit base seed is split in halves). These are the seeds torch's own
workers use, so random augmentations differ between workers yet repeat from run to run
when the loader's generator is seeded — and match torch's DataLoader draw for draw.
"""

from __future__ import annotations

import random
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["WorkerFailure", "WorkerInfo", "get_worker_info", "worker_loop"]


@dataclass(frozen=True)
class WorkerInfo:
    """Inside a worker: its id, the number of workers, its seed and its copy of the data set."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The :class:`WorkerInfo` of the current DataLoader worker, or None in the main process.

    >>> get_worker_info() is None
    True
    """
    return _worker_info


@dataclass(frozen=True)
class WorkerFailure:
    """An exception raised inside a worker, carried back as text (it pickles safely)."""

    worker_id: int
    index: Any  # the dataset index being loaded, or None (collate, worker_init_fn)
    stage: str  # "loading", "collating" or "worker_init_fn"
    exc_type: str
    message: str
    traceback: str


def _seed_worker(base_seed: int, worker_id: int) -> None:
    seed = base_seed + worker_id
    random.seed(seed)
    torch.manual_seed(seed)
    mask = 0xFFFFFFFF
    words = np.random.SeedSequence([worker_id, base_seed & mask, base_seed >> 32, 0])
    np.random.seed(words.generate_state(4))


def _fetch(dataset: Any, indices: Any, collate_fn: Callable, auto_collation: bool,
           worker_id: int) -> Any:
    """Load and collate one batch; on error return a WorkerFailure instead of raising."""
    current, stage = None, "loading"
    try:
        if not auto_collation:
            current = indices
            return collate_fn(dataset[indices])
        samples = []
        for current in indices:
            samples.append(dataset[current])
        current, stage = None, "collating"
        return collate_fn(samples)
    except Exception as exc:
        return WorkerFailure(worker_id, current, stage, type(exc).__name__, str(exc),
                             traceback.format_exc())


def worker_loop(dataset: Any, index_queue: Any, result_queue: Any, collate_fn: Callable,
                auto_collation: bool, base_seed: int, worker_id: int, num_workers: int,
                worker_init_fn: Callable[[int], None] | None) -> None:
    """Body of worker process ``worker_id``: seed, run ``worker_init_fn``, then serve tasks."""
    global _worker_info
    seed = base_seed + worker_id
    _seed_worker(base_seed, worker_id)
    torch.set_num_threads(1)  # workers share the cores with the main process
    _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
    if worker_init_fn is not None:
        try:
            worker_init_fn(worker_id)
        except Exception as exc:
            result_queue.put((("init", worker_id), WorkerFailure(
                worker_id, None, "worker_init_fn", type(exc).__name__, str(exc),
                traceback.format_exc())))
            return
    while True:
        try:
            task = index_queue.get()
        except (KeyboardInterrupt, EOFError, OSError):
            return
        if task is None:
            return
        key, indices = task
        result_queue.put((key, _fetch(dataset, indices, collate_fn, auto_collation, worker_id)))
