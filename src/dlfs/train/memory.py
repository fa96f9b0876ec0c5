"""How much memory a computation needs: the peak bytes of any block of code
(:class:`PeakMemoryTracker`), the bytes of a training step (:func:`step_memory_bytes`), the
largest batch under a budget (:func:`find_max_batch_size`), and micro-batches for when it does
not fit (:func:`split_batch`).

**Peak of a block.** CPU PyTorch has no ``max_memory_allocated``;
:class:`PeakMemoryTracker` watches every op through a ``TorchDispatchMode``: each new output
storage is added to the live set, storages whose last tensor died are removed (checked at
the next op), and the largest live total is the peak. Tensors created before the ``with``
block (the inputs) are not counted, nor an op's internal scratch buffers that never become a
tensor — so the figure is "extra bytes the computation kept alive at once", which is what
grows as T^2 for dense attention.

>>> with PeakMemoryTracker() as mem:
...     a = torch.ones(256)          # 1 KiB
...     b = a * 2                    # another KiB while a is alive
...     del a, b
...     c = torch.ones(128)
>>> mem.peak_bytes
2048

**A training step.**

Memory of one training step at batch size B is roughly

    M(B) = params + grads + optimizer state + B * (input + activations kept for backward)

so it grows linearly in B and the largest batch under a budget can be found by doubling then
bisecting. On CUDA the peak is measured (``torch.cuda.max_memory_allocated``). On CPU the
allocator keeps no statistics, so the finder *counts bytes*: parameters, their gradients, the
batch, and every tensor the forward pass saves for backward (seen through
``torch.autograd.graph.saved_tensors_hooks``, each storage counted once) — the memory held at
the end of the forward, the usual peak. That estimate misses short-lived temporaries and the
optimizer state, so leave some headroom in the budget: measured once on an H200
(``scripts/gpu_check.py``), a 1024→4096→1 MLP at batch 512 counted 42.1 MiB on the CPU and
peaked at 107.1 MiB on CUDA (backward's temporaries and cuBLAS's workspace).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

__all__ = ["BatchSizeResult", "PeakMemoryTracker", "find_max_batch_size", "split_batch",
           "step_memory_bytes"]


def split_batch(batch: Any, n: int) -> list[Any]:
    """Split a batch (tensor, or tuple/list/dict of tensors, batch first) into ``n``
    micro-batches along dim 0 — what gradient accumulation feeds one at a time.

    >>> [x.shape[0] for x, y in split_batch((torch.zeros(10, 3), torch.zeros(10)), 4)]
    [3, 3, 2, 2]
    """
    if n < 1:
        raise ValueError(f"split_batch: n must be >= 1, got {n}")
    if isinstance(batch, torch.Tensor):
        if batch.shape[0] < n:
            raise ValueError(f"split_batch: {batch.shape[0]} rows cannot make {n} micro-batches")
        return list(torch.tensor_split(batch, n))
    if isinstance(batch, (list, tuple)):
        parts = [split_batch(item, n) for item in batch]
        return [type(batch)(p[i] for p in parts) for i in range(n)]
    if isinstance(batch, dict):
        parts_by_key = {k: split_batch(v, n) for k, v in batch.items()}
        return [{k: v[i] for k, v in parts_by_key.items()} for i in range(n)]
    raise TypeError(f"split_batch: cannot split a {type(batch).__name__}")


def _nbytes(t: torch.Tensor) -> int:
    return t.untyped_storage().nbytes()


def _forward_loss(model: nn.Module, batch: Any, loss_fn: Callable | None) -> torch.Tensor:
    if isinstance(batch, (list, tuple)) and len(batch) == 2 and loss_fn is not None:
        return loss_fn(model(batch[0]), batch[1])
    out = model(batch[0] if isinstance(batch, (list, tuple)) else batch)
    return out.float().sum()


def step_memory_bytes(model: nn.Module, batch: Any, loss_fn: Callable | None = None) -> int:
    """Bytes one forward + backward of ``batch`` needs (measured on CUDA, counted on CPU)."""
    model.zero_grad(set_to_none=True)
    device = next(model.parameters()).device
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        _forward_loss(model, batch, loss_fn).backward()
        torch.cuda.synchronize(device)
        peak = torch.cuda.max_memory_allocated(device)
        model.zero_grad(set_to_none=True)
        return int(peak)
    saved: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        saved[t.untyped_storage().data_ptr()] = _nbytes(t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = _forward_loss(model, batch, loss_fn)  # what is saved here lives until backward
    loss.backward()
    params = {p.untyped_storage().data_ptr(): _nbytes(p) for p in model.parameters()}
    grads = sum(_nbytes(p.grad) for p in model.parameters() if p.grad is not None)
    inputs = {t.untyped_storage().data_ptr(): _nbytes(t) for t in _leaves(batch)}
    # a Linear saves its weight for backward: that storage is already counted as a parameter
    activations = sum(n for ptr, n in saved.items() if ptr not in params and ptr not in inputs)
    model.zero_grad(set_to_none=True)
    return sum(params.values()) + grads + sum(inputs.values()) + activations


def _leaves(batch: Any) -> list[torch.Tensor]:
    if isinstance(batch, torch.Tensor):
        return [batch]
    if isinstance(batch, (list, tuple)):
        return [t for item in batch for t in _leaves(item)]
    if isinstance(batch, dict):
        return [t for item in batch.values() for t in _leaves(item)]
    return []


@dataclass
class BatchSizeResult:
    """The largest batch size that fits, its bytes, and every size tried ``{B: bytes}``."""

    batch_size: int
    bytes_used: int
    trials: dict[int, int] = field(default_factory=dict)


def find_max_batch_size(model: nn.Module, make_batch: Callable[[int], Any], budget_bytes: int,
                        *, loss_fn: Callable | None = None,
                        max_batch_size: int = 1 << 16) -> BatchSizeResult:
    """Largest B in ``[1, max_batch_size]`` whose training step fits in ``budget_bytes``.

    ``make_batch(B)`` returns a batch ``(x, y)`` with ``x`` of shape ``(B, …)`` (or just
    ``x``; the loss is then ``model(x).sum()``), already on the model's device.
    """
    trials: dict[int, int] = {}

    def fits(b: int) -> bool:
        try:
            trials[b] = step_memory_bytes(model, make_batch(b), loss_fn)
        except torch.cuda.OutOfMemoryError:
            trials[b] = budget_bytes + 1
            torch.cuda.empty_cache()
        return trials[b] <= budget_bytes

    if not fits(1):
        raise ValueError(f"find_max_batch_size: even batch size 1 needs {trials[1]:,} bytes, "
                         f"more than the budget of {budget_bytes:,}")
    low, high = 1, 2  # invariant: low fits; high is untested or does not fit
    while high <= max_batch_size and fits(high):
        low, high = high, high * 2
    high = min(high, max_batch_size + 1)
    while high - low > 1:  # bisect between the last fitting and first failing size
        mid = (low + high) // 2
        low, high = (mid, high) if fits(mid) else (low, mid)
    return BatchSizeResult(low, trials[low], dict(sorted(trials.items())))


class PeakMemoryTracker(TorchDispatchMode):
    """``with PeakMemoryTracker() as mem: ...`` then read ``mem.peak_bytes``."""

    def __init__(self) -> None:
        super().__init__()
        self.live: dict[int, tuple[StorageWeakRef, int]] = {}
        self.current_bytes = 0
        self.peak_bytes = 0

    def _sweep(self) -> None:
        for key in [k for k, (ref, _) in self.live.items() if ref.expired()]:
            self.current_bytes -= self.live.pop(key)[1]

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        inputs = {StorageWeakRef(t.untyped_storage()).cdata
                  for t in tree_flatten((args, kwargs))[0] if isinstance(t, torch.Tensor)}
        out = func(*args, **kwargs)
        self._sweep()
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor) and t.device.type != "meta":
                storage = t.untyped_storage()
                ref = StorageWeakRef(storage)
                if ref.cdata not in self.live and ref.cdata not in inputs:  # views: not new
                    self.live[ref.cdata] = (ref, storage.nbytes())
                    self.current_bytes += storage.nbytes()
        self.peak_bytes = max(self.peak_bytes, self.current_bytes)
        return out
