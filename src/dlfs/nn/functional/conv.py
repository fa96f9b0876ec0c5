"""Convolution as matrix multiplication: im2col (``unfold``), col2im (``fold``), ``pad``,
``conv1d``, ``conv2d`` and ``conv_transpose2d``.

im2col (see ``im2col.py``) copies every kernel window of the padded image into a column; a
convolution is then one batched matmul of the flattened kernel with those columns:

    out[b, o, l] = sum_k W[o, k] * cols[b, k, l],   k = (c, i, j),  l = (h_out, w_out)

and a transposed convolution is the same matmul with W^T followed by col2im.

Output size along one axis (n input, p padding each side, k kernel, d dilation, s stride):

    n_out = floor((n + 2p - d (k - 1) - 1) / s) + 1
"""

from __future__ import annotations

import torch
from torch import Tensor

from .im2col import col2im, im2col

__all__ = ["conv1d", "conv2d", "conv_output_size", "conv_transpose2d", "fold", "pad",
           "unfold"]

IntPair = int | tuple[int, int]


def _pair(v: IntPair | list[int]) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    v = tuple(v)
    return (v[0], v[0]) if len(v) == 1 else (int(v[0]), int(v[1]))


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """n_out = floor((n + 2p - d (k - 1) - 1) / s) + 1.

    >>> conv_output_size(32, kernel=3, stride=2, padding=1)
    16
    """
    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


# ---------------------------------------------------------------------------------- padding
def _pad_index(n: int, left: int, right: int, mode: str, device: torch.device) -> Tensor:
    """Source index of every output position along one axis of length n."""
    i = torch.arange(-left, n + right, device=device)
    if mode == "replicate":
        return i.clamp(0, n - 1)
    if mode == "circular":
        return i.remainder(n)
    if max(left, right) >= n:
        raise ValueError(f"reflect padding {max(left, right)} must be < the size {n}")
    i = i.abs()  # reflect about index 0 ...
    return (n - 1) - (n - 1 - i).abs()  # ... and about index n - 1


def pad(input: Tensor, pad: list[int] | tuple[int, ...], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` dims; ``pad = (left_last, right_last, left_prev, ...)``.

    Modes: ``constant`` (fill with ``value``; negative padding crops), ``reflect`` (mirror
    without repeating the edge), ``replicate`` (repeat the edge), ``circular`` (wrap around).

    >>> pad(torch.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect")
    tensor([[3., 2., 1., 2., 3., 2.]])
    """
    if len(pad) % 2:
        raise ValueError(f"pad must have an even length, got {len(pad)}")
    widths = [(pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]  # last dim first
    if mode == "constant":
        return _pad_constant(input, widths, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"unknown padding mode {mode!r}")
    out = input
    for k, (left, right) in enumerate(widths):
        dim = input.dim() - 1 - k
        idx = _pad_index(input.shape[dim], left, right, mode, input.device)
        out = out.index_select(dim, idx)  # gathers, so the gradient adds back automatically
    return out


def _pad_constant(x: Tensor, widths: list[tuple[int, int]], value: float) -> Tensor:
    shape, src, dst = list(x.shape), [slice(None)] * x.dim(), [slice(None)] * x.dim()
    for k, (left, right) in enumerate(widths):
        dim = x.dim() - 1 - k
        n = x.shape[dim]
        shape[dim] = n + left + right
        src[dim] = slice(max(-left, 0), n - max(-right, 0))  # negative widths crop
        dst[dim] = slice(max(left, 0), max(left, 0) + max(n - max(-left, 0) - max(-right, 0), 0))
    out = x.new_full(shape, value)
    out[tuple(dst)] = x[tuple(src)]
    return out


# ---------------------------------------------------------------------------- im2col/col2im
def unfold(input: Tensor, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
           stride: IntPair = 1) -> Tensor:
    """im2col: (B, C, H, W) -> (B, C*kh*kw, L), one column per window, L = Ho * Wo.

    >>> unfold(torch.zeros(2, 3, 5, 5), kernel_size=(2, 3)).shape
    torch.Size([2, 18, 12])
    """
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    ph, pw = _pair(padding)
    x = _pad_constant(x, [(pw, pw), (ph, ph)], 0.0)
    cols = im2col(x, _pair(kernel_size), _pair(stride), _pair(dilation))  # (B, C, kh, kw, Ho, Wo)
    B, C, kh, kw, Ho, Wo = cols.shape
    cols = cols.reshape(B, C * kh * kw, Ho * Wo)  # (B, C*kh*kw, L), a view
    return cols if batched else cols[0]


def fold(input: Tensor, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1,
         padding: IntPair = 0, stride: IntPair = 1) -> Tensor:
    """col2im: (B, C*kh*kw, L) -> (B, C, H, W), summing where windows overlap.

    ``fold(unfold(x))`` multiplies each pixel by the number of windows that cover it.

    >>> x = torch.ones(1, 1, 3, 3)
    >>> fold(unfold(x, 2), (3, 3), 2)[0, 0]
    tensor([[1., 2., 1.],
            [2., 4., 2.],
            [1., 2., 1.]])
    """
    batched = input.dim() == 3
    cols = input if batched else input.unsqueeze(0)
    (H, W), (kh, kw), (ph, pw) = _pair(output_size), _pair(kernel_size), _pair(padding)
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    Lh = conv_output_size(H, kh, sh, ph, dh)
    Lw = conv_output_size(W, kw, sw, pw, dw)
    B, K, L = cols.shape
    if K % (kh * kw) or L != Lh * Lw:
        raise ValueError(f"fold: input of shape {tuple(input.shape)} does not match "
                         f"{kh}x{kw} windows giving {Lh}x{Lw} blocks")
    cols = cols.reshape(B, K // (kh * kw), kh, kw, Lh, Lw)  # (B, C, kh, kw, Lh, Lw)
    out = col2im(cols, (H + 2 * ph, W + 2 * pw), (sh, sw), (dh, dw))
    out = out[:, :, ph:ph + H, pw:pw + W]  # drop the padding: (B, C, H, W)
    return out if batched else out[0]


# ------------------------------------------------------------------------------ convolution
def _same_padding(kernel: tuple[int, int], dilation: tuple[int, int]) -> list[tuple[int, int]]:
    """Padding (left, right) per axis, last axis first, that keeps the size at stride 1."""
    widths = []
    for k, d in zip(reversed(kernel), reversed(dilation)):
        total = d * (k - 1)
        widths.append((total // 2, total - total // 2))  # the odd pixel goes to the right
    return widths


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: IntPair | str = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation as im2col + matmul.

    out[b, o, y, x] = b_o + sum_{c,i,j} W[o, c, i, j] * in[b, g*Cg + c, y*s + i*d, x*s + j*d]

    Shapes: input (B, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups, kh, kw);
    bias (C_out,) -> (B, C_out, H_out, W_out). ``padding`` is an int, a pair, ``"valid"``
    (no padding) or ``"same"`` (output size = input size; stride must be 1).

    >>> conv2d(torch.zeros(2, 4, 9, 7), torch.zeros(6, 2, 3, 2), groups=2, stride=2).shape
    torch.Size([2, 6, 4, 3])
    """
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    kernel, stride, dilation = tuple(weight.shape[2:]), _pair(stride), _pair(dilation)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError("padding='same' is not supported for strided convolutions")
        widths = _same_padding(kernel, dilation)
    elif padding == "valid":
        widths = [(0, 0), (0, 0)]
    else:
        ph, pw = _pair(padding)
        widths = [(pw, pw), (ph, ph)]
    if any(w for pair in widths for w in pair):
        x = _pad_constant(x, widths, 0.0)
    B, C = x.shape[:2]
    C_out, Cg, kh, kw = weight.shape
    if C != Cg * groups:
        raise ValueError(f"conv2d: input has {C} channels, weight {tuple(weight.shape)} with "
                         f"groups={groups} expects {Cg * groups}")
    span = [d * (k - 1) + 1 for d, k in zip(dilation, (kh, kw))]  # kernel extent (dilated)
    if span[0] > x.shape[2] or span[1] > x.shape[3]:
        raise ValueError(f"conv2d: the kernel spans {span[0]}x{span[1]} pixels (size "
                         f"{kh}x{kw}, dilation {dilation}) but the padded input is only "
                         f"{x.shape[2]}x{x.shape[3]}")
    cols = im2col(x, (kh, kw), stride, dilation)  # (B, C, kh, kw, Ho, Wo)
    Ho, Wo = cols.shape[-2:]
    cols = cols.reshape(B, groups, Cg * kh * kw, Ho * Wo)  # (B, G, K, L), a view
    w = weight.reshape(groups, C_out // groups, Cg * kh * kw)  # (G, Og, K)
    out = torch.matmul(w, cols).reshape(B, C_out, Ho, Wo)  # (B, G, Og, L) -> (B, C_out, Ho, Wo)
    if bias is not None:
        out = out.add_(bias.reshape(1, -1, 1, 1))  # in place: the matmul result is ours
    return out if batched else out[0]


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: int = 1,
           padding: int | str = 0, dilation: int = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation: a 2-D one over a height-1 image.

    Shapes: input (B, C_in, L) or (C_in, L); weight (C_out, C_in/groups, k) -> (B, C_out, L_out).
    """
    stride, dilation = _pair(stride)[0], _pair(dilation)[0]
    pad2d: IntPair | str = padding if isinstance(padding, str) else (0, _pair(padding)[0])
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, stride), pad2d,
                 (1, dilation), groups)  # (B, C_out, 1, L_out)
    return out.squeeze(-2)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntPair = 1, padding: IntPair = 0, output_padding: IntPair = 0,
                     groups: int = 1, dilation: IntPair = 1) -> Tensor:
    """Transposed convolution (the gradient of conv2d w.r.t. its input): every input pixel
    spreads a copy of the kernel, weighted by its value, onto the output (matmul + col2im).

    H_out = (H - 1) s - 2p + d (k - 1) + output_padding + 1.

    Shapes: input (B, C_in, H, W) or (C_in, H, W); weight (C_in, C_out/groups, kh, kw)
    -> (B, C_out, H_out, W_out).

    >>> conv_transpose2d(torch.zeros(1, 4, 5, 5), torch.zeros(4, 3, 3, 3), stride=2).shape
    torch.Size([1, 3, 11, 11])
    """
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    oph, opw = _pair(output_padding)
    B, C_in, H, W = x.shape
    _, Og, kh, kw = weight.shape
    Cg = C_in // groups
    w = weight.reshape(groups, Cg, Og * kh * kw).transpose(1, 2)  # (G, Og*kh*kw, Cg)
    cols = torch.matmul(w, x.reshape(B, groups, Cg, H * W))  # (B, G, Og*kh*kw, H*W)
    cols = cols.reshape(B, groups * Og, kh, kw, H, W)
    H_out = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    W_out = (W - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    full = col2im(cols, (H_out + 2 * ph, W_out + 2 * pw), (sh, sw), (dh, dw))
    out = full[:, :, ph:ph + H_out, pw:pw + W_out]  # (B, C_out, H_out, W_out)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out if batched else out[0]
