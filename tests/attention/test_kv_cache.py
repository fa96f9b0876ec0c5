"""KVCache: per-layer named tensors grown along the position axis; lengths and bytes."""

from __future__ import annotations

import torch

from dlfs.attention import KVCache


def test_empty_cache():
    cache = KVCache()
    assert cache.length == 0 and cache.layer_length(0) == 0 and cache.layer_length(5) == 0
    assert cache.bytes() == 0


def test_append_grows_along_the_position_axis_and_returns_the_whole():
    cache = KVCache()
    a, b = torch.randn(2, 3, 4, 5), torch.randn(2, 3, 1, 5)
    assert torch.equal(cache.append(0, "k", a), a)
    full = cache.append(0, "k", b)                              # (2, 3, 5, 5)
    assert torch.equal(full, torch.cat([a, b], dim=2))
    assert cache.layer_length(0) == 5


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
