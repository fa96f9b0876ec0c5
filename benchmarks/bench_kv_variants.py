"""MHA vs GQA vs MQA vs MLA at one small size: parameters, KV-cache bytes per token (formula
and measured) and cached decoding speed.

Size: C = 256, H = 8 heads of D = 32; GQA with 2 key/value heads; MLA with a 64-number
latent. Cache bytes are measured after decoding n tokens (``KVCache.bytes() / (n * layers)``)
and must equal ``kv_cache_bytes_per_token()`` exactly. Speed: a stack of 4 residual attention
layers decodes 128 tokens one at a time after a 16-token prompt, batch 1, float32, one
thread; best of a few interleaved runs on a shared noisy machine — compare ratios only.
This MLA rebuilds K and V from the cached latent at every step (the readable form); real
implementations fold W_uk into the query and W_uv into the output projection instead.

    python benchmarks/bench_kv_variants.py [--quick]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import torch
from torch import nn

from dlfs.attention import (
    CausalSelfAttention,
    GroupedQueryAttention,
    KVCache,
    MultiHeadLatentAttention,
    MultiQueryAttention,
)

C, H, KV_HEADS, LATENT, LAYERS = 256, 8, 2, 64, 4


def _variants() -> dict[str, Callable[[int], nn.Module]]:
    """Name -> a function making that attention layer for layer index i."""
    return {
        "MHA": lambda i: CausalSelfAttention(C, H, layer=i),
        f"GQA (kv heads={KV_HEADS})": lambda i: GroupedQueryAttention(C, H, KV_HEADS, layer=i),
        "MQA": lambda i: MultiQueryAttention(C, H, layer=i),
        f"MLA (latent={LATENT})": lambda i: MultiHeadLatentAttention(C, H, LATENT, layer=i),
    }


@torch.no_grad()
def _decode(layers: nn.ModuleList, prompt: torch.Tensor, steps: int
            ) -> tuple[float, KVCache]:
    """Seconds to decode ``steps`` tokens after the prompt; returns the cache too."""
    cache = KVCache()                                           # one for the whole stack
    x = prompt
    for layer in layers:
        x = x + layer(x, cache)                                 # prompt in one pass
    token = x[:, -1:]                                           # (1, 1, C): stand-in next input
    start = time.perf_counter()
    for _ in range(steps):
        h = token
        for layer in layers:
            h = h + layer(h, cache)                             # (1, 1, C)
        token = torch.tanh(h)
    return time.perf_counter() - start, cache


def run(quick: bool = False) -> list[dict]:
    prompt_len, steps, reps = (16, 32, 2) if quick else (16, 128, 3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    rows = []
    try:
        torch.manual_seed(0)
        stacks = {name: nn.ModuleList(make(i) for i in range(LAYERS)).eval()
                  for name, make in _variants().items()}
        prompt = torch.randn(1, prompt_len, C)
        best = {name: float("inf") for name in stacks}
        caches = {}
        for _ in range(reps):                                   # interleaved repetitions
            for name, layers in stacks.items():
                seconds, caches[name] = _decode(layers, prompt, steps)
                best[name] = min(best[name], seconds)
    finally:
        torch.set_num_threads(threads)
    n_tokens = prompt_len + steps
    base = best["MHA"]
    for name, layers in stacks.items():
        layer = layers[0]
        formula = layer.kv_cache_bytes_per_token(torch.float32)
        measured = caches[name].bytes() / (n_tokens * LAYERS)
        if measured != formula:
            raise AssertionError(f"{name}: measured {measured} B/token != formula {formula}")
        rows += [
            {"name": f"{name} params per layer", "value": sum(p.numel() for p in
                                                             layer.parameters()),
             "unit": "params", "note": f"C={C}, H={H}, no biases"},
            {"name": f"{name} KV cache per token per layer (formula)", "value": formula,
             "unit": "bytes", "note": f"{layer.cached_numbers_per_token()} float32 numbers"},
            {"name": f"{name} KV cache per token per layer (measured)", "value": measured,
             "unit": "bytes", "note": f"KVCache.bytes() / ({n_tokens} tokens * {LAYERS} layers), "
                                                  "batch 1"},
            {"name": f"{name} decode speed", "value": round(steps / best[name], 1),
             "unit": "tokens/s", "note": f"{LAYERS} layers, {steps} steps, 1 thread; "
                                         f"time vs MHA {best[name] / base:.2f}x (noisy)"},
        ]
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']}: {row['value']:.4g} {row['unit']}  ({row['note']})")
