"""scikit-learn's handwritten digits (no download): 1797 images of 8×8 pixels, 10 classes.

Pixel values are 0…16 in the original; here they become float32 in [0, 1]. ``size=28``
upscales each image with our bilinear :func:`~dlfs.data.image_ops.resize`, so CNN lessons
written for 28×28 MNIST run unchanged on embedded data.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from ..dataset import TensorDataset
from ..image_ops import bilinear_resize
from ._common import split_indices

__all__ = ["digits", "digits_uint8"]


@functools.lru_cache(maxsize=4)
def _images(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All 1797 images as float32 ``(N, 1, size, size)`` in [0, 1] and labels ``(N,)``.

    Cached; callers index or copy, never modify, the returned tensors.
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = torch.tensor(bunch.images / 16.0, dtype=torch.float32).unsqueeze(1)  # (N, 1, 8, 8)
    if size != 8:
        x = bilinear_resize(x, size, size).clamp(0, 1)  # (N, 1, size, size)
    return x, torch.tensor(bunch.target, dtype=torch.int64)


def digits(split: str = "all", size: int = 8, flatten: bool = False,
           test_fraction: float = 0.2, seed: int = 0) -> TensorDataset:
    """Digits as x ``(N, 1, size, size)`` (or ``(N, size·size)`` with ``flatten``), y ``(N,)``.

    >>> x, y = digits("train", size=28)[:4]
    >>> tuple(x.shape), x.dtype, len(digits("train")) + len(digits("test"))
    ((4, 1, 28, 28), torch.float32, 1797)
    """
    x, y = _images(size)
    idx = split_indices(len(x), split, test_fraction, seed)
    x, y = x[idx], y[idx]
    if flatten:
        x = x.flatten(1)  # (N, size*size)
    return TensorDataset(x, y)


def digits_uint8(size: int = 28) -> tuple[np.ndarray, np.ndarray]:
    """All digits as uint8 ``(N, size, size)`` arrays (MNIST's storage format) and labels."""
    x, y = _images(size)
    return (x[:, 0] * 255).round().to(torch.uint8).numpy(), y.numpy()
