"""Pooling: max and average over sliding windows (a strided view of the padded input), and
the adaptive versions whose window edges are start = floor(i H / H_out),
end = ceil((i + 1) H / H_out).

Output size with ``ceil_mode`` (torch's rule): round the division up, but drop a last window
that would start in the right padding.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .conv import IntPair, _pad_constant, _pair

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "max_pool2d",
           "pool_output_size"]


def pool_output_size(n: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1,
                     ceil_mode: bool = False) -> int:
    """n_out = floor-or-ceil((n + 2p - d (k - 1) - 1) / s) + 1 (see the module docstring).

    >>> pool_output_size(5, kernel=2, stride=2), pool_output_size(5, 2, 2, ceil_mode=True)
    (2, 3)
    """
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= n + padding:
        out -= 1  # the last window would start inside the right padding
    return out


def _windows(x: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
             dilation: tuple[int, int]) -> Tensor:
    """Strided *view* (no copy) of every (dilated) window: (B, C, H, W) -> (B, C, Ho, Wo, kh, kw).

    Pooling reduces over the last two dims of this view directly."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    x = x.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)  # (B, C, Ho, Wo, ., .)
    if dh > 1 or dw > 1:
        x = x[..., ::dh, ::dw]  # keep every d-th tap: (B, C, Ho, Wo, kh, kw)
    return x


def _pool_windows(x: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
                  padding: tuple[int, int], dilation: tuple[int, int], ceil_mode: bool,
                  fill: float) -> Tensor:
    """Pad with ``fill`` (extra on the right for ceil_mode) and return the window view
    (B, C, Ho, Wo, kh, kw)."""
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise ValueError(f"pad {padding} should be at most half of the kernel size {kernel}")
    widths, sizes = [], []
    for axis in (1, 0):  # last axis first, as pad expects
        n, k, s, p, d = (x.shape[2 + axis], kernel[axis], stride[axis], padding[axis],
                         dilation[axis])
        out = pool_output_size(n, k, s, p, d, ceil_mode)
        extra = max(0, (out - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
        widths.append((p, p + extra))
        sizes.insert(0, out)
    if any(w for pair in widths for w in pair):
        x = _pad_constant(x, widths, fill)
    win = _windows(x, kernel, stride, dilation)  # (B, C, Ho', Wo', kh, kw)
    return win[:, :, :sizes[0], :sizes[1]]


def max_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """out[b, c, y, x] = max over the window at (y s - p, x s - p); padding counts as -inf.

    Shapes: (B, C, H, W) or (C, H, W) -> (B, C, Ho, Wo). With ``return_indices`` also the
    position of each maximum as a flat index h * W + w into the unpadded input.

    >>> max_pool2d(torch.arange(16.0).reshape(1, 1, 4, 4), 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    kernel = _pair(kernel_size)
    stride_ = kernel if stride is None or stride == [] else _pair(stride)
    padding_, dilation_ = _pair(padding), _pair(dilation)
    win = _pool_windows(x, kernel, stride_, padding_, dilation_, ceil_mode, -math.inf)
    B, C, Ho, Wo, kh, kw = win.shape
    values, arg = win.reshape(B, C, Ho, Wo, kh * kw).max(dim=-1)  # gradient goes to the argmax
    if not batched:
        values = values[0]
    if not return_indices:
        return values
    oy = torch.arange(Ho, device=x.device).view(-1, 1) * stride_[0] - padding_[0]  # (Ho, 1)
    ox = torch.arange(Wo, device=x.device) * stride_[1] - padding_[1]  # (Wo,)
    rows = oy + torch.div(arg, kw, rounding_mode="floor") * dilation_[0]
    cols = ox + (arg % kw) * dilation_[1]
    indices = rows * x.shape[3] + cols  # (B, C, Ho, Wo)
    return values, indices if batched else indices[0]


def _avg_divisor(n: int, out: int, k: int, s: int, p: int, include_pad: bool) -> Tensor:
    """How many positions each window along one axis averages over, as torch counts them."""
    start = torch.arange(out) * s - p
    end = torch.clamp(start + k, max=n + p)  # a window never reaches past the right padding
    if include_pad:
        return end - start
    return end.clamp(max=n) - start.clamp(min=0)


def avg_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """out = sum over the window / its size; padding counts as zeros (and, with
    ``count_include_pad``, towards the size). Shapes: (B, C, H, W) -> (B, C, Ho, Wo)."""
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    kernel = _pair(kernel_size)
    stride_ = kernel if stride is None or stride == [] else _pair(stride)
    padding_ = _pair(padding)
    win = _pool_windows(x, kernel, stride_, padding_, (1, 1), ceil_mode, 0.0)
    total = win.sum(dim=(-2, -1))  # (B, C, Ho, Wo)
    if divisor_override is not None:
        out = total / divisor_override
    else:
        Ho, Wo = total.shape[-2:]
        dh = _avg_divisor(x.shape[2], Ho, kernel[0], stride_[0], padding_[0], count_include_pad)
        dw = _avg_divisor(x.shape[3], Wo, kernel[1], stride_[1], padding_[1], count_include_pad)
        divisor = (dh.view(-1, 1) * dw).to(device=x.device, dtype=x.dtype)  # (Ho, Wo)
        out = total / divisor
    return out if batched else out[0]


def _adaptive_bounds(n: int, out: int) -> list[tuple[int, int]]:
    """[start, end) of each adaptive window: floor(i n / out) .. ceil((i + 1) n / out)."""
    return [((i * n) // out, -((-(i + 1) * n) // out)) for i in range(out)]


def _output_hw(output_size: int | tuple[int | None, int | None], H: int, W: int
               ) -> tuple[int, int]:
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    return (H if oh is None else oh), (W if ow is None else ow)


def adaptive_avg_pool2d(input: Tensor, output_size: int | tuple[int | None, int | None]
                        ) -> Tensor:
    """Average over the adaptive windows, as two averaging matrices: out = A_h x A_w^T.

    Shapes: (B, C, H, W) -> (B, C, oh, ow); ``None`` in output_size keeps that size.

    >>> adaptive_avg_pool2d(torch.zeros(2, 3, 7, 5), (2, None)).shape
    torch.Size([2, 3, 2, 5])
    """
    H, W = input.shape[-2:]
    oh, ow = _output_hw(output_size, H, W)
    a_h = _averaging_matrix(H, oh, input)  # (oh, H)
    a_w = _averaging_matrix(W, ow, input)  # (ow, W)
    return a_h @ input @ a_w.t()  # (..., oh, W) -> (..., oh, ow)


def _averaging_matrix(n: int, out: int, like: Tensor) -> Tensor:
    a = torch.zeros(out, n, dtype=like.dtype, device=like.device)
    for i, (s, e) in enumerate(_adaptive_bounds(n, out)):
        a[i, s:e] = 1.0 / (e - s)
    return a


def adaptive_max_pool2d(input: Tensor, output_size: int | tuple[int | None, int | None],
                        return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over the adaptive windows, taken along H first and then along W.

    Shapes: (B, C, H, W) -> (B, C, oh, ow); indices are flat h * W + w.
    """
    H, W = input.shape[-2:]
    oh, ow = _output_hw(output_size, H, W)
    rows = [input[..., s:e, :].max(dim=-2) for s, e in _adaptive_bounds(H, oh)]
    v_h = torch.stack([r.values for r in rows], dim=-2)  # (..., oh, W)
    i_h = torch.stack([r.indices + s for r, (s, _) in zip(rows, _adaptive_bounds(H, oh))], -2)
    cols = [v_h[..., s:e].max(dim=-1) for s, e in _adaptive_bounds(W, ow)]
    out = torch.stack([c.values for c in cols], dim=-1)  # (..., oh, ow)
    if not return_indices:
        return out
    j = torch.stack([c.indices + s for c, (s, _) in zip(cols, _adaptive_bounds(W, ow))], -1)
    i = i_h.gather(-1, j)  # the row of the maximum in the chosen column
    return out, i * W + j
