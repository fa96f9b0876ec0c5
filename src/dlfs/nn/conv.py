"""Convolution modules: ``Conv1d``, ``Conv2d`` and ``ConvTranspose2d`` hold the kernel
``(C_out, C_in/groups, *k)`` and bias ``(C_out,)`` and call ``dlfs.nn.functional``
(im2col + matmul).

Initialization as torch: W ~ kaiming_uniform(a=sqrt(5)) and b ~ U(-1/sqrt(fan_in),
1/sqrt(fan_in)), fan_in = C_in/groups * prod(k) (for the transposed conv, computed from its
weight layout ``(C_in, C_out/groups, *k)`` the same way torch does).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from . import functional as F

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(v: int | tuple[int, ...] | list[int], n: int) -> tuple[int, ...]:
    return (v,) * n if isinstance(v, int) else tuple(v)


class _ConvNd(nn.Module):
    """Shared state and initialization of the convolution modules."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 n: int, transposed: bool = False, output_padding: Any = 0,
                 device: Any = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"must be divisible by groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {_PADDING_MODES}, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, n)
        self.stride = _tuple(stride, n)
        self.dilation = _tuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"padding must be 'same', 'valid' or ints, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding: Any = padding
        else:
            self.padding = _tuple(padding, n)
        self.transposed = transposed
        self.output_padding = _tuple(output_padding, n)
        self.groups = groups
        self.padding_mode = padding_mode
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups))
        factory = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(*shape, *self.kernel_size, **factory))
        if bias:
            self.bias = nn.Parameter(torch.empty(out_channels, **factory))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            receptive = math.prod(self.kernel_size)
            fan_in = self.weight.size(1) * receptive
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                nn.init.uniform_(self.bias, -bound, bound)

    def _mode_padding(self) -> list[int]:
        """``pad`` widths (last axis first) for a non-zero padding_mode."""
        widths: list[int] = []
        for axis in reversed(range(len(self.kernel_size))):
            if self.padding == "same":
                total = self.dilation[axis] * (self.kernel_size[axis] - 1)
                widths += [total // 2, total - total // 2]
            elif self.padding == "valid":
                widths += [0, 0]
            else:
                widths += [self.padding[axis]] * 2
        return widths

    def extra_repr(self) -> str:
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.kernel_size):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over (B, C_in, H, W) -> (B, C_out, H_out, W_out).

    H_out = floor((H + 2p - d (k - 1) - 1) / s) + 1. ``fused=True`` (not in torch) calls the
    built-in kernel instead of im2col + matmul, to compare speeds; the default is ours.

    >>> Conv2d(3, 8, kernel_size=3, padding="same")(torch.zeros(2, 3, 9, 9)).shape
    torch.Size([2, 8, 9, 9])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None,
                 dtype: torch.dtype | None = None, *, fused: bool = False) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 2, device=device, dtype=dtype)
        self.fused = fused

    def forward(self, input: Tensor) -> Tensor:
        padding: Any = self.padding
        if self.padding_mode != "zeros":
            input = F.pad(input, self._mode_padding(), mode=self.padding_mode)
            padding = 0
        conv2d = self._fused_conv2d if self.fused else F.conv2d
        return conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                      self.groups)

    @staticmethod
    def _fused_conv2d(*args: Any) -> Tensor:
        """torch's kernel (the opt-in fast path), same arguments as ``F.conv2d``."""
        return torch.nn.functional.conv2d(*args)


class Conv1d(_ConvNd):
    """1-D convolution over (B, C_in, L) -> (B, C_out, L_out)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 1, device=device, dtype=dtype)

    def forward(self, input: Tensor) -> Tensor:
        padding: Any = self.padding if isinstance(self.padding, str) else self.padding[0]
        if self.padding_mode != "zeros":
            input = F.pad(input, self._mode_padding(), mode=self.padding_mode)
            padding = 0
        return F.conv1d(input, self.weight, self.bias, self.stride[0], padding,
                        self.dilation[0], self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution, (B, C_in, H, W) -> (B, C_out, H_out, W_out) with
    H_out = (H - 1) s - 2p + d (k - 1) + output_padding + 1; weight (C_in, C_out/groups, kh, kw).

    ``forward(input, output_size)`` picks the output_padding that yields ``output_size``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: torch.dtype | None = None) -> None:
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose2d')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 2, transposed=True,
                         output_padding=output_padding, device=device, dtype=dtype)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:
        if output_size is None:
            return self.output_padding
        size = list(output_size)[-2:]
        pads = []
        for axis in range(2):
            n = input.shape[-2 + axis]
            smallest = ((n - 1) * self.stride[axis] - 2 * self.padding[axis]
                        + self.dilation[axis] * (self.kernel_size[axis] - 1) + 1)
            if not smallest <= size[axis] < smallest + self.stride[axis]:
                raise ValueError(f"requested output size {size} is not reachable: axis {axis} "
                                 f"must lie in [{smallest}, {smallest + self.stride[axis] - 1}]")
            pads.append(size[axis] - smallest)
        return tuple(pads)

    def forward(self, input: Tensor, output_size: list[int] | None = None) -> Tensor:
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)
