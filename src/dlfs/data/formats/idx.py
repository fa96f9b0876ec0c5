"""The IDX format of MNIST and Fashion-MNIST (files like ``train-images-idx3-ubyte[.gz]``).

Layout, all integers big-endian::

    byte 0-1   0x00 0x00                      magic, part 1: always zero
    byte 2     type code                      0x08 uint8, 0x09 int8, 0x0B int16,
                                              0x0C int32, 0x0D float32, 0x0E float64
    byte 3     number of dimensions d
    byte 4…    d sizes, 4 bytes each          e.g. 60000, 28, 28
    then       prod(sizes) values of the type, row-major

A gzipped file (first bytes 0x1f 0x8b) is decompressed first; a malformed file raises
:class:`~dlfs.data.DataFormatError` naming the file, the byte offset and what was expected.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from ...i18n import t
from ..errors import DataFormatError

__all__ = ["read_idx", "write_idx"]

_TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
          0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_CODES = {dt.newbyteorder("=").str.lstrip("<>|="): code for code, dt in _TYPES.items()}


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:  # bad header / truncated / bad data
            raise DataFormatError(path, t("library.data.at.gzip"), t("library.data.want.gzip"),
                                  t("library.data.got.damaged", error=exc)) from exc
    return raw


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (gzipped or not) into an array of its stored shape and type.

    Shapes: images ``(N, 28, 28)`` uint8, labels ``(N,)`` uint8 for MNIST.
    """
    path = Path(path)
    data = _read_bytes(path)
    if len(data) < 4:
        raise DataFormatError(path, t("library.data.at.byte", n=0),
                              t("library.data.want.idx_header"),
                              t("library.data.got.bytes", n=len(data)))
    if data[0] != 0 or data[1] != 0:
        raise DataFormatError(path, t("library.data.at.byte", n=0),
                              t("library.data.want.idx_magic"),
                              f"0x{data[0]:02x} 0x{data[1]:02x}")
    code, ndim = data[2], data[3]
    if code not in _TYPES:
        raise DataFormatError(path, t("library.data.at.byte", n=2),
                              t("library.data.want.idx_type",
                                codes=", ".join(f"0x{c:02X}" for c in _TYPES)), f"0x{code:02X}")
    header_end = 4 + 4 * ndim
    if len(data) < header_end:
        raise DataFormatError(path, t("library.data.at.byte", n=4),
                              t("library.data.want.idx_dims", ndim=ndim, n=4 * ndim),
                              t("library.data.got.bytes", n=len(data) - 4))
    dims = struct.unpack(f">{ndim}I", data[4:header_end])
    dtype = _TYPES[code]
    expected = math.prod(dims) * dtype.itemsize     # Python ints: a huge header cannot wrap
    if len(data) - header_end != expected:
        raise DataFormatError(path, t("library.data.at.byte", n=header_end),
                              t("library.data.want.idx_data", n=expected, shape=tuple(dims),
                                dtype=dtype.name),
                              f"{len(data) - header_end}")
    array = np.frombuffer(data, dtype=dtype, offset=header_end).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> Path:
    """Write ``array`` as an IDX file; gzip it when ``compress`` (default: name ends in .gz)."""
    path = Path(path)
    array = np.asarray(array)
    key = array.dtype.newbyteorder("=").str.lstrip("<>|=")
    if key not in _CODES:
        raise TypeError(f"IDX cannot store dtype {array.dtype}")
    code = _CODES[key]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(_TYPES[code]).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)
    path.write_bytes(payload)
    return path
