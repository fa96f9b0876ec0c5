"""im2col and col2im: the two linear maps behind convolution, each the other's adjoint.

im2col copies every (dilated, strided) kernel window of an image into a column:

    cols[b, c, i, j, y, x] = img[b, c, y*s + i*d, x*s + j*d]      (B, C, kh, kw, Ho, Wo)

col2im sends each column entry back to its pixel and *adds* where windows overlap. Because
im2col only copies, its gradient is col2im of the incoming gradient, and vice versa; so both
are autograd Functions whose backward calls the other (which also makes them twice
differentiable). Both loop over the kh*kw kernel taps and move one strided slice per tap.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.autograd.function import FunctionCtx

__all__: list[str] = []

Pair = tuple[int, int]


def _tap(i: int, j: int, blocks: Pair, stride: Pair, dilation: Pair) -> tuple[slice, slice]:
    """Pixels touched by kernel tap (i, j) across all windows: strided rows and columns."""
    (Lh, Lw), (sh, sw), (dh, dw) = blocks, stride, dilation
    return (slice(i * dh, i * dh + sh * (Lh - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (Lw - 1) + 1, sw))


def im2col(x: Tensor, kernel: Pair, stride: Pair, dilation: Pair,
           blocks: Pair | None = None) -> Tensor:
    """(B, C, H, W) -> (B, C, kh, kw, Ho, Wo), no padding (pad first), differentiable.

    ``blocks`` = (Ho, Wo) defaults to every window that fits; fewer may be asked for."""
    return _Im2Col.apply(x, kernel, stride, dilation, blocks)


def col2im(cols: Tensor, size: Pair, stride: Pair, dilation: Pair) -> Tensor:
    """(B, C, kh, kw, Lh, Lw) -> (B, C, *size), summing overlaps, differentiable."""
    return _Col2Im.apply(cols, size, stride, dilation)


class _Im2Col(torch.autograd.Function):
    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, kernel: Pair, stride: Pair, dilation: Pair,
                blocks: Pair | None) -> Tensor:
        B, C, H, W = x.shape
        (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
        if blocks is None:
            blocks = ((H - dh * (kh - 1) - 1) // sh + 1, (W - dw * (kw - 1) - 1) // sw + 1)
        cols = x.new_empty(B, C, kh, kw, *blocks)  # (B, C, kh, kw, Ho, Wo)
        for i in range(kh):
            for j in range(kw):
                cols[:, :, i, j] = x[(..., *_tap(i, j, blocks, stride, dilation))]
        ctx.size, ctx.stride, ctx.dilation = (H, W), stride, dilation
        return cols

    @staticmethod
    def backward(ctx: FunctionCtx, grad: Tensor) -> tuple[Tensor | None, ...]:
        return col2im(grad, ctx.size, ctx.stride, ctx.dilation), None, None, None, None


class _Col2Im(torch.autograd.Function):
    @staticmethod
    def forward(ctx: FunctionCtx, cols: Tensor, size: Pair, stride: Pair, dilation: Pair
                ) -> Tensor:
        B, C, kh, kw, Lh, Lw = cols.shape
        img = cols.new_zeros(B, C, *size)  # (B, C, H, W)
        for i in range(kh):
            for j in range(kw):
                img[(..., *_tap(i, j, (Lh, Lw), stride, dilation))] += cols[:, :, i, j]
        ctx.kernel, ctx.stride, ctx.dilation, ctx.blocks = (kh, kw), stride, dilation, (Lh, Lw)
        return img

    @staticmethod
    def backward(ctx: FunctionCtx, grad: Tensor) -> tuple[Tensor | None, ...]:
        return im2col(grad, ctx.kernel, ctx.stride, ctx.dilation, ctx.blocks), None, None, None
