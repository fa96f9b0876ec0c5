"""KV cache speed-up: greedy generation with the cache vs recomputing the whole context,
for the capstone GPT (4 layers, width 128, context 64) and a longer-context variant. The two
produce identical tokens (tested in tests/generate/test_sampling.py); this measures time.

    python benchmarks/run_all.py --only kv_cache
"""

from __future__ import annotations

import time

import torch

from dlfs.generate import generate
from dlfs.models import GPT, GPTConfig


def _seconds(model: GPT, prompt: torch.Tensor, n: int, use_cache: bool, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        generate(model, prompt, n, temperature=0, use_cache=use_cache)
        best = min(best, time.perf_counter() - start)
    return best


def run(quick: bool = False) -> list[dict]:
    rows = []
    for block in (64, 256):
        torch.manual_seed(0)
        model = GPT(GPTConfig(vocab_size=103, block_size=block)).eval()
        n = min(block - 8, 60 if quick else block - 8)      # stay inside the context
        prompt = torch.randint(0, 103, (1, 8))
        rounds = 2 if quick else 3
        cached = _seconds(model, prompt, n, True, rounds)
        full = _seconds(model, prompt, n, False, rounds)
        assert torch.equal(generate(model, prompt, n, temperature=0, use_cache=True),
                           generate(model, prompt, n, temperature=0, use_cache=False))
        rows.append({"name": f"generation speed-up from the KV cache, context {block}",
                     "value": full / cached, "unit": "x",
                     "note": f"{n} greedy tokens: {n / cached:.0f} tok/s cached vs "
                             f"{n / full:.0f} tok/s recomputed; identical tokens"})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
