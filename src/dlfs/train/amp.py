"""Automatic mixed precision: which autocast dtype and whether a GradScaler is needed.

* ``"bf16"``: matmuls and convolutions run in bfloat16 under ``torch.autocast``; bfloat16
  keeps float32's 8-bit exponent, so gradients do not underflow and no loss scaling is
  needed. This is the choice on CPU (and works on recent GPUs).
* ``"fp16"``: float16 has a 5-bit exponent (max 65504, smallest normal ≈ 6.1e-5, smallest
  subnormal ≈ 6e-8), so small gradients flush to zero. A loss scaler multiplies the loss by a
  large factor S before backward, divides the gradients by S before the step, and skips
  steps whose gradients overflowed (lowering S): torch's GradScaler on CUDA, the
  from-scratch :class:`~dlfs.train.LossScaler` on the CPU (same trajectory). Most CPUs
  have no fast float16 matrix kernel (measured on the 2-core build machine: a 256x512 @
  512x512 matmul takes ~30x longer in float16 than in float32), so fp16 on the CPU is for
  learning the mechanics; bf16 is the CPU's fast format.

    format    exponent  mantissa   largest     smallest normal   eps (1 ulp at 1.0)
    float32   8 bits    23 bits    3.4e38      1.2e-38           1.2e-7
    bfloat16  8 bits     7 bits    3.4e38      1.2e-38           7.8e-3
    float16   5 bits    10 bits    65504       6.1e-5            9.8e-4

(``torch.finfo(dtype)`` gives these; the lesson ``number-formats`` prints and checks them.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager

import torch

from .loss_scaler import LossScaler

__all__ = ["amp_dtype", "autocast_factory", "make_grad_scaler"]

_DTYPES = {None: None, "bf16": torch.bfloat16, "fp16": torch.float16}


def amp_dtype(amp: str | None, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device``; explain the choice when it can't work.

    >>> amp_dtype("bf16", torch.device("cpu")), amp_dtype("fp16", torch.device("cpu"))
    (torch.bfloat16, torch.float16)
    >>> amp_dtype("fp16", torch.device("mps"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: amp='fp16' needs a CUDA device or the CPU ...; on mps use amp='bf16'...
    """
    if amp not in _DTYPES:
        raise ValueError(f"amp must be None, 'bf16' or 'fp16', got {amp!r}")
    if amp == "fp16" and device.type not in ("cuda", "cpu"):
        raise ValueError(f"amp='fp16' needs a CUDA device or the CPU (float16 autocast with a "
                         f"loss scaler); on {device.type} use amp='bf16': bfloat16 has "
                         "float32's exponent range, so it needs no loss scaling")
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
                     dtype: torch.dtype | None) -> torch.amp.GradScaler | LossScaler | None:
    """For float16: torch's GradScaler on CUDA, the from-scratch :class:`LossScaler` on the
    CPU; None otherwise (bf16 and fp32 need no loss scaling)."""
    if dtype == torch.float16 and device.type == "cuda":
        return torch.amp.GradScaler("cuda")
    if dtype == torch.float16:
        return LossScaler()
    return None
