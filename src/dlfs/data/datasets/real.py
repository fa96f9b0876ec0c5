"""Real data sets read from ``dlfs.paths.data_dir()`` (``./data`` by default), with stand-ins.

===============================  ==========================================  =====================
function                         files looked for                            stand-in when missing
===============================  ==========================================  =====================
``mnist``                        ``data/mnist/{train,t10k}-{images-idx3,     digits upscaled to
                                 labels-idx1}-ubyte[.gz]``                   28×28 (1797 images)
``mnist(kind="fashion-mnist")``  ``data/fashion-mnist/`` (same names)        the same digits
``cifar10``                      ``data/cifar10/[cifar-10-batches-py/]``     synthetic shapes,
                                 ``data_batch_1…5``, ``test_batch``          3 classes
``digit_recognizer``             ``data/digit-recognizer/{train,test}.csv``  digits 28×28
``ants_bees``                    ``data/hymenoptera_data/{train,val}/``      circles as "ants",
                                 with ``ants/``, ``bees/`` or                squares as "bees"
                                 ``ants_image/`` + ``ants_label/`` (and the  (shapes)
                                 same for bees)
===============================  ==========================================  =====================

Nothing is downloaded. When files are missing, one :class:`~dlfs.data.DataFallbackWarning`
says where to put them and which stand-in is used; the returned data set's ``source``
attribute says the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...i18n import t
from ..dataset import ConcatDataset, TensorDataset
from ..errors import DataFormatError
from ..formats.cifar import CIFAR10_CLASSES, read_cifar_batch, read_cifar_meta
from ..formats.csv_table import read_csv
from ..formats.idx import read_idx
from ..formats.image_folder import ImageFolder, LabelFileDataset
from ._common import ImageArrayDataset, real_data_dir, split_indices, warn_stand_in
from .digits import digits_uint8
from .shapes import SHAPE_CLASSES, make_shapes

__all__ = ["FASHION_CLASSES", "ants_bees", "cifar10", "digit_recognizer", "mnist"]

DIGIT_CLASSES = tuple(str(d) for d in range(10))
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                 stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    return None


def _check_split(split: str) -> None:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")


def mnist(split: str = "train", kind: str = "mnist", root: str | Path | None = None,
          transform: Callable[[Any], Any] | None = None) -> ImageArrayDataset:
    """MNIST or Fashion-MNIST: samples ``(image, label)``, image uint8 ``(28, 28)``.

    Real files: 60000 train / 10000 test images. Stand-in: scikit-learn's digits upscaled
    to 28×28 (about 1438 train / 359 test), with digit class names.
    """
    _check_split(split)
    if kind not in ("mnist", "fashion-mnist"):
        raise ValueError(f"kind must be 'mnist' or 'fashion-mnist', got {kind!r}")
    folder = real_data_dir(kind, root)
    prefix = "train" if split == "train" else "t10k"
    images_path = _find(folder, f"{prefix}-images-idx3-ubyte")
    labels_path = _find(folder, f"{prefix}-labels-idx1-ubyte")
    if images_path and labels_path:
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataFormatError(images_path, t("library.data.at.header"),
                                  t("library.data.want.mnist_images", labels=labels_path.name),
                                  t("library.data.got.two_shapes", images=images.shape,
                                    labels=labels.shape))
        classes = FASHION_CLASSES if kind == "fashion-mnist" else DIGIT_CLASSES
        return ImageArrayDataset(images, labels, classes, transform, source=str(folder))
    warn_stand_in(kind, folder, t("library.data.want.two_files",
                                    a=f"{prefix}-images-idx3-ubyte[.gz]",
                                    b=f"{prefix}-labels-idx1-ubyte[.gz]"),
                  t("library.data.standin.digits_upscaled"))
    images, labels = digits_uint8(28)
    idx = split_indices(len(images), split, 0.2, seed=0).numpy()
    return ImageArrayDataset(images[idx], labels[idx], DIGIT_CLASSES, transform,
                             source="stand-in: scikit-learn digits 28x28")


def _cifar_folder(folder: Path) -> Path | None:
    for candidate in (folder, folder / "cifar-10-batches-py"):
        if (candidate / "test_batch").is_file():
            return candidate
    return None


def cifar10(split: str = "train", root: str | Path | None = None,
            transform: Callable[[Any], Any] | None = None) -> ImageArrayDataset:
    """CIFAR-10: samples ``(image, label)``, image uint8 ``(32, 32, 3)``, 10 classes.

    Real files: 50000 train (five batches) / 10000 test. Stand-in: the synthetic shapes set
    (600 train / 200 test, 3 classes: circle, square, triangle).
    """
    _check_split(split)
    folder = real_data_dir("cifar10", root)
    found = _cifar_folder(folder)
    if found is not None:
        names = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
        missing = [n for n in names if not (found / n).is_file()]
        if missing:
            raise DataFormatError(found, t("library.data.at.directory"),
                                  t("library.data.want.all_of", names=", ".join(names)),
                                  t("library.data.got.missing", names=", ".join(missing)))
        parts = [read_cifar_batch(found / n) for n in names]
        meta = found / "batches.meta"
        classes = read_cifar_meta(meta) if meta.is_file() else list(CIFAR10_CLASSES)
        return ImageArrayDataset(np.concatenate([p[0] for p in parts]),
                                 np.concatenate([p[1] for p in parts]), classes, transform,
                                 source=str(found))
    warn_stand_in("cifar10", folder, t("library.data.want.cifar_files"),
                  t("library.data.standin.shapes"))
    images, labels = make_shapes(800, 32, seed=0)
    part = slice(0, 600) if split == "train" else slice(600, 800)
    return ImageArrayDataset(images[part], labels[part], SHAPE_CLASSES, transform,
                             source="stand-in: synthetic shapes (seed 0)")


def digit_recognizer(split: str = "train", root: str | Path | None = None) -> TensorDataset:
    """Kaggle's Digit Recognizer CSVs: ``label, pixel0 … pixel783`` per row.

    Returns x float32 ``(N, 1, 28, 28)`` in [0, 1] and, for ``train``, y int64 ``(N,)``
    (Kaggle's ``test.csv`` has no labels: x only). Stand-in: digits 28×28 (split 80/20).
    """
    _check_split(split)
    folder = real_data_dir("digit-recognizer", root)
    path = folder / f"{split}.csv"
    if path.is_file():
        table = read_csv(path)
        pixels = [c for c in table.columns if c != "label"]
        if len(pixels) != 784:
            raise DataFormatError(path, t("library.data.at.header_line"),
                                  t("library.data.want.digit_columns"),
                                  t("library.data.got.pixel_columns", n=len(pixels)))
        x = np.stack([table.numeric(c) for c in pixels], axis=1)
        xt = torch.tensor(x / 255.0, dtype=torch.float32).view(-1, 1, 28, 28)  # (N, 1, 28, 28)
        if "label" not in table.columns:
            return TensorDataset(xt)
        return TensorDataset(xt, torch.tensor(table.numeric("label"), dtype=torch.int64))
    warn_stand_in("digit-recognizer", folder, f"{split}.csv",
                  t("library.data.standin.digits"))
    images, labels = digits_uint8(28)
    idx = split_indices(len(images), split, 0.2, seed=0)
    xt = torch.tensor(images, dtype=torch.float32)[idx].unsqueeze(1) / 255  # (N, 1, 28, 28)
    return TensorDataset(xt, torch.tensor(labels)[idx])


def ants_bees(split: str = "train", root: str | Path | None = None,
              transform: Callable[[Any], Any] | None = None) -> Any:
    """The ants/bees practice images: samples ``(image, label)``, label 0 ants / 1 bees.

    Two real layouts are read from ``data/hymenoptera_data/<split>/``: class folders
    (``ants/``, ``bees/``) through :class:`~dlfs.data.formats.ImageFolder`, or image and
    label-file folders (``ants_image/`` + ``ants_label/``) through
    :class:`~dlfs.data.formats.LabelFileDataset`. JPEG files need Pillow. Stand-in:
    synthetic circles ("ants") and squares ("bees"), uint8 ``(32, 32, 3)``.
    """
    if split not in ("train", "val"):
        raise ValueError(f"split must be 'train' or 'val', got {split!r}")
    folder = real_data_dir("hymenoptera_data", root) / split
    if (folder / "ants").is_dir() and (folder / "bees").is_dir():
        return ImageFolder(folder, transform=transform)
    if (folder / "ants_image").is_dir() and (folder / "bees_image").is_dir():
        index = {"ants": 0, "bees": 1}
        return ConcatDataset([LabelFileDataset(folder, f"{k}_image", f"{k}_label", transform,
                                               label_to_index=index) for k in index])
    warn_stand_in("ants/bees", folder, t("library.data.want.ants_bees"),
                  t("library.data.standin.ants_bees"))
    images, labels = make_shapes(360, 32, seed=1)
    keep = labels < 2  # circles and squares only
    images, labels = images[keep], labels[keep]
    part = slice(0, 160) if split == "train" else slice(160, None)
    return ImageArrayDataset(images[part], labels[part], ("ants", "bees"), transform,
                             source="stand-in: synthetic shapes (circles, squares)")
