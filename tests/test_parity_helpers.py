"""The parity helpers (``dlfs.testing``) catch the bugs they exist to catch: each test plants
one and sees the check fail, beside the honest version that passes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF
from torch import nn

import dlfs.nn.functional as F
from dlfs.testing import assert_fn_parity, assert_module_parity

D = torch.float64


def _x(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=D)


def test_honest_function_passes():
    assert_fn_parity(F.gelu, TF.gelu, _x(3, 5))


@pytest.mark.parametrize("side", ["ours", "reference"])
def test_a_detached_output_fails_instead_of_comparing_nothing(side):
    cut = lambda x: TF.gelu(x).detach()                       # noqa: E731
    ours, ref = (cut, TF.gelu) if side == "ours" else (F.gelu, cut)
    with pytest.raises(AssertionError, match="require grad: ours"):
        assert_fn_parity(ours, ref, _x(3, 5))


def test_an_output_computed_under_no_grad_fails():
    def ours(x):
        with torch.no_grad():
            return TF.gelu(x)

    with pytest.raises(AssertionError, match="detached"):
        assert_fn_parity(ours, TF.gelu, _x(4))


def _scaled(x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return (x * scale).sum(-1)


def test_keyword_tensor_gradients_are_compared():
    kwargs = {"scale": _x(5, seed=1)}
    assert_fn_parity(_scaled, _scaled, _x(3, 5), kwargs=kwargs)

    def ours_detached(x, scale):                              # no gradient for `scale`
        return (x * scale.detach()).sum(-1)

    with pytest.raises(AssertionError, match="grad of keyword 'scale'"):
        assert_fn_parity(ours_detached, _scaled, _x(3, 5), kwargs=kwargs)

    def ours_wrong(x, scale):              # same value, a gradient for `scale` off by 0.5
        return (x * scale).sum(-1) + 0.5 * (scale - scale.detach()).sum()

    with pytest.raises(AssertionError, match="grad of keyword 'scale'"):
        assert_fn_parity(ours_wrong, _scaled, _x(3, 5), kwargs=kwargs)


def test_keyword_tensors_are_fresh_copies_per_side():
    """An in-place change of a keyword tensor by one side cannot leak into the other."""
    def ours(x, scale):
        scale.data.mul_(2)                                    # a bug: mutates its input
        return (x * scale).sum(-1)

    with pytest.raises(AssertionError, match="output"):
        assert_fn_parity(ours, _scaled, _x(3, 5), kwargs={"scale": _x(5, seed=1)})


def test_a_wrong_input_gradient_fails_naming_the_input():
    class WrongBackward(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return -2 * g                                     # the sign is wrong

    with pytest.raises(AssertionError, match=r"grad of input\[0\]"):
        assert_fn_parity(WrongBackward.apply, lambda x: x * 2, _x(3))


class _WithBuffer(nn.Linear):
    def __init__(self, name: str | None):
        torch.manual_seed(0)                                  # the same weights every time
        super().__init__(4, 2, dtype=D)
        if name is not None:
            self.register_buffer(name, torch.zeros(2, dtype=D))


def test_buffers_are_compared_both_ways():
    assert_module_parity(_WithBuffer("running"), _WithBuffer("running"), _x(3, 4))
    with pytest.raises(AssertionError, match="buffer names differ"):
        assert_module_parity(_WithBuffer("running"), _WithBuffer(None), _x(3, 4),
                             load_state=False)
    with pytest.raises(AssertionError, match="buffer names differ"):
        assert_module_parity(_WithBuffer(None), _WithBuffer("running"), _x(3, 4),
                             load_state=False)


def test_a_wrong_parameter_gradient_fails_naming_the_parameter():
    class HalfWeightGrad(nn.Linear):                          # d/dW scaled by 1/2
        def forward(self, x):
            w = self.weight * 0.5 + self.weight.detach() * 0.5
            return x @ w.t() + self.bias

    torch.manual_seed(0)
    ref = nn.Linear(4, 2, dtype=D)
    with pytest.raises(AssertionError, match="grad of parameter 'weight'"):
        assert_module_parity(HalfWeightGrad(4, 2, dtype=D), ref, _x(3, 4))
