"""Decoding strategies: greedy, temperature, top-k, top-p, repetition penalty, KV cache."""

from .sampling import (
    apply_repetition_penalty,
    generate,
    greedy,
    sample,
    top_k_filter,
    top_p_filter,
)
