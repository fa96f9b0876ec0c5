"""A synthetic RGB image set: circles, squares and triangles on 32×32 pixels (CIFAR-sized).

Each image has a random background colour, one filled shape of a contrasting random colour at
a random position and size, and a little pixel noise. It is made from a seed in well under a
second, needs no download, and is hard enough that a CNN beats a linear model, which makes it
a stand-in for CIFAR-10 in quick experiments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._common import ImageArrayDataset

__all__ = ["SHAPE_CLASSES", "make_shapes", "shapes"]

SHAPE_CLASSES = ("circle", "square", "triangle")


def _mask(kind: int, size: int, cx: float, cy: float, r: float) -> np.ndarray:
    """Boolean ``(size, size)`` mask of one shape centred at (cx, cy) with half-size r."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5  # pixel centres
    if kind == 0:  # circle: inside the radius
        return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
    if kind == 1:  # square: inside both half-widths (a bit smaller, similar area)
        s = 0.85 * r
        return (np.abs(xx - cx) <= s) & (np.abs(yy - cy) <= s)
    depth = (yy - (cy - r)) / (2 * r)  # triangle, apex up: 0 at the apex, 1 at the base
    return (depth >= 0) & (depth <= 1) & (np.abs(xx - cx) <= depth * r)


def make_shapes(n: int, size: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images uint8 ``(n, size, size, 3)`` and labels ``(n,)`` (balanced, shuffled).

    >>> images, labels = make_shapes(6, seed=1)
    >>> images.shape, images.dtype, sorted(labels.tolist())
    ((6, 32, 32, 3), dtype('uint8'), [0, 0, 1, 1, 2, 2])
    """
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(SHAPE_CLASSES))
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    for i, kind in enumerate(labels):
        background = rng.uniform(0, 255, 3)
        colour = (background + rng.uniform(90, 165, 3)) % 256  # far from the background
        r = rng.uniform(0.2, 0.36) * size
        cx, cy = rng.uniform(r, size - r, 2)
        img = np.where(_mask(int(kind), size, cx, cy, r)[:, :, None], colour, background)
        img = img + rng.normal(0, 8, img.shape)  # (size, size, 3)
        images[i] = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return images, labels.astype(np.int64)


def shapes(split: str = "train", n_train: int = 600, n_test: int = 200, size: int = 32,
           seed: int = 0, transform: Callable[[Any], Any] | None = None) -> ImageArrayDataset:
    """The shapes data set: ``n_train`` training or ``n_test`` test images from one seed.

    Samples are ``(image, label)`` with image uint8 ``(size, size, 3)`` unless ``transform``
    is given; ``classes`` names the labels.

    >>> ds = shapes("test", n_test=9)
    >>> len(ds), ds.classes, ds[0][0].shape
    (9, ['circle', 'square', 'triangle'], (32, 32, 3))
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    images, labels = make_shapes(n_train + n_test, size, seed)
    part = slice(0, n_train) if split == "train" else slice(n_train, n_train + n_test)
    return ImageArrayDataset(images[part], labels[part], SHAPE_CLASSES, transform,
                             source=f"embedded: synthetic shapes (seed {seed})")
