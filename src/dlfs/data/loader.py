"""The DataLoader: sampler → batches of indices → samples → collate → (workers) → batches.

Each epoch starts from a *plan*: a base seed for the workers and the list of index batches,
both drawn up front from the loader's ``generator`` (base seed first, then the sampler's
permutation — the order torch's DataLoader draws them in, so both give the same batches for the
same seed). The plan plus the number of batches already handed out is the iteration state:
``state_dict()`` saves it and ``load_state_dict()`` makes the next ``iter(loader)`` continue
from the same batch of the same epoch.

With ``num_workers = W`` the batches are dealt out in turn, batch j to worker j mod W (see
``_pool.py``); :func:`worker_indices` lists what one worker loads in an unshuffled epoch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.utils.data as tud

from ._pool import MultiProcessIter, WorkerPool
from .collate import default_collate, default_convert
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "worker_indices"]


_END = object()  # returned by _EpochPlan.get past the last batch


def _pack_order(order: list[Any]) -> Any:
    """An epoch's index batches as two int64 tensors (flat indices, batch lengths) when they
    are plain ints: saving 10^5 Python ints one by one makes checkpoints slow."""
    if all(isinstance(i, int) for i in order):
        return {"flat": torch.tensor(order, dtype=torch.int64), "lengths": None}
    if all(isinstance(b, list) and all(isinstance(i, int) for i in b) for b in order):
        return {"flat": torch.tensor([i for b in order for i in b], dtype=torch.int64),
                "lengths": torch.tensor([len(b) for b in order], dtype=torch.int64)}
    return list(order)


def _unpack_order(packed: Any) -> list[Any]:
    """Inverse of :func:`_pack_order`."""
    if not isinstance(packed, dict):
        return list(packed)
    flat = packed["flat"].tolist()
    if packed["lengths"] is None:
        return flat
    out, pos = [], 0
    for n in packed["lengths"].tolist():
        out.append(flat[pos:pos + n])
        pos += n
    return out


@dataclass
class _EpochPlan:
    """One epoch: its number, the workers' base seed, the index batches, how many were yielded.

    Batches are pulled from the sampler lazily (``source``), as torch does, so the generator is
    consumed at the same moments; :meth:`materialize` pulls the rest for a state_dict.
    """

    epoch: int
    base_seed: int
    order: list[Any]
    num_yielded: int = 0
    source: Iterator[Any] | None = field(default=None, repr=False)

    def get(self, j: int) -> Any:
        """Batch ``j`` of the epoch, or ``_END`` when the epoch has fewer batches."""
        while self.source is not None and len(self.order) <= j:
            try:
                self.order.append(next(self.source))
            except StopIteration:
                self.source = None
        return self.order[j] if j < len(self.order) else _END

    def materialize(self) -> list[Any]:
        while self.source is not None:
            self.get(len(self.order))
        return self.order

    @property
    def done(self) -> bool:
        return self.get(self.num_yielded) is _END


def _pin(data: Any) -> Any:
    """Page-lock every tensor in ``data`` (only meaningful when a CUDA device exists)."""
    if isinstance(data, torch.Tensor):
        return data.pin_memory()
    if isinstance(data, dict):
        return {k: _pin(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)) and not hasattr(data, "_fields"):
        return type(data)(_pin(v) for v in data)
    return data


class _SingleProcessIter:
    """``num_workers=0``: load each batch in the main process when it is asked for."""

    def __init__(self, loader: DataLoader, plan: _EpochPlan):
        self.loader, self.plan = loader, plan

    def __iter__(self) -> _SingleProcessIter:
        return self

    def __next__(self) -> Any:
        indices = self.plan.get(self.plan.num_yielded)
        if indices is _END:
            raise StopIteration
        loader = self.loader
        if loader._auto_collation:
            data = loader.collate_fn([loader.dataset[i] for i in indices])
        else:
            data = loader.collate_fn(loader.dataset[indices])
        self.plan.num_yielded += 1
        return data


class DataLoader:
    """Iterate over ``dataset`` in batches (the torch API subset a learner uses).

    Args:
        dataset: map-style data set (``__len__`` and ``__getitem__``).
        batch_size: samples per batch; ``None`` yields single samples (no collation).
        shuffle: a new random order every epoch (a :class:`RandomSampler` with ``generator``).
        sampler / batch_sampler: custom index order / custom index batches.
        num_workers: 0 loads in the main process; ``W > 0`` starts W worker processes.
        collate_fn: list of samples → batch (default :func:`default_collate`).
        pin_memory: page-lock batches for faster host→GPU copies (no-op without CUDA).
        drop_last: drop the last, short batch.
        timeout: seconds to wait for a worker's batch (0: wait forever).
        worker_init_fn: called as ``fn(worker_id)`` in each worker after seeding.
        generator: the RNG for the order and the worker seeds.
        persistent_workers: keep the workers alive between epochs.
        prefetch_factor: batches in flight per worker (default 2 with workers).

    >>> from dlfs.data import TensorDataset
    >>> ds = TensorDataset(torch.arange(10.0).view(5, 2), torch.arange(5))
    >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
    [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 generator: torch.Generator | None = None, persistent_workers: bool = False,
                 prefetch_factor: int | None = None):
        if isinstance(dataset, tud.IterableDataset):
            raise TypeError("dlfs.data.DataLoader reads map-style data sets (len and [i]); "
                            "use torch.utils.data.DataLoader for an IterableDataset")
        _check_options(batch_size, shuffle, sampler, batch_sampler, num_workers, drop_last,
                       timeout, persistent_workers, prefetch_factor)
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size if batch_sampler is None else getattr(
            batch_sampler, "batch_size", batch_size)
        self.drop_last = drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers = num_workers
        self._auto_collation = batch_sampler is not None
        self.collate_fn = collate_fn or (default_collate if self._auto_collation
                                         else default_convert)
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.generator = generator
        self.persistent_workers = persistent_workers
        self.prefetch_factor = prefetch_factor
        self._epochs_started = 0
        self._plan: _EpochPlan | None = None
        self._resume_pending = False
        self._pool: WorkerPool | None = None

    @property
    def _index_sampler(self) -> Any:
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self) -> int:
        """Number of batches per epoch (samples when ``batch_size=None``)."""
        return len(self._index_sampler)

    def _new_plan(self, draw_seed: bool) -> _EpochPlan:
        base_seed = (int(torch.empty((), dtype=torch.int64).random_(generator=self.generator))
                     if draw_seed else self._pool.base_seed)
        plan = _EpochPlan(self._epochs_started, base_seed, [], source=iter(self._index_sampler))
        self._epochs_started += 1
        return plan

    def __iter__(self) -> Iterator[Any]:
        reuse_pool = (self.persistent_workers and self._pool is not None and self._pool.alive)
        resume = self._resume_pending and self._plan is not None and not self._plan.done
        self._resume_pending = False
        if not resume:  # a fresh epoch, as torch starts one on every iter(loader)
            self._plan = self._new_plan(draw_seed=not reuse_pool)
        plan = self._plan
        if self.num_workers == 0:
            batches: Iterator[Any] = _SingleProcessIter(self, plan)
        else:
            if not reuse_pool:
                self._pool = WorkerPool(self, plan.base_seed)
            batches = MultiProcessIter(self, plan, self._pool, _END)
        if self.pin_memory and torch.cuda.is_available():
            return map(_pin, batches)
        return batches

    def state_dict(self) -> dict[str, Any]:
        """The iteration state: the current epoch's plan, batches yielded, generator state.

        The epoch's index batches are stored explicitly, so the current epoch resumes exactly
        even without a ``generator`` (later epochs then follow torch's global RNG, which a
        checkpoint saves separately). Taking a state pulls the rest of the epoch's order from
        the sampler at once. Only plain Python values and tensors, so it loads with
        ``torch.load(weights_only=True)``.
        """
        plan = self._plan
        if plan is not None:
            plan.materialize()
        return {
            "epochs_started": self._epochs_started,
            "epoch": plan.epoch if plan else None,
            "base_seed": plan.base_seed if plan else None,
            "order": [list(b) if isinstance(b, list) else b for b in plan.order] if plan else None,
            "num_yielded": plan.num_yielded if plan else 0,
            "generator_state": self.generator.get_state() if self.generator is not None else None,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`; the next ``iter(self)`` continues where it stopped."""
        if state["generator_state"] is not None:
            if self.generator is None:
                raise ValueError("load_state_dict: the state has a generator state but this "
                                 "DataLoader has no generator; pass generator=torch.Generator()")
            self.generator.set_state(state["generator_state"])
        self._epochs_started = int(state["epochs_started"])
        self._plan = None
        if state["order"] is not None:
            self._plan = _EpochPlan(int(state["epoch"]), int(state["base_seed"]),
                                    _unpack_order(state["order"]), int(state["num_yielded"]))
        self._resume_pending = True

    def shutdown_workers(self) -> None:
        """Stop persistent workers now (they also stop when the loader is garbage collected)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def _check_options(batch_size: int | None, shuffle: bool, sampler: Any, batch_sampler: Any,
                   num_workers: int, drop_last: bool, timeout: float,
                   persistent_workers: bool, prefetch_factor: int | None) -> None:
    """Reject contradictory DataLoader arguments with a message that says which ones."""
    if not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(f"num_workers must be an int >= 0, got {num_workers!r}")
    if timeout < 0:
        raise ValueError(f"timeout must be >= 0, got {timeout!r}")
    if sampler is not None and shuffle:
        raise ValueError("sampler and shuffle=True are mutually exclusive: the sampler "
                         "already decides the order")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                      or drop_last):
        raise ValueError("batch_sampler is mutually exclusive with batch_size, shuffle, "
                         "sampler and drop_last")
    if batch_size is None and drop_last:
        raise ValueError("drop_last=True needs a batch_size (got batch_size=None)")
    if num_workers == 0 and (persistent_workers or prefetch_factor is not None):
        raise ValueError("persistent_workers and prefetch_factor need num_workers > 0")
    if prefetch_factor is not None and prefetch_factor < 1:
        raise ValueError(f"prefetch_factor must be >= 1, got {prefetch_factor!r}")


def worker_indices(num_samples: int, batch_size: int, num_workers: int, worker_id: int,
                   drop_last: bool = False) -> list[int]:
    """The data set indices worker ``worker_id`` of ``num_workers`` loads in one unshuffled
    epoch of ``num_samples`` samples in batches of ``batch_size``, in its order.

    The DataLoader (like torch's) sends whole batches to the workers in turn: batch j goes
    to worker j mod W, so worker k loads batches k, k + W, k + 2W, ... The last batch may be
    shorter, or is dropped with ``drop_last``. Over all workers each index of the epoch
    appears exactly once.

    >>> worker_indices(10, 2, 2, 0), worker_indices(10, 2, 2, 1)
    ([0, 1, 4, 5, 8, 9], [2, 3, 6, 7])
    """
    batches = [list(range(start, min(start + batch_size, num_samples)))
               for start in range(0, num_samples, batch_size)]
    if drop_last and batches and len(batches[-1]) < batch_size:
        batches.pop()
    return [i for batch in batches[worker_id::num_workers] for i in batch]
