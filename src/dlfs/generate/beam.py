"""Beam search, with the GNMT length penalty, and diverse (grouped) beam search.

Beam search keeps the ``beam_width`` best partial sequences by total log-probability,
extends each by every token, and keeps the best again. Finished sequences (ending in
``eos_id``, or at ``max_new_tokens``) are ranked by

    score(Y) = log P(Y) / lp(Y),    lp(Y) = ((5 + |Y|) / 6) ** alpha        (GNMT)

so that ``alpha > 0`` stops short sequences from winning just because they are short.

Diverse beam search splits the beams into ``groups``; at each step the groups choose in
turn, and a token already chosen by earlier groups at this step costs ``diversity``
(Hamming diversity), which pushes the groups apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

__all__ = ["Hypothesis", "beam_search", "diverse_beam_search", "length_penalty"]


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's lp(Y) = ((5 + |Y|) / 6) ** alpha.

    >>> length_penalty(1, 0.6), round(length_penalty(7, 1.0), 4)
    (1.0, 2.0)
    """
    return ((5 + length) / 6) ** alpha


@dataclass(frozen=True)
class Hypothesis:
    """A candidate continuation: its new tokens, total log-probability and ranking score."""

    tokens: tuple[int, ...]
    logprob: float
    score: float


@torch.no_grad()
def _log_probs(model: nn.Module, prefix: Tensor, seqs: list[tuple[int, ...]]) -> Tensor:
    """log P(next token | prefix + seq) for each seq: (N, V)."""
    rows = [torch.cat([prefix, torch.tensor(s, dtype=torch.long)]) for s in seqs]
    batch = torch.stack(rows)[:, -model.config.block_size:]          # (N, T)
    logits, _ = model(batch)
    return torch.log_softmax(logits[:, -1, :].double(), dim=-1)     # (N, V)


def _finish(seq: tuple[int, ...], logprob: float, alpha: float) -> Hypothesis:
    return Hypothesis(seq, logprob, logprob / length_penalty(len(seq), alpha))


def _check(prefix: Tensor, beam_width: int, max_new_tokens: int) -> None:
    if prefix.dim() != 1:
        raise ValueError(f"beam search takes one prompt of shape (T,), got {tuple(prefix.shape)}")
    if beam_width < 1 or max_new_tokens < 1:
        raise ValueError(f"beam_width and max_new_tokens must be >= 1, got {beam_width}, "
                         f"{max_new_tokens}")


def beam_search(model: nn.Module, prefix: Tensor, max_new_tokens: int, *, beam_width: int = 4,
                alpha: float = 0.6, eos_id: int | None = None) -> list[Hypothesis]:
    """Best continuations of ``prefix`` (T,), best first (at most ``beam_width``)."""
    return diverse_beam_search(model, prefix, max_new_tokens, beam_width=beam_width, groups=1,
                               diversity=0.0, alpha=alpha, eos_id=eos_id)


def diverse_beam_search(model: nn.Module, prefix: Tensor, max_new_tokens: int, *,
                        beam_width: int = 4, groups: int = 2, diversity: float = 0.5,
                        alpha: float = 0.6, eos_id: int | None = None) -> list[Hypothesis]:
    """Grouped beam search: ``beam_width // groups`` beams per group; returns every group's
    finished hypotheses, best first."""
    _check(prefix, beam_width, max_new_tokens)
    if groups < 1 or beam_width % groups:
        raise ValueError(f"beam_width ({beam_width}) must be a multiple of groups ({groups})")
    per_group = beam_width // groups
    beams: list[list[tuple[tuple[int, ...], float]]] = [[((), 0.0)] for _ in range(groups)]
    finished: list[Hypothesis] = []
    was_training = model.training
    model.eval()
    try:
        for step in range(max_new_tokens):
            chosen_now: list[int] = []                       # tokens picked at this step
            for g in range(groups):
                if not beams[g]:
                    continue
                logp = _log_probs(model, prefix, [s for s, _ in beams[g]])   # (N, V)
                total = logp + torch.tensor([lp for _, lp in beams[g]],
                                            dtype=torch.float64)[:, None]     # (N, V)
                penalty = torch.zeros(total.shape[1], dtype=torch.float64)
                for tok in chosen_now:
                    penalty[tok] += diversity
                ranked = (total - penalty).flatten().argsort(descending=True)
                survivors: list[tuple[tuple[int, ...], float]] = []
                for flat in ranked[:per_group].tolist():     # the group's best extensions
                    row, tok = divmod(flat, total.shape[1])
                    seq, logprob = beams[g][row][0] + (tok,), float(total[row, tok])
                    chosen_now.append(tok)
                    if tok == eos_id or step == max_new_tokens - 1:
                        finished.append(_finish(seq, logprob, alpha))
                    else:
                        survivors.append((seq, logprob))
                beams[g] = survivors
    finally:
        model.train(was_training)
    return sorted(finished, key=lambda h: h.score, reverse=True)
