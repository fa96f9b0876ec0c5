"""Decoding strategies: greedy, temperature, top-k, top-p, repetition penalty, KV cache,
beam search (GNMT length penalty) and diverse beam search."""

from .beam import Hypothesis, beam_search, diverse_beam_search, length_penalty
from .sampling import (
    apply_repetition_penalty,
    choose_next,
    generate,
    greedy,
    sample,
    top_k_filter,
    top_p_filter,
)
