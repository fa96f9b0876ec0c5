"""The images every generative recipe trains on, in the range the models want.

::

    scikit-learn digits (1797 images, 8x8, values 0..16)          default
    MNIST IDX files in a folder (``--data DIR``)                   when present
        --> float32 (N, 1, size, size) in [-1, 1]  (background -1, ink +1), labels (N,) int64

The split is the project's fixed one (:func:`dlfs.data.datasets.digits`): 1438 training
images, 359 held out. The held-out images never train a generator; they are the "real" side
of the digits-FD (:mod:`dlfs.generative.quality`).
"""

from __future__ import annotations

from pathlib import Path

from torch import Tensor

from ..data.datasets import digits
from ..data.image_ops import bilinear_resize

__all__ = ["digit_images", "to_unit_range"]

SPLITS = ("train", "test")


def digit_images(split: str = "train", *, size: int = 16, data: str | Path | None = None
                 ) -> tuple[Tensor, Tensor]:
    """Images ``(N, 1, size, size)`` float32 in ``[-1, 1]`` and labels ``(N,)`` int64.

    ``split``: ``"train"`` or ``"test"`` (held out). ``size``: 8 is the digits' own
    resolution; larger sizes are bilinear upsamplings (MNIST is resized from 28x28).
    ``data``: a folder with the four MNIST IDX files, used instead of the digits.
    """
    if split not in SPLITS:
        raise ValueError(f"digit_images: split must be one of {SPLITS}, got {split!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 8:
        raise ValueError(f"digit_images: size must be an int >= 8, got {size!r}")
    if data is None:
        x, y = digits(split, size=size)[:]                      # (N, 1, size, size) in [0, 1]
    else:
        from ..recipes.mnist import MEAN, STD, load_mnist_tensors

        x, y = load_mnist_tensors(data, split)                  # DlfsError names missing files
        x = (x * STD + MEAN).clamp(0, 1)                        # undo the normalisation
        if size != x.shape[-1]:
            x = bilinear_resize(x, size, size).clamp(0, 1)
    return (x * 2 - 1).contiguous(), y.long()


def to_unit_range(images: Tensor) -> Tensor:
    """``[-1, 1]`` -> ``[0, 1]`` (clamped): what image files and TensorBoard show."""
    return ((images + 1) / 2).clamp(0, 1)
