"""The from-scratch collectives against torch.distributed's, in real gloo processes (slow:
`make test-full`). Ranks are forked by dlfs.distributed.launch.run_processes."""

from __future__ import annotations

import pytest
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from dlfs.distributed.bucketing import all_reduce_gradients
from dlfs.distributed.launch import run_processes
from dlfs.distributed.ring import ring_all_reduce
from dlfs.distributed.zero import ZeroRedundancyOptimizer
from dlfs.optim import AdamW

pytestmark = pytest.mark.slow

SHAPES = [(1,), (7,), (12,), (5, 6)]


def _ring_vs_builtin(rank, world):
    out = []
    for dtype in (torch.float32, torch.float64):
        for shape in SHAPES:
            g = torch.Generator().manual_seed(100 * rank + len(shape))
            x = torch.randn(*shape, generator=g, dtype=dtype)
            ours, ref = x.clone(), x.clone()
            sent = ring_all_reduce(ours)
            dist.all_reduce(ref)
            out.append((shape, dtype, ours, ref, sent))
    return out


@pytest.mark.parametrize("world", [2, 3, 4])
def test_ring_all_reduce_equals_dist_all_reduce(world):
    for rank, rows in enumerate(run_processes(_ring_vs_builtin, world)):
        for shape, dtype, ours, ref, sent in rows:
            torch.testing.assert_close(ours, ref, msg=f"rank {rank}, {shape} {dtype}")
            n, item = ours.numel(), ours.element_size()
            if n % world == 0:
                assert sent == 2 * (world - 1) * n // world * item, (rank, shape, sent)


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 2))


def _batch(rank):
    g = torch.Generator().manual_seed(rank)
    return torch.randn(5, 6, generator=g)


def _buckets_vs_ddp(rank, world):
    ddp = DistributedDataParallel(_model())
    ddp(_batch(rank)).square().mean().backward()
    want = [p.grad.clone() for p in ddp.module.parameters()]
    results = {}
    for name, reduce in (("dist.all_reduce", None), ("ring", ring_all_reduce)):
        model = _model()
        model(_batch(rank)).square().mean().backward()
        buckets = all_reduce_gradients(model.parameters(), bucket_bytes=150,
                                       all_reduce=reduce)
        results[name] = (buckets, [p.grad.clone() for p in model.parameters()])
    return want, results


@pytest.mark.parametrize("world", [2, 3])
def test_bucketed_all_reduce_gives_ddps_gradients(world):
    for rank, (want, results) in enumerate(run_processes(_buckets_vs_ddp, world)):
        for name, (buckets, grads) in results.items():
            assert buckets == 3, buckets                      # several buckets were used
            for i, (a, b) in enumerate(zip(grads, want)):
                torch.testing.assert_close(a, b, msg=f"rank {rank}, {name}, parameter {i}")


def _zero_vs_adamw(rank, world, steps):
    runs = []
    for sharded in (False, True):
        ddp = DistributedDataParallel(_model())
        params = ddp.module.parameters()
        opt = (ZeroRedundancyOptimizer(params, AdamW, lr=0.05, weight_decay=0.1) if sharded
               else AdamW(params, lr=0.05, weight_decay=0.1))
        for step in range(steps):
            opt.zero_grad()
            ddp(_batch(rank + 10 * step)).square().mean().backward()
            opt.step()
        state = (opt.state_bytes() if sharded else
                 sum(t.numel() * t.element_size() for s in opt.state.values()
                     for t in s.values() if torch.is_tensor(t)))
        runs.append(([p.detach().clone() for p in ddp.module.parameters()], state))
    return runs


@pytest.mark.parametrize("world", [2, 3])
def test_zero1_trajectory_equals_ddp_with_adamw(world):
    for rank, (plain, sharded) in enumerate(run_processes(_zero_vs_adamw, world, 5)):
        for i, (a, b) in enumerate(zip(sharded[0], plain[0])):
            torch.testing.assert_close(a, b, rtol=0, atol=0, msg=f"rank {rank}, param {i}")
        assert sharded[1] < plain[1] * 0.75, (sharded[1], plain[1])


def _zero_state_bytes(rank, world):
    from dlfs.models import GPT, GPTConfig

    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=103))                   # the capstone's 0.8 M model
    opt = ZeroRedundancyOptimizer(model.parameters(), AdamW, lr=1e-3)
    for p in model.parameters():
        p.grad = torch.zeros_like(p)
    opt.step()
    return opt.state_bytes()


def test_zero1_state_per_rank_falls_as_one_over_n():
    full = run_processes(_zero_state_bytes, 1)[0]
    for world in (2, 4):
        per_rank = run_processes(_zero_state_bytes, world)
        assert sum(per_rank) == full
        assert max(per_rank) <= 1.05 * full / world, (world, per_rank, full)


# ---- a CNN with BatchNorm: per-rank statistics vs SyncBatchNorm ------------------------------

def _cnn_data():
    g = torch.Generator().manual_seed(3)
    return torch.randn(32, 1, 8, 8, generator=g), torch.randint(0, 3, (32,), generator=g)


def _train_cnn(rank, world, sync):
    import dlfs.nn as dnn
    from dlfs.data import DataLoader, TensorDataset
    from dlfs.distributed import DistributedSampler
    from dlfs.distributed.sync_batchnorm import convert_sync_batchnorm
    from dlfs.train import fit

    torch.manual_seed(0)
    model = dnn.Sequential(dnn.Conv2d(1, 4, 3), dnn.BatchNorm2d(4), dnn.ReLU(), dnn.Flatten(),
                           dnn.Linear(4 * 6 * 6, 3))
    if sync:
        model = convert_sync_batchnorm(model)
    data = TensorDataset(*_cnn_data())
    loader = DataLoader(data, batch_size=16 // world, drop_last=True,
                        sampler=DistributedSampler(data, world, rank, seed=0))
    fit(model, loader, loss_fn=nn.functional.cross_entropy, max_steps=4, device="cpu",
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    return model.state_dict()


def test_batchnorm_needs_sync_batchnorm_to_match_one_process():
    """Plain BatchNorm normalizes each rank's half batch by its own statistics: 2 processes
    drift from 1. With convert_sync_batchnorm the statistics cover both halves: equal."""
    single = _train_cnn(0, 1, sync=False)
    plain = run_processes(_train_cnn, 2, False)[0]
    synced = run_processes(_train_cnn, 2, True)[0]
    drift = max((plain[k].float() - v.float()).abs().max().item() for k, v in single.items())
    assert drift > 1e-3, drift
    for name, value in single.items():
        torch.testing.assert_close(synced[name], value, rtol=1e-4, atol=1e-5, msg=name)
