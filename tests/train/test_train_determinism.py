"""fit(deterministic=True): bitwise-repeatable training on two threads.

The one CPU kernel of our models whose result depends on thread timing is
``index_put_(accumulate=True)`` (the backward of ``weight[ids]``, i.e. of an embedding): with
more than one thread and at least 32,768 values torch adds with atomic float adds.
"""

from __future__ import annotations

import pytest
import torch

from dlfs import nn
from dlfs.runtime import deterministic_algorithms
from dlfs.train import fit


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def _embedding_backward() -> bytes:
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 50, (16, 64), generator=g)           # (B, T)
    grad = torch.randn(16, 64, 32, generator=g)                  # (B, T, C): 32,768 values
    out = torch.zeros(50, 32).index_put((ids,), grad, accumulate=True)
    return out.numpy().tobytes()


def test_the_embedding_backward_repeats_exactly_in_the_context(two_threads):
    with deterministic_algorithms():
        assert len({_embedding_backward() for _ in range(30)}) == 1
    if len({_embedding_backward() for _ in range(40)}) == 1:    # the control
        pytest.skip("this machine did not show the atomic-add race (one core free?)")


def test_the_context_restores_the_settings():
    import torch.utils.deterministic as det

    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with deterministic_algorithms():
            assert not torch.is_deterministic_algorithms_warn_only_enabled()
            assert not det.fill_uninitialized_memory
        assert torch.is_deterministic_algorithms_warn_only_enabled()
        assert det.fill_uninitialized_memory
    finally:
        torch.use_deterministic_algorithms(False)
    with deterministic_algorithms(False):
        assert not torch.are_deterministic_algorithms_enabled()


def _train_embedding_lm() -> list[torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(nn.Embedding(50, 32), nn.Linear(32, 50))
    g = torch.Generator().manual_seed(1)
    batches = [(ids[:, :-1], ids[:, 1:]) for ids in
               (torch.randint(0, 50, (16, 65), generator=g) for _ in range(4))]

    def loss_fn(logits, y):                                       # (B, T, V), (B, T)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, 50), y.reshape(-1))

    fit(model, batches, loss_fn=loss_fn, epochs=2, device="cpu", deterministic=True,
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-2))
    assert not torch.are_deterministic_algorithms_enabled()       # only during the run
    return [p.detach().clone() for p in model.parameters()]


def test_two_two_thread_runs_are_bitwise_equal(two_threads):
    first, second = _train_embedding_lm(), _train_embedding_lm()
    assert all(torch.equal(a, b) for a, b in zip(first, second))
