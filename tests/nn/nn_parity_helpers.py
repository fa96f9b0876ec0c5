"""Shared checks for the dlfs.nn layer tests (imported by tests/nn/test_nn_*.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from dlfs.testing import assert_fn_parity, assert_module_parity, tolerances

DTYPES = (torch.float64, torch.float32)


def cast(x: Any, dtype: torch.dtype) -> Any:
    if isinstance(x, torch.Tensor) and x.is_floating_point():
        return x.to(dtype)
    return x


def check_module(make_ours: Callable[[], nn.Module], make_ref: Callable[[], nn.Module],
                 *inputs: Any, train: bool = True, seed: int = 0,
                 forward_kwargs: dict[str, Any] | None = None,
                 dtypes: tuple[torch.dtype, ...] = DTYPES) -> tuple[nn.Module, nn.Module]:
    """For each dtype: same-seed construction gives identical parameters and buffers (same
    init distribution and RNG order), the reprs agree, outputs/grads/buffers agree after one
    forward+backward, and the state_dict loads strictly in both directions."""
    ours = ref = None
    for dtype in dtypes:
        torch.manual_seed(seed)
        ref = make_ref().to(dtype)
        torch.manual_seed(seed)
        ours = make_ours().to(dtype)
        assert repr(ours) == repr(ref)
        ref_state = ref.state_dict()
        assert list(ours.state_dict()) == list(ref_state)
        for name, value in ours.state_dict().items():
            assert value.shape == ref_state[name].shape, name
            assert value.dtype == ref_state[name].dtype, name
            torch.testing.assert_close(value, ref_state[name], atol=0, rtol=0)
        ref.train(train)
        ours.train(train)
        assert_module_parity(ours, ref, *[cast(x, dtype) for x in inputs],
                             forward_kwargs=forward_kwargs, **tolerances(dtype))
        ref.load_state_dict(ours.state_dict(), strict=True)
    assert ours is not None and ref is not None
    return ours, ref


def check_fn(ours: Callable[..., Any], ref: Callable[..., Any], *inputs: Any,
             kwargs: dict[str, Any] | None = None, grad: bool = True,
             dtypes: tuple[torch.dtype, ...] = DTYPES) -> None:
    """assert_fn_parity in float64 (tight) and float32 (loose)."""
    for dtype in dtypes:
        assert_fn_parity(ours, ref, *[cast(x, dtype) for x in inputs], kwargs=kwargs,
                         grad=grad)
