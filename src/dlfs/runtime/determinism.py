"""Bitwise-repeatable kernels for the length of a block: :func:`deterministic_algorithms`.

Two runs with the same seed and the same inputs can still differ in the last bits when a
kernel adds floating-point numbers in an order that depends on thread timing. On the CPU the
one such kernel a dlfs model meets is ``index_put_(..., accumulate=True)``, the backward of
indexing with repeated indices (an embedding lookup ``weight[ids]``): with more than one
thread and at least 32,768 values (``at::internal::GRAIN_SIZE``) torch adds float32 values
with atomic compare-and-swap adds, so the order of the additions, and the rounding, changes
from run to run. ``torch.use_deterministic_algorithms(True)`` makes torch take its serial
loop instead (measured on 2 threads: one result in 50 repetitions instead of 30 different
ones, and no slower, since the atomic adds contend). The other CPU kernels our models use
(matmul, reductions, softmax, the optimizers' foreach ops) split their work by the thread
count only, so they repeat exactly at a fixed thread count: measured, two 2-thread runs of
the capstone and of every recipe's ``--quick`` run are bitwise equal with this on. (Across
different thread counts results still differ in the last bits: the splits differ.)

How it was found: a ``TorchDispatchMode`` hashed every op's inputs and outputs in two
2-thread runs of the capstone; the first op with equal inputs and different outputs was
``aten.index_put`` (accumulate) of shape (12, 64, 64) into the (103, 64) token embedding,
at step 2 (the 64 x 64 position-embedding backward is below the threshold, so serial).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.utils.deterministic

__all__ = ["deterministic_algorithms"]


@contextmanager
def deterministic_algorithms(enabled: bool = True) -> Iterator[None]:
    """Inside the block, torch uses deterministic kernels (and raises on an op that has
    none); the previous settings come back afterwards. ``enabled=False`` changes nothing.

    Uninitialized memory is *not* filled with NaN meanwhile (torch does that by default
    under this mode, to catch reads of ``torch.empty``; it costs time and changes no
    result of correct code). On CUDA, cuBLAS also needs ``CUBLAS_WORKSPACE_CONFIG=:4096:8``
    in the environment before the process starts.

    >>> with deterministic_algorithms():
    ...     torch.are_deterministic_algorithms_enabled()
    True
    >>> torch.are_deterministic_algorithms_enabled()
    False
    """
    if not enabled:
        yield
        return
    before = (torch.are_deterministic_algorithms_enabled(),
              torch.is_deterministic_algorithms_warn_only_enabled(),
              torch.utils.deterministic.fill_uninitialized_memory)
    torch.use_deterministic_algorithms(True)
    torch.utils.deterministic.fill_uninitialized_memory = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
        torch.utils.deterministic.fill_uninitialized_memory = before[2]
