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
    cut = lambda x: F.gelu(x).detach()                        # noqa: E731
    ours, ref = (cut, TF.gelu) if side == "ours" else (F.gelu, lambda x: TF.gelu(x).detach())
    with pytest.raises(AssertionError, match="require grad: ours"):
        assert_fn_parity(ours, ref, _x(3, 5))


def test_an_output_computed_under_no_grad_fails():
    def ours(x):
        with torch.no_grad():
            return F.gelu(x)

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
    check = lambda ours, ref: assert_module_parity(ours, ref, _x(3, 4), load_state=False,  # noqa: E731
                                                   builtins_ok=True)   # torch's Linear on both sides
    check(_WithBuffer("running"), _WithBuffer("running"))
    with pytest.raises(AssertionError, match="buffer names differ"):
        check(_WithBuffer("running"), _WithBuffer(None))
    with pytest.raises(AssertionError, match="buffer names differ"):
        check(_WithBuffer(None), _WithBuffer("running"))


def test_a_wrong_parameter_gradient_fails_naming_the_parameter():
    class HalfWeightGrad(nn.Linear):                          # d/dW scaled by 1/2
        def forward(self, x):
            w = self.weight * 0.5 + self.weight.detach() * 0.5
            return x @ w.t() + self.bias

    torch.manual_seed(0)
    ref = nn.Linear(4, 2, dtype=D)
    with pytest.raises(AssertionError, match="grad of parameter 'weight'"):
        assert_module_parity(HalfWeightGrad(4, 2, dtype=D), ref, _x(3, 4))


# ---- the built-in call check: every known way to reach a built-in, planted ---------------

def _alias_gelu(x):
    g = torch.nn.functional.gelu                              # an alias the source scan misses
    return g(x)


def _vf_lstm_cell(x):
    w_ih, w_hh = torch.ones(8, 2, dtype=D), torch.ones(8, 2, dtype=D)
    h = torch.zeros(1, 2, dtype=D)
    return torch._VF.lstm_cell(x, (h, h), w_ih, w_hh, None, None)[0]


def _torch_layer_on_the_fly(x):
    return torch.nn.modules.activation.GELU()(x)


def _unbound_softmax(x):
    return torch.Tensor.softmax(x, -1)


class _BuiltinInBackward(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return torch.nn.functional.hardtanh(g, -1e9, 1e9) * 2  # the built-in, in backward


PLANTED = {
    "alias of F.gelu": (_alias_gelu, TF.gelu, "torch.nn.functional.gelu"),
    "torch._VF": (_vf_lstm_cell, _vf_lstm_cell, "torch.lstm_cell"),
    "torch.nn layer built on the fly": (_torch_layer_on_the_fly, TF.gelu,
                                        "torch.nn.GELU.forward"),
    "torch.Tensor.softmax(x)": (_unbound_softmax, lambda x: x.softmax(-1),
                                "torch.Tensor.softmax"),
    "built-in in a custom backward": (_BuiltinInBackward.apply, lambda x: x * 2,
                                      "torch.nn.functional.hardtanh"),
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_a_planted_builtin_call_fails_the_parity_check(name):
    ours, ref, called = PLANTED[name]
    x = _x(1, 2) if "VF" in name else _x(3, 4)
    with pytest.raises(AssertionError, match=f"ours calls the PyTorch built-in.*{called}"):
        assert_fn_parity(ours, ref, x)
    assert_fn_parity(ours, ref, x, builtins_ok=True)          # the same, declared: passes
