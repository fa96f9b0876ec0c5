"""Parity of Embedding / F.embedding / F.one_hot with torch, incl. padding_idx and max_norm."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF
from nn_parity_helpers import check_fn, check_module
from torch import nn

import dlfs.nn as dnn
import dlfs.nn.functional as F


def _ids(*shape: int, high: int = 10) -> torch.Tensor:
    torch.manual_seed(sum(shape))
    ids = torch.randint(0, high, shape)
    ids.view(-1)[0] = 0  # make sure the padding row (0) is looked up
    return ids


@pytest.mark.parametrize("shape", [(1,), (4,), (2, 5), (3, 2, 2)])
@pytest.mark.parametrize("padding_idx", [None, 0, -1])
def test_embedding_module(shape, padding_idx):
    ids = _ids(*shape)
    if padding_idx == -1:
        ids.view(-1)[-1] = 9
    ours, ref = check_module(lambda: dnn.Embedding(10, 3, padding_idx=padding_idx),
                             lambda: nn.Embedding(10, 3, padding_idx=padding_idx), ids)
    if padding_idx is not None:
        row = padding_idx % 10
        assert ours.weight.grad[row].abs().sum() == 0
        assert ours.weight[row].abs().sum() == 0  # zero at initialization


def test_embedding_functional_and_max_norm():
    torch.manual_seed(0)
    w = torch.randn(8, 4, dtype=torch.float64) * 3
    ids = torch.tensor([[1, 2, 2], [7, 0, 1]])
    check_fn(F.embedding, TF.embedding, ids, w, kwargs={"padding_idx": 2})
    wa, wb = w.clone(), w.clone()
    ya = F.embedding(ids, wa, max_norm=1.5)
    yb = TF.embedding(ids, wb, max_norm=1.5)
    torch.testing.assert_close(ya, yb)
    torch.testing.assert_close(wa, wb)  # the looked-up rows were renormalized in place


def test_embedding_from_pretrained_and_repr():
    table = torch.randn(5, 2)
    ours = dnn.Embedding.from_pretrained(table, padding_idx=1, max_norm=2.0)
    ref = nn.Embedding.from_pretrained(table, padding_idx=1, max_norm=2.0)
    assert repr(ours) == repr(ref)
    assert not ours.weight.requires_grad
    ids = torch.tensor([0, 1, 4])
    torch.testing.assert_close(ours(ids), ref(ids))


@pytest.mark.parametrize("num_classes", [-1, 12])
@pytest.mark.parametrize("shape", [(5,), (2, 3), ()])
def test_one_hot(shape, num_classes):
    ids = torch.randint(0, 10, shape)
    check_fn(F.one_hot, TF.one_hot, ids, kwargs={"num_classes": num_classes}, grad=False,
             dtypes=(torch.float64,))


def test_one_hot_errors():
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(torch.tensor([-1, 2]))
    with pytest.raises(ValueError, match="smaller"):
        F.one_hot(torch.tensor([3]), num_classes=2)
    with pytest.raises(TypeError, match="int64"):
        F.one_hot(torch.tensor([1.0]))
