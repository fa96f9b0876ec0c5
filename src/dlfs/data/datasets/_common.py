"""Shared pieces of the embedded data sets: seeded splits, an image-array data set, fallbacks."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...i18n import t
from ...paths import data_dir
from ..dataset import Dataset
from ..errors import DataFallbackWarning

SPLITS = ("train", "test", "all")


def split_indices(n: int, split: str, test_fraction: float, seed: int) -> torch.Tensor:
    """Indices of ``split`` in a seeded shuffle of ``0 … n-1``: the last ``test_fraction`` is test.

    The same ``(n, test_fraction, seed)`` always gives the same, disjoint train and test parts.
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if split == "all":
        return torch.arange(n)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = int(round(n * test_fraction))
    return order[: n - n_test] if split == "train" else order[n - n_test:]


class ImageArrayDataset(Dataset[tuple]):
    """Images held in one array; sample ``i`` is ``(transform(images[i]), int(targets[i]))``.

    ``images``: uint8 ``(N, H, W)`` or ``(N, H, W, C)`` (HWC, as files store them), so the
    transforms of :mod:`dlfs.data.transforms` apply; without a transform the raw array comes back.
    ``source`` says where the data came from (a directory, or the embedded stand-in).
    """

    def __init__(self, images: np.ndarray, targets: Sequence[int] | np.ndarray,
                 classes: Sequence[str], transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None, source: str = ""):
        if len(images) != len(targets):
            raise ValueError(f"{len(images)} images but {len(targets)} targets")
        self.images = images
        self.targets = np.asarray(targets, dtype=np.int64)
        self.classes = list(classes)
        self.transform, self.target_transform = transform, target_transform
        self.source = source

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple:
        img, target = self.images[index], int(self.targets[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


def real_data_dir(name: str, root: str | Path | None) -> Path:
    """Where the real files of ``name`` are looked for: ``root`` or ``data_dir()/name``."""
    return Path(root) if root is not None else data_dir() / name


def warn_stand_in(name: str, where: Path, expected: str, stand_in: str) -> None:
    """One clear warning: the real files are missing, here is where to put them."""
    warnings.warn(DataFallbackWarning(t("library.data.stand_in", name=name, where=where,
                                        expected=expected, stand_in=stand_in)), stacklevel=3)
