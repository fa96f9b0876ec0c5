"""DataLoader: parity of batches and order with torch's, workers, errors, resumable state."""

from __future__ import annotations

import io
import os
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfs.data import (
    DataLoader,
    DataLoaderWorkerError,
    Dataset,
    TensorDataset,
    get_worker_info,
)
from dlfs.errors import DlfsError


def as_lists(loader, epochs=1):
    out = []
    for _ in range(epochs):
        for batch in loader:
            out.append([b.tolist() if isinstance(b, torch.Tensor) else b for b in batch]
                       if isinstance(batch, (list, tuple)) else batch)
    return out


def make_ds(n=11):
    return TensorDataset(torch.arange(2 * n, dtype=torch.float64).view(n, 2), torch.arange(n))


class RandomPerItem(Dataset):
    """Each item draws from the worker's torch, numpy and random RNGs: shows worker seeding."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        import random
        info = get_worker_info()
        return (torch.randint(0, 10**6, (1,)), i, -1 if info is None else info.id,
                np.random.randint(10**6), random.randint(0, 10**6))


class Failing(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == 7:
            raise ValueError("corrupt sample")
        return torch.tensor(i)


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(5)
        return i


class Dies(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if get_worker_info().id == 1:
            os._exit(3)
        return i


@pytest.mark.parametrize("kwargs", [
    dict(batch_size=3, shuffle=True),
    dict(batch_size=4, shuffle=True, drop_last=True),
    dict(batch_size=1),
    dict(batch_size=5, shuffle=False, drop_last=True),
    dict(batch_size=None, shuffle=True),
    dict(batch_size=20, shuffle=True),
])
def test_batches_match_torch_single_process(kwargs):
    ds = make_ds()
    ours = DataLoader(ds, generator=torch.Generator().manual_seed(0), **kwargs)
    ref = tud.DataLoader(ds, generator=torch.Generator().manual_seed(0), **kwargs)
    assert len(ours) == len(ref)
    assert as_lists(ours, epochs=3) == as_lists(ref, epochs=3)


def test_global_rng_order_matches_torch():
    ds = make_ds(9)
    torch.manual_seed(11)
    ours = as_lists(DataLoader(ds, batch_size=2, shuffle=True), epochs=2)
    torch.manual_seed(11)
    ref = as_lists(tud.DataLoader(ds, batch_size=2, shuffle=True), epochs=2)
    assert ours == ref


def test_workers_match_torch_batches_and_worker_seeds():
    """Same batches, and each item's worker-RNG draws equal torch's (seed = base_seed + id)."""
    kwargs = dict(batch_size=2, shuffle=True, num_workers=2)
    ours = as_lists(DataLoader(RandomPerItem(), generator=torch.Generator().manual_seed(3),
                               **kwargs), epochs=2)
    ref = as_lists(tud.DataLoader(RandomPerItem(), generator=torch.Generator().manual_seed(3),
                                  **kwargs), epochs=2)
    assert [b[:2] for b in ours] == [b[:2] for b in ref]  # torch draws and indices
    assert [b[2] for b in ours][:4] == [[0, 0], [1, 1], [0, 0], [1, 1]]  # round-robin
    assert [b[3] for b in ours] == [b[3] for b in ref]  # NumPy: seeded like torch's workers
    assert [b[4] for b in ours] == [b[4] for b in ref]  # Python's random: base_seed + id
    assert ours[0][0] != ours[4][0]  # the second epoch draws new seeds


def test_persistent_workers_match_torch_over_epochs():
    ds = make_ds(7)
    kwargs = dict(batch_size=3, shuffle=True, num_workers=2, persistent_workers=True)
    runs = []
    for cls in (DataLoader, tud.DataLoader):
        loader = cls(ds, generator=torch.Generator().manual_seed(2), **kwargs)
        first = as_lists([next(iter(loader))])  # an abandoned epoch: leftovers are dropped
        runs.append(first + as_lists(loader, epochs=2))
    assert runs[0] == runs[1]


def test_worker_error_names_worker_index_and_traceback():
    loader = DataLoader(Failing(), batch_size=4, num_workers=2)
    with pytest.raises(DataLoaderWorkerError) as info:
        list(loader)
    err = info.value
    assert err.worker_id == 1 and err.index == 7  # batch 1 = indices 4..7 went to worker 1
    text = str(err)
    assert "worker 1" in text and "dataset index 7" in text and "corrupt sample" in text
    assert "in __getitem__" in text and "ValueError" in text


def test_single_process_error_is_the_original_exception():
    with pytest.raises(ValueError, match="corrupt"):
        list(DataLoader(Failing(), batch_size=4))


def test_dead_worker_and_timeout_are_reported():
    with pytest.raises(DataLoaderWorkerError, match=r"worker 1 exited unexpectedly \(exit code 3\)"):
        list(DataLoader(Dies(), batch_size=1, num_workers=2))
    with pytest.raises(DlfsError, match="timed out after 0.3 s"):
        list(DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.3))


def test_worker_init_fn_failure_is_reported():
    def bad_init(worker_id):
        raise RuntimeError(f"no setup for {worker_id}")

    with pytest.raises(DataLoaderWorkerError, match="worker_init_fn.*no setup for"):
        list(DataLoader(make_ds(4), num_workers=1, worker_init_fn=bad_init))


def test_break_then_iter_starts_a_fresh_epoch_like_torch():
    ds = make_ds(10)
    ours = DataLoader(ds, batch_size=3, shuffle=True, generator=torch.Generator().manual_seed(4))
    ref = tud.DataLoader(ds, batch_size=3, shuffle=True, generator=torch.Generator().manual_seed(4))
    assert next(iter(ours))[1].tolist() == next(iter(ref))[1].tolist()
    assert as_lists(ours) == as_lists(ref)


def roundtrip(state):
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


@pytest.mark.parametrize("num_workers", [0, 2])
def test_state_dict_resumes_same_batch_of_same_epoch(num_workers):
    ds = make_ds(13)

    def loader():
        return DataLoader(ds, batch_size=3, shuffle=True, num_workers=num_workers,
                          generator=torch.Generator().manual_seed(9))

    full = as_lists(loader(), epochs=3)  # 5 batches per epoch
    run = loader()
    seen = as_lists(run, epochs=1)
    it = iter(run)
    seen += [as_lists([next(it)])[0], as_lists([next(it)])[0]]  # stop inside epoch 2
    state = roundtrip(run.state_dict())
    del it
    resumed = loader()
    resumed.load_state_dict(state)
    rest = as_lists(resumed, epochs=2)  # the rest of epoch 2, then epoch 3
    assert seen + rest == full


def test_state_dict_before_and_between_epochs():
    ds = make_ds(6)
    a = DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1))
    b = DataLoader(ds, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(99))
    b.load_state_dict(roundtrip(a.state_dict()))
    assert as_lists(a) == as_lists(b)
    b.load_state_dict(roundtrip(a.state_dict()))  # after a finished epoch: the next one
    assert as_lists(a) == as_lists(b)


def test_option_errors():
    ds = make_ds(4)
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler"):
        DataLoader(ds, batch_sampler=[[0, 1]], batch_size=2)
    with pytest.raises(ValueError, match="num_workers > 0"):
        DataLoader(ds, persistent_workers=True)
    with pytest.raises(ValueError, match="no generator"):
        DataLoader(ds).load_state_dict(
            DataLoader(ds, generator=torch.Generator()).state_dict())


def test_custom_batch_sampler_and_collate():
    ds = make_ds(5)
    loader = DataLoader(ds, batch_sampler=[[4, 0], [2]], collate_fn=lambda b: [s[1].item() for s in b])
    assert list(loader) == [[4, 0], [2]] and len(loader) == 2


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.one_of(st.none(), st.integers(1, 12)),
       shuffle=st.booleans(), drop_last=st.booleans(), seed=st.integers(0, 2**31))
def test_random_configurations_match_torch(n, batch_size, shuffle, drop_last, seed):
    if batch_size is None:
        drop_last = False
    ds = make_ds(n)
    kwargs = dict(batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    ours = DataLoader(ds, generator=torch.Generator().manual_seed(seed), **kwargs)
    ref = tud.DataLoader(ds, generator=torch.Generator().manual_seed(seed), **kwargs)
    assert len(ours) == len(ref)
    assert as_lists(ours, epochs=2) == as_lists(ref, epochs=2)


def test_iterable_dataset_is_refused_clearly():
    class Stream(tud.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(TypeError, match="IterableDataset"):
        DataLoader(Stream())


def test_workers_exit_after_epoch_after_break_and_after_errors():
    import gc
    import multiprocessing as mp

    ds = make_ds(12)
    list(DataLoader(ds, batch_size=2, num_workers=2))
    assert mp.active_children() == []  # an epoch that ran to the end stops its workers
    it = iter(DataLoader(ds, batch_size=2, num_workers=2))
    next(it)
    assert len(mp.active_children()) == 2
    del it  # an abandoned epoch stops its workers when the iterator goes away
    gc.collect()
    assert mp.active_children() == []
    with pytest.raises(DataLoaderWorkerError):
        list(DataLoader(Failing(), batch_size=4, num_workers=2))
    assert mp.active_children() == []
    persistent = DataLoader(ds, batch_size=2, num_workers=2, persistent_workers=True)
    list(persistent)
    assert len(mp.active_children()) == 2  # kept for the next epoch
    persistent.shutdown_workers()
    assert mp.active_children() == []
