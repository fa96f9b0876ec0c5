"""Property tests of conv2d's output-size arithmetic: padding, stride, dilation, kernel, groups.

For random small configurations, dlfs's ``conv2d`` must give the shape that
``conv_output_size`` predicts, the same shape as torch's, and the same values (float64).
Values and gradients over many fixed cases are in ``test_nn_conv.py``; here the focus is the
size formula n_out = floor((n + 2p - d(k - 1) - 1) / s) + 1 on both axes independently.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import dlfs.nn.functional as F

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")


@st.composite
def conv_configs(draw: st.DrawFn) -> dict:
    """A conv2d configuration (shapes and keyword arguments) in which the dilated kernel
    fits into the padded input on both axes, sometimes with no room to spare."""
    groups = draw(st.integers(1, 3))
    cfg = {
        "B": draw(st.integers(1, 2)),
        "C_in": groups * draw(st.integers(1, 2)),
        "C_out": groups * draw(st.integers(1, 2)),
        "groups": groups,
        "k": (draw(st.integers(1, 5)), draw(st.integers(1, 5))),
        "s": (draw(st.integers(1, 4)), draw(st.integers(1, 4))),
        "p": (draw(st.integers(0, 3)), draw(st.integers(0, 3))),
        "d": (draw(st.integers(1, 3)), draw(st.integers(1, 3))),
    }
    sizes = []
    for axis in range(2):
        span = cfg["d"][axis] * (cfg["k"][axis] - 1) + 1  # the dilated kernel
        smallest = max(1, span - 2 * cfg["p"][axis])  # padded input must hold the span
        sizes.append(draw(st.integers(smallest, smallest + 8)))
    cfg["H"], cfg["W"] = sizes
    return cfg


def _inputs(cfg: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    torch.manual_seed(cfg["H"] * 31 + cfg["W"])
    x = torch.randn(cfg["B"], cfg["C_in"], cfg["H"], cfg["W"], dtype=torch.float64)
    w = torch.randn(cfg["C_out"], cfg["C_in"] // cfg["groups"], *cfg["k"], dtype=torch.float64)
    return x, w, torch.randn(cfg["C_out"], dtype=torch.float64)


def _kwargs(cfg: dict) -> dict:
    return {"stride": cfg["s"], "padding": cfg["p"], "dilation": cfg["d"],
            "groups": cfg["groups"]}


@settings(max_examples=60, deadline=None)
@given(cfg=conv_configs())
def test_output_shape_and_values_match_formula_and_torch(cfg):
    x, w, b = _inputs(cfg)
    ours = F.conv2d(x, w, b, **_kwargs(cfg))
    ref = TF.conv2d(x, w, b, **_kwargs(cfg))
    predicted = tuple(F.conv_output_size(n, cfg["k"][a], cfg["s"][a], cfg["p"][a], cfg["d"][a])
                      for a, n in enumerate((cfg["H"], cfg["W"])))
    assert ours.shape == ref.shape == (cfg["B"], cfg["C_out"], *predicted)
    assert min(predicted) >= 1
    torch.testing.assert_close(ours, ref)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 64), k=st.integers(1, 7), s=st.integers(1, 5), p=st.integers(0, 4),
       d=st.integers(1, 4))
def test_conv_output_size_counts_every_window_that_fits(n, k, s, p, d):
    """n_out windows start at 0, s, ..., (n_out - 1)s; the last fits, one more would not."""
    span = d * (k - 1) + 1
    n_out = F.conv_output_size(n, k, s, p, d)
    if n + 2 * p < span:
        assert n_out <= 0
        return
    assert (n_out - 1) * s + span <= n + 2 * p < n_out * s + span


@settings(max_examples=25, deadline=None)
@given(k=st.integers(1, 6), d=st.integers(1, 3), H=st.integers(1, 9), W=st.integers(1, 9),
       groups=st.integers(1, 2))
def test_same_padding_keeps_the_size(k, d, H, W, groups):
    """padding='same' (stride 1) keeps H and W for odd and even kernels, like torch."""
    x = torch.randn(1, 2 * groups, H, W, dtype=torch.float64)
    w = torch.randn(groups, 2, k, k, dtype=torch.float64)
    ours = F.conv2d(x, w, padding="same", dilation=d, groups=groups)
    ref = TF.conv2d(x, w, padding="same", dilation=d, groups=groups)
    assert ours.shape == ref.shape == (1, groups, H, W)
    torch.testing.assert_close(ours, ref)


@settings(max_examples=15, deadline=None)
@given(cfg=conv_configs())
def test_unbatched_input_gives_the_batched_result(cfg):
    x, w, b = _inputs(cfg)
    batched = F.conv2d(x[:1], w, b, **_kwargs(cfg))
    unbatched = F.conv2d(x[0], w, b, **_kwargs(cfg))
    assert unbatched.shape == batched.shape[1:]
    torch.testing.assert_close(unbatched, batched[0])


@pytest.mark.parametrize("H,W,k,s,p,d", [(2, 5, 3, 2, 0, 1), (5, 1, 2, 1, 0, 3),
                                         (1, 1, 4, 1, 1, 1)])
def test_kernel_larger_than_padded_input_is_an_error(H, W, k, s, p, d):
    x, w = torch.zeros(1, 1, H, W), torch.zeros(1, 1, k, k)
    with pytest.raises(RuntimeError):
        TF.conv2d(x, w, stride=s, padding=p, dilation=d)
    with pytest.raises((ValueError, RuntimeError), match="kernel"):
        F.conv2d(x, w, stride=s, padding=p, dilation=d)
