"""Image folders: one sub-folder per class (the ants/bees layout), and label text files.

``ImageFolder`` reads a tree like::

    root/ants/0013035.jpg        -> label 0 ("ants")
    root/bees/16838648.ppm       -> label 1 ("bees")

Classes are the sorted sub-folder names; files inside are found recursively, sorted. The
other layout keeps images and labels apart — ``train/ants_image/x.jpg`` with the label in
``train/ants_label/x.txt`` — which :func:`generate_labels` creates and
:class:`LabelFileDataset` reads back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...i18n import t
from ..dataset import Dataset
from ..errors import DataFormatError
from .images import IMAGE_EXTENSIONS, read_image, write_image

__all__ = ["ImageFolder", "LabelFileDataset", "generate_labels", "write_image_folder"]


def _image_files(folder: Path, extensions: Sequence[str]) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in extensions)


class ImageFolder(Dataset[tuple]):
    """Class-per-folder images: sample ``i`` is ``(transform(image), class_index)``.

    Attributes: ``classes`` (sorted folder names), ``class_to_idx``, ``samples`` (list of
    ``(path, class_index)``), ``targets``.
    """

    def __init__(self, root: str | Path, transform: Callable[[Any], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None,
                 extensions: Sequence[str] = IMAGE_EXTENSIONS,
                 loader: Callable[[Path], Any] = read_image):
        self.root = Path(root)
        if not self.root.is_dir():
            raise DataFormatError(self.root, t("library.data.at.path"),
                                  t("library.data.want.class_dirs"), t("library.data.got.no_dir"))
        self.classes = sorted(d.name for d in self.root.iterdir() if d.is_dir())
        if not self.classes:
            raise DataFormatError(self.root, t("library.data.at.directory"),
                                  t("library.data.want.class_subfolders"),
                                  t("library.data.got.none"))
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}
        self.samples: list[tuple[Path, int]] = []
        for name in self.classes:
            files = _image_files(self.root / name, tuple(e.lower() for e in extensions))
            if not files:
                raise DataFormatError(self.root / name, t("library.data.at.class_folder"),
                                      t("library.data.want.one_image",
                                        extensions=", ".join(extensions)),
                                      t("library.data.got.none"))
            self.samples += [(f, self.class_to_idx[name]) for f in files]
        self.targets = [t for _, t in self.samples]
        self.transform, self.target_transform, self.loader = transform, target_transform, loader

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple:
        path, target = self.samples[index]
        img = self.loader(path)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target


def write_image_folder(root: str | Path, images: np.ndarray, labels: Sequence[int],
                       classes: Sequence[str], ext: str = ".ppm") -> list[Path]:
    """Save ``images`` ``(N, H, W[, C])`` as ``root/<class>/<i:05d><ext>``; returns the paths."""
    root = Path(root)
    paths = []
    for i, (img, label) in enumerate(zip(images, labels)):
        folder = root / classes[int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        paths.append(write_image(folder / f"{i:05d}{ext}", img))
    return paths


def generate_labels(root: str | Path, image_dir: str, label_dir: str | None = None,
                    label: str | None = None,
                    extensions: Sequence[str] = IMAGE_EXTENSIONS) -> list[Path]:
    """Write one label file per image: ``root/<label_dir>/<image stem>.txt`` holding ``label``.

    Defaults follow the ants/bees layout: ``image_dir="ants_image"`` gives
    ``label="ants"`` (the part before the first underscore) and ``label_dir="ants_label"``.
    Returns the label files written, in image order.
    """
    root = Path(root)
    source = root / image_dir
    if not source.is_dir():
        raise DataFormatError(source, t("library.data.at.path"), t("library.data.want.image_dir"),
                              t("library.data.got.no_dir"))
    label = label if label is not None else image_dir.split("_")[0]
    target = root / (label_dir if label_dir is not None else f"{label}_label")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for image in _image_files(source, tuple(e.lower() for e in extensions)):
        out = target / f"{image.stem}.txt"
        out.write_text(label)
        written.append(out)
    return written


class LabelFileDataset(Dataset[tuple]):
    """Images in ``root/image_dir`` with labels in ``root/label_dir/<stem>.txt``.

    Sample ``i`` is ``(image, label)``; the label is the file's stripped text, or its index in
    ``label_to_index`` when that mapping is given. A missing label file is an error that names it.
    """

    def __init__(self, root: str | Path, image_dir: str, label_dir: str,
                 transform: Callable[[Any], Any] | None = None,
                 label_to_index: Mapping[str, int] | None = None,
                 extensions: Sequence[str] = IMAGE_EXTENSIONS):
        self.root = Path(root)
        self.images = _image_files(self.root / image_dir, tuple(e.lower() for e in extensions))
        self.label_root = self.root / label_dir
        self.transform, self.label_to_index = transform, label_to_index

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple:
        image_path = self.images[index]
        label_path = self.label_root / f"{image_path.stem}.txt"
        if not label_path.is_file():
            raise DataFormatError(label_path, t("library.data.at.path"),
                                  t("library.data.want.label_file", image=image_path.name),
                                  t("library.data.got.no_label_file"))
        label: Any = label_path.read_text().strip()
        if self.label_to_index is not None:
            label = self.label_to_index[label]
        img = read_image(image_path)
        return (self.transform(img) if self.transform is not None else img), label
