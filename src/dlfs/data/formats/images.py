"""Reading and writing single images without requiring PIL.

Always supported: ``.npy`` (a saved uint8 array ``(H, W[, C])``) and the Netpbm formats
``.pgm`` (grey, ``P5`` binary / ``P2`` text) and ``.ppm`` (colour, ``P6`` / ``P3``), parsed
here. ``.png``, ``.jpg``, ``.jpeg`` and ``.bmp`` go through Pillow when it is installed (it
comes with matplotlib); without Pillow they raise a clear error.

Images come back as NumPy arrays: grey ``(H, W)``, colour ``(H, W, 3)``, uint8 (uint16 for
Netpbm files whose maximum value exceeds 255).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...i18n import t
from ..errors import DataFormatError

__all__ = ["IMAGE_EXTENSIONS", "PIL_EXTENSIONS", "has_pil", "read_image", "write_image"]

PIL_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")
IMAGE_EXTENSIONS = (".npy", ".pgm", ".ppm", *PIL_EXTENSIONS)
_MAGIC = {b"P2": (1, False), b"P3": (3, False), b"P5": (1, True), b"P6": (3, True)}


def has_pil() -> bool:
    """Whether Pillow can be imported (for PNG/JPEG files)."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


def _header(data: bytes, path: Path) -> tuple[list[bytes], int]:
    """The four header tokens (magic, width, height, maxval) and where the pixels start."""
    tokens, pos = [], 0
    while len(tokens) < 4:
        while pos < len(data) and data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":  # a comment runs to the end of the line
            while pos < len(data) and data[pos:pos + 1] not in (b"\n", b"\r"):
                pos += 1
            continue
        start = pos
        while pos < len(data) and not data[pos:pos + 1].isspace() and data[pos:pos + 1] != b"#":
            pos += 1
        if start == pos:
            what = ("magic", "width", "height", "maxval")[len(tokens)]
            raise DataFormatError(path, t("library.data.at.byte", n=start),
                                  t("library.data.want.header_field", field=what),
                                  t("library.data.got.eof"))
        tokens.append(data[start:pos])
        if len(tokens) == 1 and tokens[0] not in _MAGIC:
            raise DataFormatError(path, t("library.data.at.byte", n=0),
                                  t("library.data.want.netpbm_magic"), repr(tokens[0][:8]))
        if len(tokens) > 1 and not tokens[-1].isdigit():
            raise DataFormatError(path, t("library.data.at.byte", n=start),
                                  t("library.data.want.positive_int"), repr(tokens[-1]))
    return tokens, pos + 1  # exactly one whitespace byte ends the header


def _read_pnm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    (magic, w, h, maxval), offset = _header(data, path)
    channels, binary = _MAGIC[magic]
    width, height, top = int(w), int(h), int(maxval)
    if not 0 < top < 65536:
        raise DataFormatError(path, t("library.data.at.header"), t("library.data.want.maxval"),
                              str(top))
    dtype = np.dtype("u1") if top < 256 else np.dtype(">u2")
    count = width * height * channels
    if binary:
        need = count * dtype.itemsize
        if len(data) - offset < need:
            raise DataFormatError(path, t("library.data.at.byte", n=offset),
                                  t("library.data.want.pixel_bytes", n=need,
                                    size=f"{width}x{height}x{channels}"),
                                  f"{len(data) - offset}")
        values = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    else:
        words = data[offset:].split()
        if len(words) < count:
            raise DataFormatError(path, t("library.data.at.byte", n=offset),
                                  t("library.data.want.pixel_values", n=count), str(len(words)))
        values = np.array([int(v) for v in words[:count]], dtype=dtype)
    shape = (height, width) if channels == 1 else (height, width, 3)
    return values.reshape(shape).astype(dtype.newbyteorder("="))


def read_image(path: str | Path) -> np.ndarray:
    """Read one image file into ``(H, W)`` or ``(H, W, C)`` (see the module docstring)."""
    path = Path(path)
    ext = path.suffix.lower()
    if ext == ".npy":
        return np.load(path, allow_pickle=False)
    if ext in (".pgm", ".ppm", ".pnm"):
        return _read_pnm(path)
    if ext in PIL_EXTENSIONS:
        if not has_pil():
            raise DataFormatError(path, t("library.data.at.extension"),
                                  t("library.data.want.pillow", ext=ext),
                                  t("library.data.got.no_pillow"))
        from PIL import Image

        with Image.open(path) as img:
            return np.asarray(img.convert("L" if img.mode in ("L", "1") else "RGB"))
    raise DataFormatError(path, t("library.data.at.extension"),
                          t("library.data.want.one_of", choices=", ".join(IMAGE_EXTENSIONS)), ext)


def write_image(path: str | Path, image: np.ndarray) -> Path:
    """Write uint8 ``(H, W)`` or ``(H, W, 3)`` as .npy, .pgm/.ppm (binary) or a Pillow format."""
    path, image = Path(path), np.asarray(image)
    ext = path.suffix.lower()
    if ext == ".npy":
        np.save(path, image)
    elif ext in (".pgm", ".ppm"):
        grey = image.ndim == 2
        if grey != (ext == ".pgm") or image.dtype != np.uint8:
            raise ValueError(f"{ext} needs uint8 {'(H, W)' if ext == '.pgm' else '(H, W, 3)'}, "
                             f"got {image.dtype} {image.shape}")
        header = f"{'P5' if grey else 'P6'}\n{image.shape[1]} {image.shape[0]}\n255\n".encode()
        path.write_bytes(header + np.ascontiguousarray(image).tobytes())
    elif ext in PIL_EXTENSIONS and has_pil():
        from PIL import Image

        Image.fromarray(image).save(path)
    else:
        raise ValueError(f"cannot write {ext} images here; use .npy, .pgm or .ppm")
    return path
