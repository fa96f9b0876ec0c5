"""Ring all-reduce, gradient buckets and ZeRO-1 in one process (simulated ranks)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlfs.distributed.bucketing import all_reduce_gradients, flatten, make_buckets, unflatten
from dlfs.distributed.ring import reduce_scatter_chunks, simulate_ring_all_reduce
from dlfs.distributed.zero import ZeroRedundancyOptimizer, partition_parameters
from dlfs.optim import AdamW


@pytest.mark.parametrize("world", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("shape", [(1,), (7,), (4, 5), (2, 3, 4)])
def test_simulated_ring_sums_and_sends_2_n_minus_1_over_n(world, shape):
    g = torch.Generator().manual_seed(world)
    tensors = [torch.randn(*shape, generator=g, dtype=torch.float64) for _ in range(world)]
    before = [t.clone() for t in tensors]
    results, sent = simulate_ring_all_reduce(tensors)
    total = sum(tensors)
    for r, out in enumerate(results):
        torch.testing.assert_close(out, total, msg=f"rank {r}")
    assert all(torch.equal(a, b) for a, b in zip(tensors, before))       # inputs unchanged
    n, item = tensors[0].numel(), tensors[0].element_size()
    assert sum(sent) == 2 * (world - 1) * n * item                       # all ranks together
    if n % world == 0:                                                   # and each rank
        assert sent == [2 * (world - 1) * n // world * item] * world


def test_after_reduce_scatter_rank_r_holds_chunk_r_plus_1():
    world = 4
    holds = {}
    for r in range(world):              # the chunk r adds at the last step is complete
        _, into = reduce_scatter_chunks(r, world, world - 2)
        holds[r] = into
    assert holds == {r: (r + 1) % world for r in range(world)}


def test_ring_bad_inputs():
    with pytest.raises(ValueError, match="same shape"):
        simulate_ring_all_reduce([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(ValueError, match="one tensor per rank"):
        simulate_ring_all_reduce([])


def test_buckets_flatten_and_world_one():
    tensors = [torch.randn(3, 2), torch.randn(5), torch.randn(1, 4)]
    # bytes 24, 20, 16; last first: 16 + 20 = 36 >= 30 closes a bucket
    assert make_buckets(tensors, 30) == [[2, 1], [0]]
    assert make_buckets(tensors, 1) == [[2], [1], [0]]
    assert make_buckets(tensors, 10**6) == [[2, 1, 0]]
    flat = flatten(tensors)
    assert flat.shape == (15,)
    assert all(torch.equal(a, b) for a, b in zip(unflatten(flat, tensors), tensors))
    with pytest.raises(ValueError, match="bucket_bytes must be an int >= 1"):
        make_buckets(tensors, 0)
    p = nn.Parameter(torch.ones(2))
    p.grad = torch.full((2,), 3.0)
    assert all_reduce_gradients([p]) == 0 and p.grad.tolist() == [3.0, 3.0]   # one process


def test_partition_balances_and_covers():
    sizes = [100, 1, 50, 50, 30, 20]
    owners = partition_parameters(sizes, 3)
    loads = [sum(s for s, o in zip(sizes, owners) if o == r) for r in range(3)]
    assert owners == [0, 2, 1, 2, 1, 2] and loads == [100, 80, 71]   # largest first
    assert partition_parameters(sizes, 1) == [0] * 6
    with pytest.raises(ValueError, match="world must be an int >= 1"):
        partition_parameters(sizes, 0)


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def test_simulated_zero1_shards_together_make_the_adamw_step():
    """N ranks in one process: each steps only its shard; putting the shards together gives
    the plain AdamW trajectory, and each rank holds about 1/N of the state."""
    world, steps = 3, 4
    ref = _model()
    ref_opt = AdamW(ref.parameters(), lr=0.05, weight_decay=0.1)
    ranks = [_model() for _ in range(world)]
    opts = [ZeroRedundancyOptimizer(m.parameters(), AdamW, rank=r, world_size=world, lr=0.05,
                                    weight_decay=0.1) for r, m in enumerate(ranks)]
    g = torch.Generator().manual_seed(1)
    for _ in range(steps):
        x = torch.randn(5, 6, generator=g, dtype=torch.float64)
        for model in [ref, *ranks]:                          # the same (all-reduced) grads
            model.zero_grad()
            model(x).square().mean().backward()
        ref_opt.step()
        for opt in opts:
            opt.local_step()
        for r, opt in enumerate(opts):                       # the "all-gather", by hand
            for i, owner in enumerate(opt.owners):
                if owner == r:
                    for other in ranks:
                        list(other.parameters())[i].data.copy_(list(ranks[r].parameters())[i])
    for model in ranks:
        for a, b in zip(model.parameters(), ref.parameters()):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
    full = sum(t.numel() * t.element_size() for s in ref_opt.state.values()
               for t in s.values() if torch.is_tensor(t))
    shares = [opt.state_bytes() for opt in opts]
    assert sum(shares) == full and max(shares) < 0.6 * full, (shares, full)


def test_zero_bad_arguments():
    with pytest.raises(ValueError, match=r"rank must be in \[0, 1\]"):
        ZeroRedundancyOptimizer(_model().parameters(), AdamW, rank=2, world_size=2, lr=0.1)
    with pytest.raises(ValueError, match="params is empty"):
        ZeroRedundancyOptimizer([], AdamW, lr=0.1)
