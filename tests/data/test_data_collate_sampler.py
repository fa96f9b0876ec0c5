"""Parity of data sets, samplers and default_collate with torch.utils.data."""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch
import torch.utils.data as tud

from dlfs.data import (
    BatchSampler,
    ConcatDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)

Point = namedtuple("Point", ["x", "label"])


def assert_same(ours, ref, where="batch"):
    """Same structure, same container types, same tensors (values and dtypes)."""
    assert type(ours) is type(ref), f"{where}: {type(ours)} != {type(ref)}"
    if isinstance(ref, torch.Tensor):
        assert ours.dtype == ref.dtype and ours.shape == ref.shape, f"{where}: {ours} vs {ref}"
        assert torch.equal(ours, ref), f"{where}: {ours} != {ref}"
    elif isinstance(ref, dict):
        assert list(ours) == list(ref), where
        for k in ref:
            assert_same(ours[k], ref[k], f"{where}[{k!r}]")
    elif isinstance(ref, (list, tuple)):
        assert len(ours) == len(ref), where
        for i, (a, b) in enumerate(zip(ours, ref)):
            assert_same(a, b, f"{where}[{i}]")
    else:
        assert ours == ref, f"{where}: {ours!r} != {ref!r}"


SAMPLES = {
    "tensors": [torch.randn(3, 2) for _ in range(4)],
    "ints": [1, 5, 7],
    "floats": [0.5, 1.25],
    "bools": [True, False, True],
    "strings": ["a", "bb"],
    "numpy": [np.arange(6, dtype=np.float32).reshape(2, 3) + i for i in range(3)],
    "numpy_scalars": [np.float64(1.5), np.float64(2.0)],
    "numpy_int_scalars": [np.int32(3), np.int32(4)],
    "tuples": [(torch.ones(2), 1, "x"), (torch.zeros(2), 0, "y")],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"img": torch.rand(1, 2, 2), "y": 3, "meta": {"id": "a"}},
              {"img": torch.rand(1, 2, 2), "y": 4, "meta": {"id": "b"}}],
    "ordered": [OrderedDict(b=1, a=2.0), OrderedDict(b=3, a=4.0)],
    "namedtuple": [Point(torch.tensor([1.0]), 0), Point(torch.tensor([2.0]), 1)],
    "batch_of_one": [(np.zeros((2, 2), dtype=np.uint8), 9)],
}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_default_collate_matches_torch(kind):
    batch = SAMPLES[kind]
    assert_same(default_collate(batch), tud.default_collate(batch))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="different shapes"):
        default_collate([torch.zeros(2), torch.zeros(3)])
    with pytest.raises(TypeError, match="found <class 'NoneType'>"):
        default_collate([None, None])
    with pytest.raises(TypeError):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert_matches_torch():
    for sample in [np.arange(3), {"a": np.ones(2)}, (np.zeros(1), 2), "s", Point(np.ones(1), 1)]:
        assert_same(default_convert(sample), tud.default_convert(sample))


def test_tensor_subset_concat():
    x, y = torch.randn(5, 3), torch.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5 and torch.equal(ds[2][0], x[2])
    with pytest.raises(ValueError, match=r"\(5, 3\), \(4,\)"):
        TensorDataset(x, torch.arange(4))
    sub = Subset(ds, [4, 1])
    assert len(sub) == 2 and int(sub[0][1]) == 4
    cat = ConcatDataset([ds, sub])
    ref = tud.ConcatDataset([ds, sub])
    assert len(cat) == len(ref) == 7 and cat.cumulative_sizes == ref.cumulative_sizes
    for i in range(-7, 7):
        assert_same(cat[i], ref[i])
    with pytest.raises(IndexError):
        cat[7]
    assert len(ds + sub) == 7


@pytest.mark.filterwarnings("ignore:Length of split:UserWarning")
@pytest.mark.parametrize("lengths", [[3, 7], [0.5, 0.5], [0.3, 0.3, 0.4], [0.33, 0.33, 0.34],
                                     [1.0, 0.0], [1, 1, 8]])
def test_random_split_matches_torch(lengths):
    data = list(range(10))
    ours = random_split(data, lengths, generator=torch.Generator().manual_seed(7))
    ref = tud.random_split(data, lengths, generator=torch.Generator().manual_seed(7))
    assert [s.indices for s in ours] == [list(s.indices) for s in ref]


def test_random_split_bad_lengths():
    with pytest.raises(ValueError, match="sum to 9"):
        random_split(range(10), [4, 5])


@pytest.mark.parametrize("n,replacement,num_samples", [(1, False, None), (7, False, None),
                                                       (5, False, 12), (9, True, 70),
                                                       (4, True, None)])
def test_random_sampler_matches_torch(n, replacement, num_samples):
    data = range(n)
    ours = RandomSampler(data, replacement, num_samples, torch.Generator().manual_seed(1))
    ref = tud.RandomSampler(data, replacement, num_samples, torch.Generator().manual_seed(1))
    for _ in range(2):  # two epochs: the generator state carries over
        assert list(ours) == list(ref)
    assert len(ours) == len(ref)


def test_random_sampler_global_rng_matches_torch():
    torch.manual_seed(5)
    ours = [list(RandomSampler(range(8))) for _ in range(2)]
    torch.manual_seed(5)
    ref = [list(tud.RandomSampler(range(8))) for _ in range(2)]
    assert ours == ref and ours[0] != ours[1]


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                       (1, 1, False)])
def test_batch_sampler_matches_torch(n, bs, drop):
    ours = BatchSampler(SequentialSampler(range(n)), bs, drop)
    ref = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
    assert list(ours) == list(ref) and len(ours) == len(ref)


def test_batch_sampler_rejects_bad_size():
    with pytest.raises(ValueError, match="positive int"):
        BatchSampler(range(3), 0, False)
