"""Beam search on a tiny model whose next-token probabilities are known exactly."""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from dlfs.generate import beam_search, diverse_beam_search, length_penalty


class MarkovModel(nn.Module):
    """Next-token distribution depends only on the last token: P[last] (rows sum to 1)."""

    def __init__(self, table):
        super().__init__()
        self.table = torch.tensor(table, dtype=torch.float64)
        self.config = SimpleNamespace(block_size=32)

    def forward(self, idx):
        logits = self.table[idx].log()            # (B, T, V)
        return logits, None


# From token 0, greedy picks 1 (0.5) but 2 (0.4) leads to a near-certain follow-up.
TABLE = [
    [0.1, 0.5, 0.4, 0.0],
    [0.25, 0.25, 0.25, 0.25],
    [0.02, 0.02, 0.02, 0.94],
    [0.3, 0.3, 0.2, 0.2],
]
MODEL = MarkovModel(TABLE)


def seq_logprob(prefix_last, seq):
    total, last = 0.0, prefix_last
    for tok in seq:
        p = TABLE[last][tok]
        if p == 0:
            return -math.inf
        total += math.log(p)
        last = tok
    return total


def test_beam_finds_the_sequence_greedy_misses():
    best = beam_search(MODEL, torch.tensor([0]), 2, beam_width=2, alpha=0.0)[0]
    assert best.tokens == (2, 3)
    assert best.logprob == pytest.approx(math.log(0.4 * 0.94))
    greedy_first = max(range(4), key=lambda t: TABLE[0][t])
    assert greedy_first == 1, "greedy would have taken token 1 first"


def test_wide_beam_equals_exhaustive_search():
    n = 3
    all_seqs = list(itertools.product(range(4), repeat=n))
    exact = max(all_seqs, key=lambda s: seq_logprob(0, s))
    found = beam_search(MODEL, torch.tensor([0]), n, beam_width=4 ** (n - 1), alpha=0.0)
    assert found[0].tokens == exact
    assert found[0].logprob == pytest.approx(seq_logprob(0, exact))
    scores = [h.score for h in found]
    assert scores == sorted(scores, reverse=True)


def test_length_penalty_and_eos():
    assert length_penalty(1, 0.6) == 1.0
    assert length_penalty(7, 1.0) == pytest.approx(2.0)
    # with eos = 0, "0" ends a hypothesis at once (p 0.1); longer ones keep going
    hyps = beam_search(MODEL, torch.tensor([0]), 3, beam_width=3, alpha=0.0, eos_id=0)
    lengths = {len(h.tokens) for h in hyps}
    assert 1 in lengths and 3 in lengths
    for h in hyps:
        assert h.logprob == pytest.approx(seq_logprob(0, h.tokens))
        assert h.score == pytest.approx(h.logprob / length_penalty(len(h.tokens), 0.0))
    # a positive alpha divides by a larger lp for longer sequences: they rank higher
    penalized = beam_search(MODEL, torch.tensor([0]), 3, beam_width=3, alpha=2.0, eos_id=0)
    assert len(penalized[0].tokens) >= len(hyps[0].tokens)


def test_diverse_groups_start_differently():
    # plain beam search keeps (1, 0) and (1, 1) (0.35 each) over (2, 3) (0.3): both begin
    # with 1. With two groups, the second group pays for reusing token 1 and takes 2.
    model = MarkovModel([[0.0, 0.7, 0.3, 0.0], [0.5, 0.5, 0.0, 0.0],
                         [0.0, 0.0, 0.0, 1.0], [0.25, 0.25, 0.25, 0.25]])
    plain = beam_search(model, torch.tensor([0]), 2, beam_width=2, alpha=0.0)
    assert {h.tokens[0] for h in plain} == {1}
    diverse = diverse_beam_search(model, torch.tensor([0]), 2, beam_width=2, groups=2,
                                  diversity=1.0, alpha=0.0)
    assert {h.tokens[0] for h in diverse} == {1, 2}
    assert diverse[0].tokens[0] == 1 and (2, 3) in {h.tokens for h in diverse}


def test_argument_errors():
    with pytest.raises(ValueError, match="multiple of groups"):
        diverse_beam_search(MODEL, torch.tensor([0]), 2, beam_width=3, groups=2)
    with pytest.raises(ValueError, match="one prompt of shape"):
        beam_search(MODEL, torch.tensor([[0]]), 2)
