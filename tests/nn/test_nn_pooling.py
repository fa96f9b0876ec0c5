"""Parity of max/avg/adaptive pooling (functional and modules) with torch, incl. ceil_mode."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_parity_helpers import check_fn, check_module
from torch import nn

import dlfs.nn as dnn
import dlfs.nn.functional as F


def _x(*shape: int) -> torch.Tensor:
    torch.manual_seed(sum(shape) + len(shape))
    return torch.randn(shape, dtype=torch.float64)


MAX_CASES = [
    {"kernel_size": 2},
    {"kernel_size": (3, 2), "stride": (2, 3), "padding": 1, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "dilation": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (2, 3), "ceil_mode": True, "padding": (1, 0)},
    {"kernel_size": 3, "stride": 1, "padding": 1},
]
SHAPES = [(1, 1, 5, 5), (2, 3, 9, 8), (3, 7, 6)]  # batch 1, odd sizes, unbatched


@pytest.mark.parametrize("kwargs", MAX_CASES)
@pytest.mark.parametrize("shape", SHAPES)
def test_max_pool2d(kwargs, shape):
    check_fn(F.max_pool2d, TF.max_pool2d, _x(*shape), kwargs=kwargs)
    ours = F.max_pool2d(_x(*shape), return_indices=True, **kwargs)
    ref = TF.max_pool2d(_x(*shape), return_indices=True, **kwargs)
    torch.testing.assert_close(ours, ref, atol=0, rtol=0)


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 2},
    {"kernel_size": (3, 2), "stride": (2, 3), "padding": 1, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": 5},
    {"kernel_size": (2, 3), "ceil_mode": True, "padding": (1, 0)},
    {"kernel_size": (2, 3), "ceil_mode": True, "padding": (1, 1), "count_include_pad": False},
])
@pytest.mark.parametrize("shape", SHAPES)
def test_avg_pool2d(kwargs, shape):
    check_fn(F.avg_pool2d, TF.avg_pool2d, _x(*shape), kwargs=kwargs)


@pytest.mark.parametrize("size", [1, (3, 4), (4, None), (5, 7), (9, 8), (10, 11)])
@pytest.mark.parametrize("shape", [(1, 2, 9, 8), (2, 3, 7, 5)])
def test_adaptive_pools(size, shape):
    check_fn(F.adaptive_avg_pool2d, TF.adaptive_avg_pool2d, _x(*shape), kwargs={"output_size": size})
    check_fn(F.adaptive_max_pool2d, TF.adaptive_max_pool2d, _x(*shape), kwargs={"output_size": size})
    ours = F.adaptive_max_pool2d(_x(*shape), size, return_indices=True)
    ref = TF.adaptive_max_pool2d(_x(*shape), size, return_indices=True)
    torch.testing.assert_close(ours, ref, atol=0, rtol=0)


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool2d(2), lambda m: m.MaxPool2d((3, 2), stride=2, padding=1, ceil_mode=True),
    lambda m: m.MaxPool2d(3, dilation=2, return_indices=True),
    lambda m: m.AvgPool2d(2, ceil_mode=True), lambda m: m.AvgPool2d(3, 2, 1, count_include_pad=False),
    lambda m: m.AdaptiveAvgPool2d((2, 3)), lambda m: m.AdaptiveAvgPool2d(1),
    lambda m: m.AdaptiveMaxPool2d((3, None)), lambda m: m.AdaptiveMaxPool2d(2, return_indices=True),
])
@pytest.mark.parametrize("shape", [(1, 2, 7, 7), (2, 3, 8, 9)])
def test_pooling_modules(make, shape):
    check_module(lambda: make(dnn), lambda: make(nn), _x(*shape))


@pytest.mark.parametrize("n,k,s,p", [(5, 2, 2, 0), (6, 3, 2, 1), (7, 3, 3, 1), (8, 2, 3, 1)])
def test_pool_output_size_matches(n, k, s, p):
    for ceil in (False, True):
        out = TF.max_pool2d(torch.zeros(1, 1, n, n), k, s, p, ceil_mode=ceil)
        assert out.shape[-1] == F.pool_output_size(n, k, s, p, ceil_mode=ceil)


def test_padding_larger_than_half_kernel_is_rejected():
    with pytest.raises(ValueError, match="half"):
        F.max_pool2d(torch.zeros(1, 1, 5, 5), 2, padding=2)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_pooling_random_configurations(data):
    """Random kernel/stride/padding/dilation/ceil_mode for max and avg pooling."""
    draw = lambda lo, hi: data.draw(st.integers(lo, hi))  # noqa: E731
    kh, kw, sh, sw = draw(1, 4), draw(1, 4), draw(1, 3), draw(1, 3)
    ph, pw = draw(0, kh // 2), draw(0, kw // 2)
    dh, dw = draw(1, 2), draw(1, 2)
    H, W = draw(dh * (kh - 1) + 1, 9), draw(dw * (kw - 1) + 1, 9)
    ceil = data.draw(st.booleans())
    x = _x(draw(1, 2), 2, H, W)
    common = {"kernel_size": (kh, kw), "stride": (sh, sw), "padding": (ph, pw), "ceil_mode": ceil}
    check_fn(F.max_pool2d, TF.max_pool2d, x, kwargs={**common, "dilation": (dh, dw)},
             dtypes=(torch.float64,))
    include = data.draw(st.booleans())
    check_fn(F.avg_pool2d, TF.avg_pool2d, x, kwargs={**common, "count_include_pad": include},
             dtypes=(torch.float64,))
