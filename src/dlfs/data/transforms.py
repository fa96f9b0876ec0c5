"""Transforms: callables that turn one sample into another, chained with :class:`Compose`.

They work without PIL or torchvision, on uint8 HWC NumPy arrays (how images come off disk)
and on CHW tensors (after :class:`ToTensor`). A typical training pipeline::

    Compose([RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(),
             Normalize(mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))])

Random transforms take an optional ``generator``; without one they draw from torch's global
RNG (which each DataLoader worker seeds differently).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from .image_ops import crop, hflip, image_size, pad, resize

__all__ = ["CenterCrop", "Compose", "Lambda", "Normalize", "RandomCrop", "RandomHorizontalFlip",
           "Resize", "ToTensor"]


def _pair(size: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(size, int):
        return size, size
    if len(size) == 1:
        return int(size[0]), int(size[0])
    return int(size[0]), int(size[1])


class Compose:
    """Apply transforms in order: ``Compose([f, g])(x) == g(f(x))``.

    >>> Compose([Lambda(lambda x: x + 1), Lambda(lambda x: x * 10)])(1)
    20
    """

    def __init__(self, transforms: Sequence[Callable[[Any], Any]]):
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class Lambda:
    """Wrap any function as a transform."""

    def __init__(self, fn: Callable[[Any], Any]):
        if not callable(fn):
            raise TypeError(f"Lambda needs a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, x: Any) -> Any:
        return self.fn(x)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.fn, '__name__', 'fn')})"


class ToTensor:
    """Array ``(H, W, C)`` or ``(H, W)`` → tensor ``(C, H, W)``; uint8 is scaled to [0, 1].

    Other dtypes keep their values and dtype (only the axes move), as torchvision does.

    >>> t = ToTensor()(np.full((2, 3, 3), 255, dtype=np.uint8))
    >>> t.shape, t.dtype, t.max().item()
    (torch.Size([3, 2, 3]), torch.float32, 1.0)
    """

    def __call__(self, pic: np.ndarray) -> torch.Tensor:
        if not isinstance(pic, np.ndarray) or pic.ndim not in (2, 3):
            raise TypeError(f"ToTensor expects a NumPy array (H, W[, C]), got "
                            f"{type(pic).__name__} {getattr(pic, 'shape', '')}")
        hwc = pic[:, :, None] if pic.ndim == 2 else pic
        chw = torch.from_numpy(np.ascontiguousarray(hwc.transpose(2, 0, 1)))  # (C, H, W)
        if chw.dtype == torch.uint8:
            return chw.float().div(255)
        return chw

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """Per channel: ``out[c] = (x[c] - mean[c]) / std[c]`` on a float tensor ``(..., C, H, W)``."""

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
        if any(s == 0 for s in std):
            raise ValueError(f"Normalize: std must be non-zero, got {list(std)}")
        self.mean, self.std, self.inplace = list(mean), list(std), inplace

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError("Normalize expects a float tensor (..., C, H, W); apply ToTensor first")
        mean = torch.as_tensor(self.mean, dtype=x.dtype).view(-1, 1, 1)  # (C, 1, 1)
        std = torch.as_tensor(self.std, dtype=x.dtype).view(-1, 1, 1)
        if mean.shape[0] not in (1, x.shape[-3]):
            raise ValueError(f"Normalize: {mean.shape[0]} means for {x.shape[-3]} channels")
        if self.inplace:
            return x.sub_(mean).div_(std)
        return (x - mean) / std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class Resize:
    """Bilinear resize; an int sets the shorter side (aspect kept), ``(H, W)`` is exact."""

    def __init__(self, size: int | Sequence[int]):
        self.size = size

    def __call__(self, img: Any) -> Any:
        return resize(img, self.size)

    def __repr__(self) -> str:
        return f"Resize(size={self.size})"


def _pad_to(img: Any, th: int, tw: int, fill: float = 0, mode: str = "constant") -> Any:
    """Pad so the image is at least ``th x tw`` (extra split as evenly as possible)."""
    h, w = image_size(img)
    dh, dw = max(th - h, 0), max(tw - w, 0)
    if dh == 0 and dw == 0:
        return img
    return pad(img, (dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2), fill, mode)


class CenterCrop:
    """The central ``(H, W)`` window; an image smaller than that is zero-padded first."""

    def __init__(self, size: int | Sequence[int]):
        self.size = _pair(size)

    def __call__(self, img: Any) -> Any:
        th, tw = self.size
        img = _pad_to(img, th, tw)
        h, w = image_size(img)
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        return crop(img, top, left, th, tw)

    def __repr__(self) -> str:
        return f"CenterCrop(size={self.size})"


class RandomCrop:
    """A random ``(H, W)`` window, after optional ``padding`` (see :func:`image_ops.pad`).

    The offsets are ``torch.randint(0, H_pad - H + 1)`` then the same for the width, drawn
    from ``generator`` (or the global RNG) — the draws torchvision's RandomCrop makes.
    """

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] | None = None,
                 pad_if_needed: bool = False, fill: float = 0, padding_mode: str = "constant",
                 generator: torch.Generator | None = None):
        self.size = _pair(size)
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode, self.generator = fill, padding_mode, generator

    def get_params(self, img: Any) -> tuple[int, int, int, int]:
        """``(top, left, H, W)`` of the window for this call."""
        h, w = image_size(img)
        th, tw = self.size
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: crop {th}x{tw} is larger than the image {h}x{w}; "
                             "pass padding= or pad_if_needed=True")
        if h == th and w == tw:
            return 0, 0, h, w
        top = int(torch.randint(0, h - th + 1, (1,), generator=self.generator))
        left = int(torch.randint(0, w - tw + 1, (1,), generator=self.generator))
        return top, left, th, tw

    def __call__(self, img: Any) -> Any:
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        if self.pad_if_needed:
            img = _pad_to(img, *self.size, fill=self.fill, mode=self.padding_mode)
        return crop(img, *self.get_params(img))

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror left ↔ right with probability ``p`` (one ``torch.rand(1)`` draw per call)."""

    def __init__(self, p: float = 0.5, generator: torch.Generator | None = None):
        if not 0 <= p <= 1:
            raise ValueError(f"p must lie in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def __call__(self, img: Any) -> Any:
        if torch.rand(1, generator=self.generator).item() < self.p:
            return hflip(img)
        return img

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"
