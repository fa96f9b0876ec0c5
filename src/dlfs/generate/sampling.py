"""Decoding a language model one token at a time.

Each step turns the last position's logits (B, V) into a next token: optionally penalize
tokens already generated, divide by a temperature, keep only the top-k or the top-p
(nucleus) tokens, then take the argmax (greedy) or sample from the softmax.

The model is anything called as ``model(idx, cache=cache) -> (logits, _)`` with a
``config.block_size``, such as :class:`dlfs.models.GPT`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..attention.kv_cache import KVCache
from ..nn import functional as F
from ..runtime import eval_mode

__all__ = ["apply_repetition_penalty", "choose_next", "generate", "greedy", "sample",
           "top_k_filter", "top_p_filter"]


def apply_repetition_penalty(logits: Tensor, idx: Tensor, penalty: float) -> Tensor:
    """Make tokens already in ``idx`` (B, T) less likely: a positive logit is divided by
    ``penalty``, a negative one multiplied (so both move down for penalty > 1).

    >>> apply_repetition_penalty(torch.tensor([[2.0, -1.0, 3.0]]), torch.tensor([[0, 1]]), 2.0)
    tensor([[ 1., -2.,  3.]])
    """
    if penalty <= 0:
        raise ValueError(f"repetition_penalty must be > 0, got {penalty}")
    if penalty == 1.0:
        return logits
    # a (B, V) mask of the tokens seen, so a token seen n times is penalised (and gets its
    # gradient) once, not n times
    seen = torch.zeros_like(logits, dtype=torch.bool).scatter_(1, idx, True)
    penalised = torch.where(logits > 0, logits / penalty, logits * penalty)
    return torch.where(seen, penalised, logits)                       # (B, V)


def top_k_filter(logits: Tensor, k: int) -> Tensor:
    """Keep the ``k`` largest logits per row (ties with the k-th are kept); -inf elsewhere.

    >>> top_k_filter(torch.tensor([[1.0, 3.0, 2.0, 0.5]]), 2)
    tensor([[-inf, 3., 2., -inf]])
    """
    if k < 1:
        raise ValueError(f"top_k must be >= 1, got {k}")
    k = min(k, logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]              # (B, 1)
    return logits.masked_fill(logits < kth, float("-inf"))


def top_p_filter(logits: Tensor, p: float) -> Tensor:
    """Nucleus filter: keep the smallest set of most likely tokens whose probability mass
    reaches ``p``; -inf elsewhere. The most likely token is always kept.

    >>> probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    >>> top_p_filter(probs.log(), 0.8).isfinite().tolist()   # 0.5 + 0.3 reaches 0.8
    [[True, True, False, False]]
    """
    if not 0.0 < p <= 1.0:
        raise ValueError(f"top_p must be in (0, 1], got {p}")
    sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
    probs = F.softmax(sorted_logits, dim=-1)
    mass_before = probs.cumsum(dim=-1) - probs                        # mass of better tokens
    rounding = 8 * torch.finfo(probs.dtype).eps                       # 'reached' up to it
    drop_sorted = mass_before >= p - rounding                         # already reached p
    drop = drop_sorted.scatter(-1, order, drop_sorted)                # back to vocab order
    return logits.masked_fill(drop, float("-inf"))


def greedy(logits: Tensor) -> Tensor:
    """The most likely token per row: (B, V) -> (B, 1)."""
    return logits.argmax(dim=-1, keepdim=True)


def sample(logits: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Draw one token per row from softmax(logits): (B, V) -> (B, 1)."""
    probs = F.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1, generator=generator)


def choose_next(logits: Tensor, *, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None, generator: torch.Generator | None = None) -> Tensor:
    """One decoding step on the last position's logits (B, V) -> next ids (B, 1):
    ``temperature=0`` is greedy; otherwise divide by the temperature, keep the top-k and/or
    top-p tokens, and sample.

    >>> choose_next(torch.tensor([[0.1, 2.0, -1.0]]), temperature=0).tolist()
    [[1]]
    """
    if temperature == 0:
        return greedy(logits)
    logits = logits / temperature
    if top_k is not None:
        logits = top_k_filter(logits, top_k)
    if top_p is not None:
        logits = top_p_filter(logits, top_p)
    return sample(logits, generator)


def _next_logits(model: nn.Module, idx: Tensor, cache: KVCache | None,
                 block_size: int) -> tuple[Tensor, KVCache | None]:
    """Logits of the next token after ``idx``; feeds only new tokens when a cache is used."""
    if cache is None:
        logits, _ = model(idx[:, -block_size:])
        return logits[:, -1, :], None
    if cache.length == 0 or cache.length + 1 > block_size:
        cache = KVCache()                          # (re)fill from the cropped context
        logits, _ = model(idx[:, -block_size:], cache=cache)
    else:
        logits, _ = model(idx[:, -1:], cache=cache)
    return logits[:, -1, :], cache


@torch.no_grad()
def generate(model: nn.Module, idx: Tensor, max_new_tokens: int, *, temperature: float = 1.0,
             top_k: int | None = None, top_p: float | None = None,
             repetition_penalty: float = 1.0, use_cache: bool = True,
             generator: torch.Generator | None = None) -> Tensor:
    """Extend ``idx`` (B, T) by ``max_new_tokens`` tokens: returns (B, T + max_new_tokens).

    ``temperature=0`` means greedy decoding. The context is cropped to the model's
    ``block_size``; with ``use_cache`` the keys/values of earlier tokens are reused, which
    gives the same logits as recomputing them (tested) in far less time.
    """
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    block_size = model.config.block_size
    cache = KVCache() if use_cache else None
    with eval_mode(model):
        for _ in range(max_new_tokens):
            logits, cache = _next_logits(model, idx, cache, block_size)   # (B, V)
            logits = apply_repetition_penalty(logits, idx, repetition_penalty)
            nxt = choose_next(logits, temperature=temperature, top_k=top_k, top_p=top_p,
                              generator=generator)                      # (B, 1)
            idx = torch.cat([idx, nxt], dim=1)                          # (B, T + 1)
    return idx
