"""The peak-memory counter: exact on simple programs; dense attention's peak grows as T^2,
the tiled one's as T."""

from __future__ import annotations

import torch

from dlfs.attention import flash_attention
from dlfs.nn.functional import scaled_dot_product_attention as sdpa
from dlfs.train import PeakMemoryTracker


def test_counts_live_bytes_exactly():
    x = torch.ones(100)                                     # created outside: not counted
    with PeakMemoryTracker() as mem:
        a = x * 2                                           # 400 B
        b = a[10:]                                          # a view: no new bytes
        c = torch.zeros(50, dtype=torch.float64)            # 400 B, peak 800
        del a, b, c
        d = torch.ones(150)                                 # 600 B while nothing else lives
        d.add_(1)                                           # in place: nothing new
    assert mem.peak_bytes == 800
    assert mem.current_bytes == 600
    del d


def _peaks(T: int) -> tuple[int, int]:
    q, k, v = torch.randn(3, 1, 1, T, 16).unbind(0)
    with torch.no_grad():
        with PeakMemoryTracker() as dense:
            sdpa(q, k, v, is_causal=True)
        with PeakMemoryTracker() as tiled:
            flash_attention(q, k, v, is_causal=True, block_q=32, block_k=32)
    return dense.peak_bytes, tiled.peak_bytes


def test_dense_quadratic_tiled_linear():
    d1, t1 = _peaks(128)
    d2, t2 = _peaks(256)
    assert 3.5 < d2 / d1 < 4.5                              # (T, T) scores dominate
    assert 1.5 < t2 / t1 < 2.5                              # output + one tile row
    assert t2 < d2 / 5
