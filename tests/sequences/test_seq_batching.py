"""LM batching (every window, random / sequential partitioning) and padding with masks."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfs.data.text.batching import (
    SeqDataLoader,
    TokenWindows,
    pad_sequences,
    seq_data_iter_random,
    seq_data_iter_sequential,
)


def test_token_windows_shift_by_one():
    ds = TokenWindows(torch.arange(10), block_size=4)
    assert len(ds) == 6                                  # starts 0..5: the last ends at 9
    x, y = ds[2]
    assert x.tolist() == [2, 3, 4, 5] and y.tolist() == [3, 4, 5, 6]
    with pytest.raises(ValueError, match="longer than block_size 4"):
        TokenWindows(torch.arange(3), 4)


@pytest.mark.parametrize("n,B", [(7, 3), (4, 4), (1, 2)])
def test_spaced_windows_cover_the_stream_evenly_in_batches(n, B):
    ids = torch.arange(100) * 3
    windows = TokenWindows(ids, block_size=8)
    batches = list(windows.spaced(n, B))
    assert [len(x) for x, _ in batches] == [min(B, n - i) for i in range(0, n, B)]
    starts = torch.cat([x[:, 0] for x, _ in batches]) // 3                    # (n,)
    assert starts[0] == 0 and (starts[-1] == 91 or n == 1)        # first and last window
    for x, y in batches:
        assert x.shape[1] == 8 and torch.equal(y[:, :-1], x[:, 1:])
    assert all(torch.equal(a[0], b[0]) for a, b in zip(batches, windows.spaced(n, B)))


@pytest.mark.parametrize("B,T", [(1, 5), (3, 4), (4, 7)])
def test_sequential_every_token_once_and_rows_continue(B, T):
    ids = torch.arange(200)
    for seed in range(5):
        gen = torch.Generator().manual_seed(seed)
        batches = list(seq_data_iter_sequential(ids, B, T, gen))
        xs = torch.cat([x for x, _ in batches], dim=1)            # (B, n*T)
        flat = xs.flatten()
        assert len(set(flat.tolist())) == len(flat)               # no token twice
        offset = int(batches[0][0][0, 0])
        assert 0 <= offset < T
        # the tokens used form one contiguous stretch after the offset
        assert sorted(flat.tolist()) == list(range(offset, offset + len(flat)))
        assert len(flat) > len(ids) - offset - B * T - 1          # only a short tail unused
        for x, y in batches:
            assert torch.equal(y, x + 1)
        for (x0, _), (x1, _) in zip(batches, batches[1:]):
            assert torch.equal(x1[:, 0], x0[:, -1] + 1)           # row b continues row b


def test_random_partitioning_pieces_and_offsets():
    ids = torch.arange(103)
    B, T = 2, 5
    offsets = set()
    for seed in range(40):
        batches = list(seq_data_iter_random(ids, B, T, torch.Generator().manual_seed(seed)))
        starts = torch.cat([x[:, 0] for x, _ in batches]).tolist()
        offset = min(starts) % T
        offsets.add(offset)
        assert all((s - offset) % T == 0 for s in starts)        # aligned pieces
        assert len(set(starts)) == len(starts)                    # each piece once
        for x, y in batches:
            assert x.shape == (B, T) and torch.equal(y, x + 1)
            assert torch.equal(x, x[:, :1] + torch.arange(T))     # contiguous rows
    assert offsets == set(range(T))                               # every offset is drawn


def test_random_order_differs_between_seeds():
    ids = torch.arange(500)
    a = next(seq_data_iter_random(ids, 4, 5, torch.Generator().manual_seed(0)))[0]
    b = next(seq_data_iter_random(ids, 4, 5, torch.Generator().manual_seed(1)))[0]
    assert not torch.equal(a, b)


@pytest.mark.parametrize("sequential", [False, True])
def test_loader_length_matches_iteration_and_reseeds(sequential):
    loader = SeqDataLoader(torch.arange(333), 3, 7, sequential=sequential, seed=0)
    for _ in range(3):
        assert len(list(loader)) == len(loader)
    loader.generator.manual_seed(5)
    first = [x for x, _ in loader]
    loader.generator.manual_seed(5)
    assert all(torch.equal(a, b) for a, b in zip(first, [x for x, _ in loader]))
    with pytest.raises(ValueError, match="too short"):
        SeqDataLoader(torch.arange(10), 3, 7)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.integers(1, 50), min_size=0, max_size=9), min_size=1, max_size=6))
def test_pad_round_trip(seqs):
    padded, lengths, mask = pad_sequences(seqs, pad_id=0)
    assert padded.shape == (len(seqs), max(len(s) for s in seqs)) == mask.shape
    assert lengths.tolist() == [len(s) for s in seqs]
    assert [row[m].tolist() for row, m in zip(padded, mask)] == seqs
    assert (padded[~mask] == 0).all()
    assert torch.equal(mask.sum(1), lengths)
