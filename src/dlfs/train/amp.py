"""Automatic mixed precision: which autocast dtype and whether a GradScaler is needed.

* ``"bf16"``: matmuls and convolutions run in bfloat16 under ``torch.autocast``; bfloat16
  keeps float32's 8-bit exponent, so gradients do not underflow and no loss scaling is
  needed. This is the choice on CPU (and works on recent GPUs).
* ``"fp16"``: float16 has a 5-bit exponent (max ≈ 65504, smallest normal ≈ 6e-5), so small
  gradients flush to zero. A GradScaler multiplies the loss by a large factor S before
  backward, divides the gradients by S before the step, and skips steps whose gradients
  overflowed (lowering S). CUDA only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

__all__ = ["amp_dtype", "autocast_factory", "make_grad_scaler"]

_DTYPES = {None: None, "bf16": torch.bfloat16, "fp16": torch.float16}


def amp_dtype(amp: str | None, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device``; explain the choice when it can't work.

    >>> amp_dtype("bf16", torch.device("cpu"))
    torch.bfloat16
    >>> amp_dtype("fp16", torch.device("cpu"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: amp='fp16' needs a CUDA device ...; on cpu use amp='bf16': ...
    """
    if amp not in _DTYPES:
        raise ValueError(f"amp must be None, 'bf16' or 'fp16', got {amp!r}")
    if amp == "fp16" and device.type != "cuda":
        raise ValueError(f"amp='fp16' needs a CUDA device (float16 autocast with a GradScaler);"
                         f" on {device.type} use amp='bf16': bfloat16 has float32's exponent "
                         "range, so it needs no loss scaling")
    if amp == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ValueError("amp='bf16': this GPU has no bfloat16 support; use amp='fp16'")
    return _DTYPES[amp]


def autocast_factory(device: torch.device,
                     dtype: torch.dtype | None) -> Callable[[], AbstractContextManager]:
    """A function returning a fresh autocast context (or a no-op one when ``dtype`` is None)."""
    if dtype is None:
        return contextlib.nullcontext
    return lambda: torch.autocast(device_type=device.type, dtype=dtype)


def make_grad_scaler(device: torch.device,
                     dtype: torch.dtype | None) -> torch.amp.GradScaler | None:
    """A GradScaler for float16 on CUDA; None otherwise (bf16 and fp32 need none)."""
    if dtype == torch.float16 and device.type == "cuda":
        return torch.amp.GradScaler("cuda")
    return None
