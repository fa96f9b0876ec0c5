"""Beam search, with the GNMT length penalty, and diverse (grouped) beam search.

Beam search keeps the ``beam_width`` best partial sequences by total log-probability,
extends each by every token, and keeps the best again. Finished sequences (ending in
``eos_id``, or at ``max_new_tokens``) are ranked by ::

    score(Y) = log P(Y) / lp(Y),    lp(Y) = ((5 + |Y|) / 6) ** alpha        (GNMT)

so that ``alpha > 0`` stops short sequences from winning just because they are short.

Diverse beam search splits the beams into ``groups``; at each step the groups choose in
turn, and a token already chosen by earlier groups at this step costs ``diversity``
(Hamming diversity), which pushes the groups apart.

The search itself (:func:`search`) knows nothing about models: it asks a function
``next_log_probs(seqs) -> (N, V)`` for the next-token log-probabilities after each of N
partial sequences. :func:`beam_search` and :func:`diverse_beam_search` supply that function
for a GPT-style model and a prompt; an encoder-decoder supplies its own (see
:meth:`dlfs.models.transformer_seq2seq.TransformerSeq2Seq.beam_decode`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..nn import functional as F
from ..runtime import eval_mode

__all__ = ["Hypothesis", "NextLogProbs", "beam_search", "diverse_beam_search",
           "length_penalty", "search"]


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's ``lp(Y) = ((5 + |Y|) / 6) ** alpha``.

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
    return F.log_softmax(logits[:, -1, :].double(), dim=-1)         # (N, V)


def _finish(seq: tuple[int, ...], logprob: float, alpha: float) -> Hypothesis:
    return Hypothesis(seq, logprob, logprob / length_penalty(len(seq), alpha))


def _check(prefix: Tensor) -> None:
    if prefix.dim() != 1:
        raise ValueError(f"beam search takes one prompt of shape (T,), got {tuple(prefix.shape)}")


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
    _check(prefix)
    with eval_mode(model):
        return search(lambda seqs: _log_probs(model, prefix, seqs), max_new_tokens,
                      beam_width=beam_width, groups=groups, diversity=diversity, alpha=alpha,
                      eos_id=eos_id)


#: ``seqs`` (N partial sequences, all of one length) -> next-token log-probs (N, V)
NextLogProbs = Callable[[list[tuple[int, ...]]], Tensor]


def search(next_log_probs: NextLogProbs, max_new_tokens: int, *, beam_width: int = 4,
           groups: int = 1, diversity: float = 0.0, alpha: float = 0.6,
           eos_id: int | None = None) -> list[Hypothesis]:
    """The model-free core: (diverse) beam search over ``next_log_probs``; finished
    hypotheses, best score first.

    >>> table = torch.tensor([[0.1, 0.5, 0.4], [0.2, 0.2, 0.6], [0.9, 0.05, 0.05]]).log()
    >>> fn = lambda seqs: table[[s[-1] if s else 0 for s in seqs]]      # Markov chain
    >>> [h.tokens for h in search(fn, 2, beam_width=2, alpha=0.0)]
    [(2, 0), (1, 2)]
    """
    if beam_width < 1 or max_new_tokens < 1:
        raise ValueError(f"beam_width and max_new_tokens must be >= 1, got {beam_width}, "
                         f"{max_new_tokens}")
    if groups < 1 or beam_width % groups:
        raise ValueError(f"beam_width ({beam_width}) must be a multiple of groups ({groups})")
    per_group = beam_width // groups
    beams: list[list[tuple[tuple[int, ...], float]]] = [[((), 0.0)] for _ in range(groups)]
    finished: list[Hypothesis] = []
    for step in range(max_new_tokens):
        chosen_now: list[int] = []                           # tokens picked at this step
        for g in range(groups):
            if not beams[g]:
                continue
            logp = next_log_probs([s for s, _ in beams[g]]).double()         # (N, V)
            total = logp + torch.tensor([lp for _, lp in beams[g]],
                                        dtype=torch.float64)[:, None]         # (N, V)
            penalty = torch.zeros(total.shape[1], dtype=torch.float64)
            for tok in chosen_now:
                penalty[tok] += diversity
            ranked = (total - penalty).flatten().argsort(descending=True)
            survivors: list[tuple[tuple[int, ...], float]] = []
            for flat in ranked[:per_group].tolist():         # the group's best extensions
                row, tok = divmod(flat, total.shape[1])
                seq, logprob = beams[g][row][0] + (tok,), float(total[row, tok])
                chosen_now.append(tok)
                if tok == eos_id or step == max_new_tokens - 1:
                    finished.append(_finish(seq, logprob, alpha))
                else:
                    survivors.append((seq, logprob))
            beams[g] = survivors
    return sorted(finished, key=lambda h: h.score, reverse=True)
