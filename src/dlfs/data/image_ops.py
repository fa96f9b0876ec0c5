"""Image operations behind the transforms, as plain functions (no PIL, no torchvision).

An *image* is either a tensor ``(..., C, H, W)`` (any leading batch dims) or a NumPy array
``(H, W, C)`` / ``(H, W)`` (typically uint8). Each function returns the same kind it got.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["bilinear_resize", "crop", "hflip", "image_size", "pad", "resize", "resized_shape"]

Image = Any  # torch.Tensor (..., C, H, W) or np.ndarray (H, W[, C])


def image_size(img: Image) -> tuple[int, int]:
    """``(H, W)`` of a CHW tensor or an HWC / HW array."""
    if isinstance(img, torch.Tensor):
        if img.dim() < 2:
            raise ValueError(f"expected an image tensor (..., C, H, W), got shape "
                             f"{tuple(img.shape)}")
        return int(img.shape[-2]), int(img.shape[-1])
    if isinstance(img, np.ndarray) and img.ndim in (2, 3):
        return int(img.shape[0]), int(img.shape[1])
    raise TypeError(f"expected a tensor (..., C, H, W) or an array (H, W[, C]), got "
                    f"{type(img).__name__} {getattr(img, 'shape', '')}")


def crop(img: Image, top: int, left: int, height: int, width: int) -> Image:
    """The window rows ``top:top+height``, columns ``left:left+width`` (inside the image)."""
    h, w = image_size(img)
    if top < 0 or left < 0 or top + height > h or left + width > w:
        raise ValueError(f"crop window (top={top}, left={left}, {height}x{width}) does not fit "
                         f"an image of {h}x{w}")
    if isinstance(img, torch.Tensor):
        return img[..., top:top + height, left:left + width]
    return img[top:top + height, left:left + width]


def hflip(img: Image) -> Image:
    """Mirror left ↔ right (reverse the width axis)."""
    if isinstance(img, torch.Tensor):
        return img.flip(-1)
    return np.ascontiguousarray(img[:, ::-1])


def _pad_index(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Source position for each padded position ``p = -before … n + after - 1``."""
    p = np.arange(-before, n + after)
    if mode in ("constant", "edge"):
        return np.clip(p, 0, n - 1)
    if mode == "reflect":  # mirror without repeating the edge pixel: period 2(n-1)
        if n == 1:
            return np.zeros_like(p)
        period = 2 * (n - 1)
        q = np.abs(p) % period
        return np.where(q > n - 1, period - q, q)
    if mode == "symmetric":  # mirror repeating the edge pixel: period 2n
        q = np.where(p < 0, -p - 1, p) % (2 * n)
        return np.where(q >= n, 2 * n - 1 - q, q)
    raise ValueError(f"padding_mode must be constant, edge, reflect or symmetric, got {mode!r}")


def _padding_ltrb(padding: int | Sequence[int]) -> tuple[int, int, int, int]:
    """int → all sides; (lr, tb); (left, top, right, bottom)."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    if len(padding) == 4:
        return tuple(int(v) for v in padding)  # type: ignore[return-value]
    raise ValueError(f"padding must be an int or a sequence of 2 or 4 ints, got {padding!r}")


def pad(img: Image, padding: int | Sequence[int], fill: float = 0,
        padding_mode: str = "constant") -> Image:
    """Pad the borders by index arithmetic: each output pixel reads a chosen input pixel.

    ``padding``: int, ``(left/right, top/bottom)`` or ``(left, top, right, bottom)``.
    Modes: ``constant`` (``fill``), ``edge`` (repeat the border), ``reflect`` (mirror, edge
    not repeated), ``symmetric`` (mirror, edge repeated).
    """
    left, top, right, bottom = _padding_ltrb(padding)
    h, w = image_size(img)
    rows = _pad_index(h, top, bottom, padding_mode)  # (H + top + bottom,)
    cols = _pad_index(w, left, right, padding_mode)  # (W + left + right,)
    if isinstance(img, torch.Tensor):
        out = img[..., torch.as_tensor(rows)[:, None], torch.as_tensor(cols)[None, :]]
    else:
        out = img[rows[:, None], cols[None, :]]
    if padding_mode == "constant":
        inside = np.zeros((len(rows), len(cols)), dtype=bool)
        inside[top:top + h, left:left + w] = True
        if isinstance(img, torch.Tensor):
            out = out.masked_fill(~torch.as_tensor(inside), fill)
        else:
            mask = inside if img.ndim == 2 else inside[:, :, None]
            out = np.where(mask, out, np.asarray(fill, dtype=img.dtype))
    return out


def resized_shape(h: int, w: int, size: int | Sequence[int]) -> tuple[int, int]:
    """Target ``(H', W')``: an int sets the shorter side (aspect ratio kept), a pair is exact."""
    if isinstance(size, int):
        short, long = (h, w) if h <= w else (w, h)
        new_short, new_long = size, int(size * long / short)
        return (new_short, new_long) if h <= w else (new_long, new_short)
    if len(size) == 1:
        return resized_shape(h, w, int(size[0]))
    return int(size[0]), int(size[1])


def _source_index(n_out: int, n_in: int, dtype: torch.dtype) -> tuple:
    """For output positions d: i0, i1 and the weight of i1 under align_corners=False.

    s = (d + 0.5) * n_in / n_out - 0.5, clamped at 0; i0 = floor(s); i1 = min(i0 + 1, n_in - 1).
    """
    scale = torch.tensor(n_in / n_out, dtype=dtype)
    s = ((torch.arange(n_out, dtype=dtype) + 0.5) * scale - 0.5).clamp(min=0)  # (n_out,)
    i0 = s.floor().long().clamp(max=n_in - 1)
    i1 = (i0 + 1).clamp(max=n_in - 1)
    lam1 = (s - i0.to(dtype)).clamp(0, 1)
    return i0, i1, lam1


def bilinear_resize(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear interpolation of ``x`` ``(..., C, H, W)`` to ``(..., C, height, width)``.

    out = (1-ly)·((1-lx)·x[y0,x0] + lx·x[y0,x1]) + ly·((1-lx)·x[y1,x0] + lx·x[y1,x1]),
    the formula of ``F.interpolate(mode='bilinear', align_corners=False, antialias=False)``.
    """
    if not x.is_floating_point():
        raise TypeError(f"bilinear_resize needs a floating-point tensor, got {x.dtype}")
    h, w = x.shape[-2:]
    y0, y1, ly = _source_index(height, h, x.dtype)
    x0, x1, lx = _source_index(width, w, x.dtype)
    ly, lx = ly[:, None], lx[None, :]  # (H', 1), (1, W')
    top = (1 - lx) * x[..., y0[:, None], x0[None, :]] + lx * x[..., y0[:, None], x1[None, :]]
    bottom = (1 - lx) * x[..., y1[:, None], x0[None, :]] + lx * x[..., y1[:, None], x1[None, :]]
    return (1 - ly) * top + ly * bottom  # (..., C, H', W')


def _via_float(img: np.ndarray, fn: Callable[[torch.Tensor], torch.Tensor]) -> np.ndarray:
    """Apply a CHW tensor op to an HWC / HW array; integer arrays are rounded back."""
    chw = torch.from_numpy(np.ascontiguousarray(img)).double()
    chw = chw.unsqueeze(0) if img.ndim == 2 else chw.permute(2, 0, 1)  # (C, H, W)
    out = fn(chw)
    out = out[0] if img.ndim == 2 else out.permute(1, 2, 0)  # back to (H', W'[, C])
    if np.issubdtype(img.dtype, np.integer):
        info = np.iinfo(img.dtype)
        out = out.round().clamp(info.min, info.max)
    return out.numpy().astype(img.dtype)


def resize(img: Image, size: int | Sequence[int]) -> Image:
    """Resize with bilinear interpolation; ``size`` as in :func:`resized_shape`.

    >>> resize(torch.zeros(3, 8, 16), 4).shape
    torch.Size([3, 4, 8])
    >>> resize(np.zeros((8, 8, 3), dtype=np.uint8), (28, 28)).shape
    (28, 28, 3)
    """
    h, w = image_size(img)
    new_h, new_w = resized_shape(h, w, size)
    if isinstance(img, torch.Tensor):
        if img.is_floating_point():
            return bilinear_resize(img, new_h, new_w)
        out = bilinear_resize(img.double(), new_h, new_w).round()
        return out.clamp(torch.iinfo(img.dtype).min, torch.iinfo(img.dtype).max).to(img.dtype)
    return _via_float(img, lambda t: bilinear_resize(t, new_h, new_w))
