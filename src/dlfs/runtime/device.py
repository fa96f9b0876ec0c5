"""Choosing a device, and waiting for the work queued on it."""

from __future__ import annotations

import torch

__all__ = ["get_device", "synchronize"]


def get_device(prefer: str | None = None) -> torch.device:
    """The device to use: ``prefer`` if given (and available), else CUDA, then MPS, then CPU.

    >>> get_device("cpu")
    device(type='cpu')
    """
    if prefer in (None, "auto"):
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(prefer)
    except RuntimeError as exc:
        raise ValueError(f"get_device: {prefer!r} is not a device name "
                         "(try 'cpu', 'cuda', 'cuda:1', 'mps' or 'auto')") from exc
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(f"get_device: {prefer!r} asked for, but CUDA is not available "
                               f"(torch {torch.__version__} build, CUDA {torch.version.cuda})")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(f"get_device: {prefer!r} asked for, but only "
                               f"{torch.cuda.device_count()} CUDA device(s) exist")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError(f"get_device: {prefer!r} asked for, but MPS is not available")
    return device


def synchronize() -> None:
    """Wait for queued GPU work, so that a timer measures it rather than its launch."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()
    mps = getattr(torch, "mps", None)
    if mps is not None and torch.backends.mps.is_available():
        mps.synchronize()
