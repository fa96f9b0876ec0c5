"""Sample grids: many small images tiled into one picture, for PNG files and TensorBoard.

    images (N, 1, H, W) in [-1, 1] --grid_image--> (1, rows*(H+pad)+pad, nrow*(W+pad)+pad) in [0, 1]
                                   --save_grid---> PNG, each pixel scale x scale
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import Tensor

from .data import to_unit_range

__all__ = ["grid_image", "save_grid"]


def grid_image(images: Tensor, nrow: int | None = None, pad: int = 1) -> Tensor:
    """Tile ``images`` ``(N, 1, H, W)`` in ``[-1, 1]`` row by row, ``nrow`` per row (default:
    the nearest square), with ``pad`` pixels of white between them. Returns ``(1, H', W')``
    in ``[0, 1]`` (TensorBoard's ``add_image`` takes it as is)."""
    if images.dim() != 4 or images.shape[1] != 1 or images.shape[0] == 0:
        raise ValueError("grid_image: images must be (N, 1, H, W) with N >= 1, got "
                         f"{tuple(images.shape)}")
    n, _, h, w = images.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    if nrow < 1:
        raise ValueError(f"grid_image: nrow must be >= 1, got {nrow}")
    rows = math.ceil(n / nrow)
    canvas = torch.ones(1, rows * (h + pad) + pad, nrow * (w + pad) + pad)
    pixels = to_unit_range(images.detach().float().cpu())
    for i in range(n):
        r, c = divmod(i, nrow)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        canvas[:, top:top + h, left:left + w] = pixels[i]
    return canvas


def save_grid(images: Tensor, path: str | Path, *, nrow: int | None = None,
              scale: int = 4) -> Path:
    """Write :func:`grid_image` of ``images`` as a greyscale PNG at ``path`` (folders are
    created), each pixel drawn ``scale`` x ``scale``; returns the path."""
    import matplotlib.image

    if scale < 1:
        raise ValueError(f"save_grid: scale must be >= 1, got {scale}")
    grid = grid_image(images, nrow)[0]
    grid = grid.repeat_interleave(scale, 0).repeat_interleave(scale, 1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    matplotlib.image.imsave(path, grid.numpy(), cmap="gray", vmin=0.0, vmax=1.0)
    return path
