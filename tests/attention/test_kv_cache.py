"""KVCache: lengths and bytes. Appending (growth along the position axis, the whole
returned, layers and names apart) is the ``kv_cache`` exercise's checker, run on the library
by ``tests/exercises/test_bank.py``."""

from __future__ import annotations

import torch

from dlfs.attention import KVCache


def test_empty_cache():
    cache = KVCache()
    assert cache.length == 0 and cache.layer_length(0) == 0 and cache.layer_length(5) == 0
    assert cache.bytes() == 0


def test_layers_and_names_are_kept_apart():
    cache = KVCache()
    cache.append(0, "k", torch.zeros(1, 2, 3, 4))
    cache.append(0, "v", torch.zeros(1, 2, 3, 4))
    assert cache.length == 3                     # only layer 0 so far
    cache.append(2, "latent", torch.zeros(1, 3, 8, dtype=torch.float64))   # (B, S, d_latent)
    assert cache.layer_length(1) == 0 and cache.layer_length(2) == 3
    assert cache.length == 3                     # the last layer tells
    cache.append(0, "k", torch.zeros(1, 2, 2, 4))
    assert cache.layer_length(0) == 5 and cache.length == 3
    assert cache.bytes() == (1 * 2 * 5 * 4 + 1 * 2 * 3 * 4) * 4 + 3 * 8 * 8
