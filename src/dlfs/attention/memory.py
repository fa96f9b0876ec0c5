"""Count the peak bytes of tensors a piece of code allocates (on any device, CPU included).

CPU PyTorch has no ``max_memory_allocated``; this tracker watches every op through a
``TorchDispatchMode``: each new output storage is added to the live set, storages whose
last tensor died are removed (checked at the next op), and the largest live total is the
peak. Tensors created before the ``with`` block (the inputs) are not counted, nor an op's
internal scratch buffers that never become a tensor — so the figure is "extra bytes the
computation kept alive at once", which is what grows as T^2 for dense attention.

>>> with PeakMemoryTracker() as mem:
...     a = torch.ones(256)          # 1 KiB
...     b = a * 2                    # another KiB while a is alive
...     del a, b
...     c = torch.ones(128)
>>> mem.peak_bytes
2048
"""

from __future__ import annotations

import torch
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

__all__ = ["PeakMemoryTracker"]


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
