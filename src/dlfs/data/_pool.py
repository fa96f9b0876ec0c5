"""Worker processes for the DataLoader: a pool, and an iterator that reassembles batches in order.

Main process                                   worker w  (w = 0 … W-1)
------------                                   --------
batch j  --(tag, j), indices-->  index_queue[j % W]  -->  load + collate
reorder buffer  <-- (tag, j), batch --  result_queue (shared)  <--

Up to ``prefetch_factor * W`` batches are in flight. Results may arrive out of order; the
iterator keeps them in a dict until batch ``j`` is the next one to hand out. Each epoch gets a
new ``tag``, so results left over from an abandoned epoch of a persistent pool are dropped.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import queue
import sys
import time
import weakref
from typing import Any

from ..errors import DlfsError
from ..i18n import t
from ._worker import WorkerFailure, worker_loop
from .errors import DataLoaderWorkerError

_POLL_S = 0.2  # how often a waiting main process checks that its workers are alive
_tags = itertools.count()


def _context() -> Any:
    """'fork' on Linux (fast start, no pickling of the data set); 'spawn' elsewhere."""
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def _shutdown(workers: list, index_queues: list, result_queue: Any, grace: list[float]) -> None:
    for q in index_queues:
        try:
            q.put(None)
        except (OSError, ValueError):
            pass
    for w in workers:
        w.join(timeout=grace[0])
        if w.is_alive():
            w.terminate()
            w.join(timeout=1.0)
    for q in [*index_queues, result_queue]:
        q.cancel_join_thread()
        q.close()


class WorkerPool:
    """``num_workers`` processes, each with its own index queue, sharing one result queue."""

    def __init__(self, loader: Any, base_seed: int):
        ctx = _context()
        self.num_workers = loader.num_workers
        self.base_seed = base_seed
        self.result_queue = ctx.Queue()
        self.index_queues, self.workers = [], []
        for worker_id in range(self.num_workers):
            index_queue = ctx.Queue()
            process = ctx.Process(
                target=worker_loop, daemon=True,
                args=(loader.dataset, index_queue, self.result_queue, loader.collate_fn,
                      loader._auto_collation, base_seed, worker_id, self.num_workers,
                      loader.worker_init_fn))
            process.start()
            self.index_queues.append(index_queue)
            self.workers.append(process)
        self._grace = [2.0]  # seconds a worker gets to exit before it is terminated
        self._finalizer = weakref.finalize(self, _shutdown, self.workers, self.index_queues,
                                           self.result_queue, self._grace)

    @property
    def alive(self) -> bool:
        return self._finalizer.alive

    def shutdown(self, grace: float = 2.0) -> None:
        """Ask every worker to exit, wait up to ``grace`` s, terminate stragglers, close queues."""
        self._grace[0] = grace
        self._finalizer()

    def dead_worker(self) -> tuple[int, int | None] | None:
        """``(worker_id, exitcode)`` of a worker that has exited, or None."""
        for worker_id, w in enumerate(self.workers):
            if not w.is_alive():
                return worker_id, w.exitcode
        return None


class MultiProcessIter:
    """Iterates one epoch plan with a worker pool, handing batches out in sampler order."""

    def __init__(self, loader: Any, plan: Any, pool: WorkerPool, end: object):
        self.loader, self.plan, self.pool = loader, plan, pool
        self.tag = next(_tags)
        self._end = end
        self.next_send = self.next_yield = plan.num_yielded
        self.buffer: dict[int, Any] = {}
        prefetch = loader.prefetch_factor if loader.prefetch_factor is not None else 2
        for _ in range(prefetch * pool.num_workers):
            self._send()

    def __iter__(self) -> MultiProcessIter:
        return self

    def _send(self) -> None:
        j = self.next_send
        indices = self.plan.get(j)
        if indices is self._end:
            return
        self.pool.index_queues[j % self.pool.num_workers].put(((self.tag, j), indices))
        self.next_send += 1

    def _close(self) -> None:
        if not self.loader.persistent_workers:
            self.pool.shutdown()

    def __next__(self) -> Any:
        if self.plan.get(self.next_yield) is self._end:
            self._close()
            raise StopIteration
        j = self.next_yield
        while j not in self.buffer:
            key, data = self._receive(j)
            if key[0] == "init":
                self._raise(data, j)
            if key[0] == self.tag:
                self.buffer[key[1]] = data
        data = self.buffer.pop(j)
        if isinstance(data, WorkerFailure):
            self._raise(data, j)
        self.next_yield += 1
        self.plan.num_yielded = self.next_yield
        self._send()
        return data

    def _receive(self, j: int) -> tuple:
        timeout = self.loader.timeout
        start = time.monotonic()
        while True:
            try:
                return self.pool.result_queue.get(timeout=_POLL_S)
            except queue.Empty:
                pass
            dead = self.pool.dead_worker()
            if dead is not None:
                self.pool.shutdown(grace=0.1)
                worker_id, code = dead
                raise DataLoaderWorkerError(
                    t("library.loader.worker_died", worker=worker_id, code=code, batch=j),
                    worker_id, None)
            if timeout and time.monotonic() - start > timeout:
                self.pool.shutdown(grace=0.1)
                raise DlfsError(t("library.loader.timeout", timeout=timeout, batch=j))

    def _raise(self, failure: WorkerFailure, j: int) -> None:
        self.pool.shutdown(grace=0.5)
        what = (t("library.loader.at_index", index=failure.index) if failure.index is not None
                else t("library.loader.at_stage", stage=failure.stage))
        batch = self.plan.order[j] if failure.stage != "worker_init_fn" else None
        where = (t("library.loader.at_batch", batch=j, epoch=self.plan.epoch, indices=batch)
                 if batch is not None else "")
        raise DataLoaderWorkerError(
            t("library.loader.worker_raised", worker=failure.worker_id, exc=failure.exc_type,
              what=what, where=where, message=failure.message, traceback=failure.traceback),
            failure.worker_id, failure.index, failure.traceback)

    def __del__(self) -> None:
        if not getattr(self.loader, "persistent_workers", True):
            self.pool.shutdown()
