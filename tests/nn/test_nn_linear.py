"""Parity of Linear, Bilinear, Identity, Flatten, Unflatten (and F.linear, F.bilinear)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF
from nn_parity_helpers import check_fn, check_module
from torch import nn

import dlfs.nn as dnn
import dlfs.nn.functional as F


def _x(*shape: int) -> torch.Tensor:
    torch.manual_seed(sum(shape))
    return torch.randn(shape, dtype=torch.float64)


@pytest.mark.parametrize("shape", [(1, 7), (4, 7), (2, 3, 7), (7,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_functional(shape, bias):
    w, b = _x(5, 7), (_x(5) if bias else None)
    check_fn(F.linear, TF.linear, _x(*shape), w, b)


@pytest.mark.parametrize("shape", [(1, 6), (5, 6), (2, 3, 6)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_module(shape, bias):
    check_module(lambda: dnn.Linear(6, 4, bias=bias), lambda: nn.Linear(6, 4, bias=bias),
                 _x(*shape))


@pytest.mark.parametrize("lead", [(1,), (4,), (2, 3)])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear(lead, bias):
    check_module(lambda: dnn.Bilinear(3, 5, 4, bias=bias), lambda: nn.Bilinear(3, 5, 4, bias=bias),
                 _x(*lead, 3), _x(*lead, 5))
    check_fn(F.bilinear, TF.bilinear, _x(*lead, 3), _x(*lead, 5), _x(4, 3, 5),
             _x(4) if bias else None)


def test_identity_ignores_arguments():
    check_module(lambda: dnn.Identity(3, foo=1), lambda: nn.Identity(3, foo=1), _x(2, 3))


@pytest.mark.parametrize("start,end", [(1, -1), (0, -1), (1, 2), (-2, -1), (2, 2)])
def test_flatten(start, end):
    check_module(lambda: dnn.Flatten(start, end), lambda: nn.Flatten(start, end), _x(2, 3, 4, 5))


@pytest.mark.parametrize("dim,sizes", [(1, (3, 4)), (-1, (2, 2, 3)), (1, (-1, 2)), (0, (2, 1))])
def test_unflatten(dim, sizes):
    check_module(lambda: dnn.Unflatten(dim, sizes), lambda: nn.Unflatten(dim, sizes),
                 _x(2, 12))


def test_linear_init_bound():
    torch.manual_seed(0)
    layer = dnn.Linear(400, 300)
    bound = 1 / 400 ** 0.5
    assert layer.weight.abs().max() <= bound
    assert layer.weight.abs().max() > 0.95 * bound  # uniform over the whole interval
    assert abs(layer.weight.var().item() - bound ** 2 / 3) < 0.05 * bound ** 2
