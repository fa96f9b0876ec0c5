"""CIFAR-10 "python version" batches: ``data_batch_1`` … ``data_batch_5``, ``test_batch``.

Each file is a pickled dict with (byte-string keys, as written by Python 2)::

    b'data'    uint8 array (N, 3072): per row 1024 red, then 1024 green, then 1024 blue
               values, each plane row-major 32×32
    b'labels'  list of N ints in 0…9

``batches.meta`` holds ``b'label_names'``. Pickles can run code when loaded, so the reader
only accepts the few NumPy classes such a file needs and refuses anything else.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataFormatError

__all__ = ["CIFAR10_CLASSES", "read_cifar_batch", "read_cifar_meta", "write_cifar_batch"]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")

_ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
            ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode")}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return super().find_class(module, name)


def _load(path: Path) -> dict:
    try:
        obj = _SafeUnpickler(io.BytesIO(path.read_bytes()), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as exc:
        raise DataFormatError(path, "pickle stream", "a CIFAR-10 python pickle",
                              f"an unreadable one ({exc})") from exc
    if not isinstance(obj, dict):
        raise DataFormatError(path, "top level", "a dict", type(obj).__name__)
    return obj


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file → images uint8 ``(N, 32, 32, 3)`` (HWC) and labels int64 ``(N,)``."""
    path = Path(path)
    obj = _load(path)
    for key in (b"data", b"labels"):
        if key not in obj:
            raise DataFormatError(path, "dict keys", f"key {key!r}",
                                  f"keys {sorted(obj, key=repr)}")
    data, labels = np.asarray(obj[b"data"]), np.asarray(obj[b"labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3072 or data.dtype != np.uint8:
        raise DataFormatError(path, "b'data'", "a uint8 array of shape (N, 3072)",
                              f"{data.dtype} {data.shape}")
    if len(labels) != len(data):
        raise DataFormatError(path, "b'labels'", f"{len(data)} labels", str(len(labels)))
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # (N, 3, 32, 32) -> (N, 32, 32, 3)
    return np.ascontiguousarray(images), labels


def read_cifar_meta(path: str | Path) -> list[str]:
    """Class names from ``batches.meta``."""
    path = Path(path)
    obj = _load(path)
    if b"label_names" not in obj:
        raise DataFormatError(path, "dict keys", "key b'label_names'", f"{sorted(obj, key=repr)}")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in obj[b"label_names"]]


def write_cifar_batch(path: str | Path, images: np.ndarray, labels: np.ndarray) -> Path:
    """Write images uint8 ``(N, 32, 32, 3)`` and labels as a CIFAR-10 batch file."""
    images = np.asarray(images, dtype=np.uint8)
    if images.shape[1:] != (32, 32, 3):
        raise ValueError(f"CIFAR images must be (N, 32, 32, 3), got {images.shape}")
    data = images.transpose(0, 3, 1, 2).reshape(len(images), 3072)  # (N, 3072) planes R, G, B
    payload = {b"batch_label": b"dlfs", b"data": data,
               b"labels": [int(v) for v in labels]}
    Path(path).write_bytes(pickle.dumps(payload, protocol=2))
    return Path(path)
