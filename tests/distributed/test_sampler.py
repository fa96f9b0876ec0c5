"""dlfs.distributed.DistributedSampler gives torch's index sets (no process group needed)."""

from __future__ import annotations

import itertools

import pytest
import torch.utils.data.distributed as tud

from dlfs.data import DataLoader
from dlfs.distributed import DistributedSampler


@pytest.mark.parametrize("n,world", [(0, 2), (1, 3), (5, 2), (7, 3), (12, 4), (10, 1),
                                     (3, 5)])
@pytest.mark.parametrize("shuffle,drop_last", list(itertools.product((True, False),
                                                                     repeat=2)))
def test_index_sets_equal_torchs(n, world, shuffle, drop_last):
    data = list(range(n))
    for rank, (seed, epoch) in itertools.product(range(world), ((0, 0), (3, 2))):
        ours = DistributedSampler(data, world, rank, shuffle=shuffle, seed=seed,
                                  drop_last=drop_last)
        ref = tud.DistributedSampler(data, world, rank, shuffle=shuffle, seed=seed,
                                     drop_last=drop_last)
        ours.set_epoch(epoch)
        ref.set_epoch(epoch)
        assert list(ours) == list(ref), (rank, seed, epoch)
        assert len(ours) == len(ref) == len(list(ours))


def test_the_ranks_cover_the_epoch_and_epochs_differ():
    seen = sum((list(DistributedSampler(range(10), 3, r, seed=1)) for r in range(3)), [])
    assert len(seen) == 12 and set(seen) == set(range(10))   # all, 2 of them twice (padding)
    sampler = DistributedSampler(range(10), 3, 0, seed=1)
    first = list(sampler)
    sampler.set_epoch(1)
    assert list(sampler) != first


def test_union_of_the_ranks_batches_is_the_single_process_batch():
    """Batch j of N ranks with batch b together = batch j of one process with batch N*b."""
    n, world, b = 40, 2, 3
    single = list(DataLoader(range(n), batch_size=world * b, drop_last=True,
                             sampler=DistributedSampler(range(n), 1, 0, seed=5)))
    ranks = [list(DataLoader(range(n), batch_size=b, drop_last=True,
                             sampler=DistributedSampler(range(n), world, r, seed=5)))
             for r in range(world)]
    assert len(single) == len(ranks[0]) == len(ranks[1])
    for j, batch in enumerate(single):
        union = sorted(sum((ranks[r][j].tolist() for r in range(world)), []))
        assert union == sorted(batch.tolist()), j


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"rank must be an int in \[0, 1\].*got 2"):
        DistributedSampler(range(4), 2, 2)
    with pytest.raises(ValueError, match="num_replicas must be an int >= 1"):
        DistributedSampler(range(4), 0, 0)
    assert len(DistributedSampler(range(4))) == 4        # no process group: world 1
