"""Parity of conv1d/conv2d/conv_transpose2d, unfold/fold and pad with torch, plus the modules."""

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
from dlfs.testing import assert_module_parity

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")


def _x(*shape: int) -> torch.Tensor:
    torch.manual_seed(sum(shape) + len(shape))
    return torch.randn(shape, dtype=torch.float64)


CONV2D_CASES = [  # (input shape, weight shape, kwargs)
    ((1, 3, 7, 7), (4, 3, 3, 3), {}),
    ((2, 4, 9, 8), (6, 2, 3, 2), {"groups": 2, "stride": 2}),
    ((2, 3, 6, 9), (5, 3, 2, 3), {"padding": (1, 2), "dilation": (2, 1)}),
    ((1, 4, 8, 7), (4, 1, 3, 3), {"groups": 4, "padding": "same"}),  # depthwise
    ((2, 2, 7, 6), (3, 2, 4, 2), {"padding": "same", "dilation": (1, 2)}),  # even kernel
    ((2, 3, 9, 11), (2, 3, 3, 5), {"padding": "valid", "stride": (3, 2)}),
    ((3, 5, 6), (2, 3, 3, 3), {"padding": 1}),  # unbatched
]


@pytest.mark.parametrize("xs,ws,kwargs", CONV2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_functional(xs, ws, kwargs, bias):
    check_fn(F.conv2d, TF.conv2d, _x(*xs), _x(*ws), _x(ws[0]) if bias else None, kwargs=kwargs)


@pytest.mark.parametrize("xs,ws,kwargs", [
    ((1, 3, 10), (4, 3, 3), {}),
    ((2, 4, 11), (6, 2, 4), {"groups": 2, "stride": 2, "padding": 1, "dilation": 2}),
    ((2, 3, 9), (2, 3, 4), {"padding": "same"}),
])
def test_conv1d_functional(xs, ws, kwargs):
    check_fn(F.conv1d, TF.conv1d, _x(*xs), _x(*ws), _x(ws[0]), kwargs=kwargs)


@pytest.mark.parametrize("xs,ws,kwargs", [
    ((1, 3, 4, 5), (3, 2, 3, 3), {}),
    ((2, 4, 5, 4), (4, 3, 3, 2), {"stride": 2, "output_padding": 1, "groups": 2}),
    ((2, 2, 3, 5), (2, 3, 2, 3), {"stride": (2, 3), "padding": (1, 2), "dilation": (2, 1),
                                  "output_padding": (1, 0)}),
    ((1, 2, 4, 4), (2, 1, 3, 3), {"dilation": 3, "stride": 2, "output_padding": 2}),
    ((2, 3, 3), (2, 3, 2, 2), {"stride": 2}),  # unbatched
])
def test_conv_transpose2d_functional(xs, ws, kwargs):
    check_fn(F.conv_transpose2d, TF.conv_transpose2d, _x(*xs), _x(*ws), _x(ws[1] * kwargs.get("groups", 1)),
             kwargs=kwargs)


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 2}, {"kernel_size": (2, 3), "stride": (2, 1), "padding": 1},
    {"kernel_size": 3, "dilation": (1, 2), "padding": (2, 1), "stride": 2},
])
@pytest.mark.parametrize("shape", [(1, 2, 5, 7), (2, 3, 6, 6)])
def test_unfold_fold(kwargs, shape):
    x = _x(*shape)
    check_fn(F.unfold, TF.unfold, x, kwargs=kwargs)
    cols = TF.unfold(x, **kwargs)
    check_fn(F.fold, TF.fold, cols, kwargs={"output_size": shape[2:], **kwargs})


def test_fold_rejects_wrong_block_count():
    with pytest.raises(ValueError, match="blocks"):
        F.fold(torch.zeros(1, 4, 5), (4, 4), 2)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,widths", [((2, 3, 6), (1, 2)), ((2, 3, 5, 6), (2, 1, 0, 3)),
                                          ((1, 3, 5, 6), (1, 1, 2, 2))])
def test_pad(mode, shape, widths):
    check_fn(F.pad, TF.pad, _x(*shape), kwargs={"pad": widths, "mode": mode})


def test_pad_constant_value_and_crop():
    check_fn(F.pad, TF.pad, _x(2, 5, 6), kwargs={"pad": (-1, 2, 1, -2), "value": 3.5})
    check_fn(F.pad, TF.pad, _x(2, 5, 6), kwargs={"pad": (0, 0, 0, 0, 1, 1)})


@pytest.mark.parametrize("args,kwargs", [
    ((3, 4, 3), {}),
    ((4, 6, (3, 2)), {"stride": 2, "groups": 2, "bias": False}),
    ((3, 4, (2, 3)), {"padding": "same", "dilation": 2}),
    ((3, 2, 3), {"padding": 1, "padding_mode": "reflect"}),
    ((3, 2, (3, 2)), {"padding": "same", "padding_mode": "replicate"}),
    ((3, 2, 3), {"padding": (2, 1), "padding_mode": "circular", "stride": (1, 2)}),
])
@pytest.mark.parametrize("shape", [(1, None, 7, 7), (2, None, 6, 9)])
def test_conv2d_module(args, kwargs, shape):
    x = _x(shape[0], args[0], *shape[2:])
    check_module(lambda: dnn.Conv2d(*args, **kwargs), lambda: nn.Conv2d(*args, **kwargs), x)


@pytest.mark.parametrize("kwargs", [{"padding": 1}, {"stride": 2, "dilation": 2, "groups": 3}])
def test_conv2d_fused_path_agrees(kwargs):
    """Values, input gradients and parameter gradients of the opt-in fast path."""
    torch.manual_seed(0)
    ours = dnn.Conv2d(3, 6, 3, **kwargs).double()
    fused = dnn.Conv2d(3, 6, 3, **kwargs, fused=True).double()
    fused.load_state_dict(ours.state_dict())
    assert_module_parity(ours, fused, _x(2, 3, 7, 6), load_state=False)


@pytest.mark.parametrize("args,kwargs", [
    ((3, 4, 3), {}), ((4, 6, 4), {"stride": 2, "groups": 2, "padding": 1, "dilation": 2}),
    ((3, 2, 3), {"padding": "same", "padding_mode": "reflect"}),
])
def test_conv1d_module(args, kwargs):
    check_module(lambda: dnn.Conv1d(*args, **kwargs), lambda: nn.Conv1d(*args, **kwargs),
                 _x(2, args[0], 11))


@pytest.mark.parametrize("args,kwargs", [
    ((3, 4, 3), {}), ((4, 6, (3, 2)), {"stride": 2, "output_padding": 1, "groups": 2}),
    ((2, 3, 3), {"stride": 2, "padding": 1, "dilation": 2, "bias": False}),
])
@pytest.mark.parametrize("batch", [1, 2])
def test_conv_transpose2d_module(args, kwargs, batch):
    check_module(lambda: dnn.ConvTranspose2d(*args, **kwargs),
                 lambda: nn.ConvTranspose2d(*args, **kwargs), _x(batch, args[0], 5, 4))


def test_conv_transpose2d_output_size():
    x = _x(1, 3, 5, 4)
    check_module(lambda: dnn.ConvTranspose2d(3, 2, 3, stride=2),
                 lambda: nn.ConvTranspose2d(3, 2, 3, stride=2), x,
                 forward_kwargs={"output_size": [12, 10]})
    with pytest.raises(ValueError, match="not reachable"):
        dnn.ConvTranspose2d(3, 2, 3, stride=2)(x, output_size=[20, 10])


def test_conv_errors():
    with pytest.raises(ValueError, match="strided"):
        dnn.Conv2d(2, 2, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="groups"):
        F.conv2d(torch.zeros(1, 3, 5, 5), torch.zeros(2, 2, 3, 3), groups=2)


def test_im2col_col2im_are_adjoint_and_twice_differentiable():
    """<unfold(x), c> == <x, fold(c)>, and gradgradcheck passes through both."""
    x, c = _x(2, 3, 5, 4), _x(2, 3 * 4, 9)
    kwargs = {"kernel_size": 2, "padding": 1, "stride": 2}
    lhs = (F.unfold(x, **kwargs) * c).sum()
    rhs = (x * F.fold(c, (5, 4), **kwargs)).sum()
    torch.testing.assert_close(lhs, rhs)
    w = _x(2, 3, 2, 2)
    assert torch.autograd.gradgradcheck(
        lambda a, b: F.conv2d(a, b, stride=2, padding=1),
        (x.requires_grad_(), w.requires_grad_()))


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_conv2d_random_configurations(data):
    """Random kernel/stride/padding/dilation/groups, including sizes where the kernel
    only just fits; float64 values and gradients equal to torch's."""
    draw = lambda lo, hi: data.draw(st.integers(lo, hi))  # noqa: E731
    groups = draw(1, 3)
    cin, cout = groups * draw(1, 2), groups * draw(1, 2)
    kh, kw, dh, dw = draw(1, 4), draw(1, 4), draw(1, 2), draw(1, 2)
    ph, pw, sh, sw = draw(0, 2), draw(0, 2), draw(1, 3), draw(1, 3)
    H = draw(max(1, dh * (kh - 1) + 1 - 2 * ph), 9)
    W = draw(max(1, dw * (kw - 1) + 1 - 2 * pw), 9)
    x, w = _x(draw(1, 2), cin, H, W), _x(cout, cin // groups, kh, kw)
    kwargs = {"stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw), "groups": groups}
    check_fn(F.conv2d, TF.conv2d, x, w, _x(cout), kwargs=kwargs, dtypes=(torch.float64,))
