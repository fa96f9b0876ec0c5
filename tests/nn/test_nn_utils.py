"""``dlfs.nn.utils.clip_grad_norm_`` beyond the workbench's checker (which covers the 2-norm,
a lone tensor, a generator and parameters without grad): other norm orders, and
``error_if_nonfinite``."""

from __future__ import annotations

import math

import pytest
import torch

from dlfs.nn.utils import clip_grad_norm_


def _params(seed: int) -> list[torch.nn.Parameter]:
    gen = torch.Generator().manual_seed(seed)
    params = []
    for shape in [(3, 2), (4,), (1, 5)]:
        p = torch.nn.Parameter(torch.randn(shape, generator=gen, dtype=torch.float64))
        p.grad = torch.randn(shape, generator=gen, dtype=torch.float64)
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_other_norm_orders_match_torch(norm_type, max_norm):
    ours, ref = _params(1), _params(1)
    got = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    want = torch.nn.utils.clip_grad_norm_(ref, max_norm, norm_type=norm_type)
    torch.testing.assert_close(got, want)
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a.grad, b.grad)


def test_a_nonfinite_norm_raises_only_when_asked():
    params = _params(2)
    params[1].grad[0] = math.inf
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isinf(float(clip_grad_norm_(params, 1.0)))
