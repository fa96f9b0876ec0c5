"""CIFAR-10 "python version" batches: ``data_batch_1`` … ``data_batch_5``, ``test_batch``.

Each file is a pickled dict with (byte-string keys, as written by Python 2)::

    b'data'    uint8 array (N, 3072): per row 1024 red, then 1024 green, then 1024 blue
               values, each plane row-major 32×32
    b'labels'  list of N ints in 0…9

``batches.meta`` holds ``b'label_names'``. Pickles can run code when loaded, so the reader
resolves only the few names such a file uses (``numpy.dtype``, ``ndarray`` reconstruction,
numpy scalars, ``_codecs.encode``), each to a stand-in that checks its arguments and builds
the array with ``np.frombuffer``; anything else, and any damage, is a DataFormatError.
"""

from __future__ import annotations

import io
import math
import pickle
import pickletools
from pathlib import Path
from typing import Any

import numpy as np

from ...i18n import t
from ..errors import DataFormatError

__all__ = ["CIFAR10_CLASSES", "read_cifar_batch", "read_cifar_meta", "write_cifar_batch"]

CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                   "ship", "truck")

_DTYPES = ("u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8", "b1")
_DTYPE_TAIL = (None, None, None, -1, -1, 0)      # a plain dtype's pickled state after byteorder


class _NDArrayClass:
    """Stands for ``numpy.ndarray`` in the stream: the only class ``_reconstruct`` may make."""


class _DType:
    """``numpy.dtype(name, align, copy)`` + its state, checked: a plain number type only
    (numpy would accept any flags, and a damaged ``hasobject`` flag corrupts memory)."""

    def __init__(self, name: object, align: object = False, copy: object = True):
        if name not in _DTYPES:
            raise pickle.UnpicklingError(f"dtype {name!r} is not a plain number type")
        self.dtype = np.dtype(name)

    def __setstate__(self, state: object) -> None:
        if not (isinstance(state, tuple) and len(state) == 8 and state[0] == 3
                and state[1] in ("|", "<", ">", "=") and state[2:] == _DTYPE_TAIL):
            raise pickle.UnpicklingError(f"unexpected dtype state {state!r:.80}")
        if state[1] in "<>":
            self.dtype = self.dtype.newbyteorder(state[1])


class _Array:
    """``numpy.core.multiarray._reconstruct(ndarray, ...)`` + its state, checked, then built
    with ``np.frombuffer``: shape, type and the byte count must agree."""

    def __init__(self, cls: object, shape: object, typecode: object):
        if cls is not _NDArrayClass:
            raise pickle.UnpicklingError("_reconstruct of something other than ndarray")
        self.array: np.ndarray | None = None

    def __setstate__(self, state: object) -> None:
        if not (isinstance(state, tuple) and len(state) == 5):
            raise pickle.UnpicklingError("unexpected ndarray state")
        _, shape, dtype, fortran, raw = state
        if not (isinstance(shape, tuple) and all(type(n) is int and n >= 0 for n in shape)
                and isinstance(dtype, _DType) and isinstance(raw, bytes)
                and isinstance(fortran, bool)):
            raise pickle.UnpicklingError("unexpected ndarray state")
        if math.prod(shape) * dtype.dtype.itemsize != len(raw):
            raise pickle.UnpicklingError(f"an array of shape {shape} and type {dtype.dtype} "
                                         f"with {len(raw)} data bytes")
        flat = np.frombuffer(raw, dtype=dtype.dtype)
        self.array = flat.reshape(shape, order="F" if fortran else "C").copy()


def _scalar(dtype: object, raw: object) -> np.generic:
    """``numpy.core.multiarray.scalar(dtype, bytes)``, checked."""
    if not (isinstance(dtype, _DType) and isinstance(raw, bytes)
            and len(raw) == dtype.dtype.itemsize):
        raise pickle.UnpicklingError("unexpected numpy scalar")
    return np.frombuffer(raw, dtype=dtype.dtype)[0]


def _latin1(text: object, encoding: object = "utf-8") -> bytes:
    """``_codecs.encode(text, 'latin1')``: how protocol 2 stores bytes; nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode other than str -> latin1 bytes")
    return text.encode("latin1")


_ALLOWED: dict[tuple[str, str], object] = {
    **{(m, "_reconstruct"): _Array for m in ("numpy.core.multiarray", "numpy._core.multiarray")},
    **{(m, "scalar"): _scalar for m in ("numpy.core.multiarray", "numpy._core.multiarray")},
    ("numpy", "ndarray"): _NDArrayClass, ("numpy", "dtype"): _DType,
    ("_codecs", "encode"): _latin1,
}


class _SafeUnpickler(pickle.Unpickler):
    """Resolves only the few names a CIFAR batch uses, to the checked stand-ins above."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return _ALLOWED[(module, name)]


def _arrays(obj: Any) -> Any:
    """The unpickled value with every :class:`_Array` replaced by its ndarray."""
    if isinstance(obj, _Array):
        if obj.array is None:
            raise pickle.UnpicklingError("an ndarray without its data")
        return obj.array
    if isinstance(obj, dict):
        return {k: _arrays(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_arrays(v) for v in obj)
    if isinstance(obj, _DType):
        return obj.dtype
    return obj


def _check_opcodes(data: bytes) -> None:
    """Walk the opcodes without building anything (``pickletools.genops``: a length that
    runs past the end of the file is an error here, where the unpickler would first try to
    allocate it) and refuse protocol 5's buffer opcodes (batches use protocol 2)."""
    for op, _, pos in pickletools.genops(data):
        if op.proto > 4:
            raise pickle.UnpicklingError(f"opcode {op.name} at byte {pos} is from pickle "
                                         f"protocol {op.proto}")


def _load(path: Path) -> dict:
    """Unpickle with the checked stand-ins. A damaged pickle can fail in many ways inside
    the unpickler (an unknown opcode, a bad memo key, a length read as gigabytes, an
    argument of the wrong type …): every one of them is a :class:`DataFormatError`."""
    data = path.read_bytes()
    try:
        _check_opcodes(data)
        obj = _arrays(_SafeUnpickler(io.BytesIO(data), encoding="bytes").load())
    except Exception as exc:  # noqa: BLE001 - any failure inside the unpickler: a bad file
        raise DataFormatError(path, t("library.data.at.pickle"),
                              t("library.data.want.cifar_pickle"),
                              t("library.data.got.unreadable", kind=type(exc).__name__,
                                error=str(exc)[:120])) from exc
    if not isinstance(obj, dict):
        raise DataFormatError(path, t("library.data.at.top"), t("library.data.want.dict"),
                              type(obj).__name__)
    return obj


def _labels(path: Path, value: object) -> np.ndarray:
    """``b'labels'`` as int64 ``(N,)``: ints in 0…9 (a list, or an integer array), else a
    DataFormatError."""
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
        items = value.tolist()
    elif isinstance(value, (list, tuple)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        items = [int(v) for v in value]
    else:
        raise DataFormatError(path, "b'labels'", t("library.data.want.int_list"),
                              type(value).__name__)
    bad = next((i for i, v in enumerate(items) if not 0 <= v <= 9), None)
    if bad is not None:
        raise DataFormatError(path, f"b'labels'[{bad}]", t("library.data.want.class_index"),
                              str(items[bad]))
    return np.array(items, dtype=np.int64)


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file → images uint8 ``(N, 32, 32, 3)`` (HWC) and labels int64 ``(N,)``."""
    path = Path(path)
    obj = _load(path)
    for key in (b"data", b"labels"):
        if key not in obj:
            raise DataFormatError(path, t("library.data.at.dict_keys"),
                                  t("library.data.want.key", key=key),
                                  t("library.data.got.keys", keys=sorted(obj, key=repr)))
    data = obj[b"data"]
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3072 \
            or data.dtype != np.uint8:
        found = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else \
            type(data).__name__
        raise DataFormatError(path, "b'data'", t("library.data.want.cifar_data"), found)
    labels = _labels(path, obj[b"labels"])
    if len(labels) != len(data):
        raise DataFormatError(path, "b'labels'", t("library.data.want.n_labels", n=len(data)),
                              str(len(labels)))
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # (N, 3, 32, 32) -> (N, 32, 32, 3)
    return np.ascontiguousarray(images), labels


def read_cifar_meta(path: str | Path) -> list[str]:
    """Class names from ``batches.meta``."""
    path = Path(path)
    obj = _load(path)
    if b"label_names" not in obj:
        raise DataFormatError(path, t("library.data.at.dict_keys"),
                              t("library.data.want.key", key=b"label_names"),
                              f"{sorted(obj, key=repr)}")
    names = obj[b"label_names"]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, (bytes, str))
                                                       for n in names):
        raise DataFormatError(path, "b'label_names'", t("library.data.want.name_list"),
                              type(names).__name__)
    try:
        return [n.decode() if isinstance(n, bytes) else n for n in names]
    except UnicodeDecodeError as exc:
        raise DataFormatError(path, "b'label_names'", t("library.data.want.utf8_names"),
                              repr(exc.object)) from exc


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
