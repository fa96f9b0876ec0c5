"""broadcast_shape (from scratch) against torch.broadcast_shapes, and its error messages."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlfs.errors import DlfsError
from dlfs.tensors import BroadcastError, broadcast_shape, expand_dims_for


@st.composite
def broadcastable_shapes(draw):
    """2–4 shapes that broadcast: suffixes of one base shape with some sizes set to 1."""
    base = draw(st.lists(st.integers(0, 5), min_size=0, max_size=5))
    shapes = []
    for _ in range(draw(st.integers(2, 4))):
        keep = draw(st.integers(0, len(base)))
        suffix = base[len(base) - keep:]
        ones = draw(st.lists(st.booleans(), min_size=len(suffix), max_size=len(suffix)))
        shapes.append(tuple(1 if o else d for d, o in zip(suffix, ones)))
    return shapes


@settings(max_examples=100, deadline=None)
@given(broadcastable_shapes())
def test_matches_torch_on_broadcastable_shapes(shapes):
    assert broadcast_shape(*shapes) == tuple(torch.broadcast_shapes(*shapes))
    # the same result as actually broadcasting tensors of these shapes
    tensors = [torch.empty(s) for s in shapes]
    assert broadcast_shape(*shapes) == tuple(torch.broadcast_tensors(*tensors)[0].shape)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 4), max_size=4).map(tuple), min_size=1, max_size=3))
def test_agrees_with_torch_on_any_shapes(shapes):
    """Random shapes: either both succeed with the same result or both refuse."""
    try:
        expected = tuple(torch.broadcast_shapes(*shapes))
    except RuntimeError:
        with pytest.raises(BroadcastError):
            broadcast_shape(*shapes)
    else:
        assert broadcast_shape(*shapes) == expected


@pytest.mark.parametrize(("shapes", "expected"), [
    ([(8, 1, 6, 1), (7, 1, 5)], (8, 7, 6, 5)),
    ([(3,), (4, 1)], (4, 3)),
    ([(), (2, 3)], (2, 3)),
    ([(0,), (1,)], (0,)),
    ([(5, 4), (1,), (4,)], (5, 4)),
    ([], ()),
    ([3, (2, 1)], (2, 3)),
    ([torch.Size([2, 1]), [1, 7]], (2, 7)),
])
def test_known_cases(shapes, expected):
    assert broadcast_shape(*shapes) == expected


def test_error_names_shapes_and_dimension():
    with pytest.raises(BroadcastError) as info:
        broadcast_shape((2, 3, 4), (5, 4))
    msg = str(info.value)
    assert "(2, 3, 4)" in msg and "(5, 4)" in msg
    assert "dimension -2" in msg and "3, 5" in msg
    assert isinstance(info.value, DlfsError) and isinstance(info.value, ValueError)


def test_error_on_bad_arguments():
    with pytest.raises(BroadcastError, match="negative"):
        broadcast_shape((2, -1))
    with pytest.raises(BroadcastError, match="argument 1"):
        broadcast_shape((2,), "ab")


@pytest.mark.parametrize(("shape", "target"), [
    ((3, 1), (2, 3, 4)), ((1,), (5,)), ((), (2, 2)), ((2, 1, 1), (2, 1, 3)), ((4,), (4,)),
])
def test_expand_dims_for_is_the_unbroadcast_sum(shape, target):
    """Summing a broadcast gradient over these dims gives back the operand's shape."""
    g = torch.randn(target, dtype=torch.float64)
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    (x.expand(target) * g).sum().backward()
    dims = expand_dims_for(shape, target)
    manual = g.sum(dim=dims, keepdim=True) if dims else g
    manual = manual.reshape(shape)
    torch.testing.assert_close(manual, x.grad)


def test_expand_dims_for_refuses_non_broadcast():
    with pytest.raises(BroadcastError, match="does not broadcast"):
        expand_dims_for((3,), (3, 2))
