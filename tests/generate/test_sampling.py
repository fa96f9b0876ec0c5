"""Decoding pieces on logits with known probabilities, and generate() end to end."""

from __future__ import annotations

import pytest
import torch

from dlfs.generate import (
    apply_repetition_penalty,
    generate,
    greedy,
    sample,
    top_k_filter,
    top_p_filter,
)
from dlfs.models import GPT, GPTConfig


def test_top_p_keeps_exactly_the_minimal_set():
    probs = torch.tensor([[0.05, 0.4, 0.1, 0.3, 0.15]])
    logits = probs.log()
    expected = {0.3: {1}, 0.4: {1}, 0.41: {1, 3}, 0.7: {1, 3}, 0.71: {1, 3, 4},
                0.85: {1, 3, 4}, 0.9: {1, 3, 4, 2}, 1.0: {0, 1, 2, 3, 4}}
    for p, keep in expected.items():
        kept = set(torch.nonzero(top_p_filter(logits, p)[0].isfinite()).flatten().tolist())
        assert kept == keep, (p, kept)
        assert probs[0, sorted(keep)].sum() >= p - 1e-6


def test_top_k_and_ties():
    logits = torch.tensor([[1.0, 5.0, 3.0, 3.0, -2.0]])
    assert top_k_filter(logits, 1).isfinite().tolist() == [[False, True, False, False, False]]
    assert top_k_filter(logits, 2).isfinite().tolist() == [[False, True, True, True, False]]
    assert top_k_filter(logits, 99).isfinite().all()
    with pytest.raises(ValueError, match="top_k must be >= 1"):
        top_k_filter(logits, 0)


def test_repetition_penalty_lowers_seen_tokens_only():
    logits = torch.tensor([[2.0, -1.0, 0.5, 4.0]])
    out = apply_repetition_penalty(logits, torch.tensor([[0, 1, 1]]), 1.5)
    assert torch.allclose(out, torch.tensor([[2.0 / 1.5, -1.5, 0.5, 4.0]]))
    assert apply_repetition_penalty(logits, torch.tensor([[0]]), 1.0) is logits


def test_sampling_frequencies_follow_the_probabilities():
    probs = torch.tensor([0.1, 0.6, 0.3])
    logits = probs.log().expand(20_000, 3)
    gen = torch.Generator().manual_seed(0)
    draws = sample(logits, gen).flatten()
    freq = torch.bincount(draws, minlength=3).double() / draws.numel()
    assert torch.allclose(freq, probs.double(), atol=0.015)
    assert greedy(logits[:1]).item() == 1


def small_model():
    torch.manual_seed(0)
    return GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)).eval()


def test_generate_greedy_with_and_without_cache_agree_past_block_size():
    model = small_model()
    prompt = torch.tensor([[1, 2, 3], [4, 5, 6]])
    a = generate(model, prompt, 12, temperature=0, use_cache=True)
    b = generate(model, prompt, 12, temperature=0, use_cache=False)
    assert a.shape == (2, 15) and torch.equal(a, b)
    assert torch.equal(a[:, :3], prompt)


def test_generate_sampling_is_reproducible_and_respects_top_k():
    model = small_model()
    prompt = torch.tensor([[1]])
    run = lambda seed, **kw: generate(model, prompt, 10, generator=torch.Generator()
                                      .manual_seed(seed), **kw)
    assert torch.equal(run(3, top_k=3), run(3, top_k=3))
    out = run(4, top_k=1)
    assert torch.equal(out, generate(model, prompt, 10, temperature=0))
    model.train()
    generate(model, prompt, 2)
    assert model.training, "generate restores the training mode"


def test_generate_argument_errors():
    model = small_model()
    with pytest.raises(ValueError, match="temperature must be >= 0"):
        generate(model, torch.tensor([[1]]), 3, temperature=-1)
    with pytest.raises(ValueError, match="top_p must be in"):
        generate(model, torch.tensor([[1]]), 3, top_p=0)


def test_repetition_penalty_counts_a_repeated_token_once_in_the_gradient():
    """A token seen three times is penalised once: its gradient is 1 / penalty (a gather +
    scatter implementation gave 3 / penalty)."""
    from dlfs.generate.sampling import apply_repetition_penalty

    logits = torch.tensor([[1.0, -2.0, 4.0, 0.5]], requires_grad=True)
    out = apply_repetition_penalty(logits, torch.tensor([[2, 2, 0, 2]]), 1.5)
    out.sum().backward()
    assert torch.allclose(out.detach(), torch.tensor([[1 / 1.5, -2.0, 4 / 1.5, 0.5]]))
    assert torch.allclose(logits.grad, torch.tensor([[1 / 1.5, 1.0, 1 / 1.5, 1.0]]))
