"""Small building blocks shared by the modern CNN families, composed from ``dlfs.nn``.

- :class:`ConvNormAct`: convolution -> batch norm -> activation, the unit of MobileNet and
  EfficientNet (torchvision calls it ``Conv2dNormActivation``; same child indices 0, 1, 2, so
  the state-dict keys match).
- :class:`ReLU6`: ``min(max(x, 0), 6)``, MobileNetV2's activation (not in ``dlfs.nn``; one
  clamp, checked against ``torch.nn.ReLU6`` in the tests).
- :class:`SqueezeExcitation`: channel gates ``s = sigmoid(W2 act(W1 mean_hw(x)))``, ``y = s * x``.
- :class:`StochasticDepth`: drop a residual branch per sample while training, identity in eval.
- :func:`make_divisible`: round a channel count to a multiple of 8, as the MobileNets do.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from dlfs import nn

__all__ = ["ConvNormAct", "ReLU6", "SqueezeExcitation", "StochasticDepth", "make_divisible"]


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``v`` to the nearest multiple of ``divisor`` without going below 90 % of it.

    >>> make_divisible(32 * 1.4), make_divisible(16 * 0.35)
    (48, 8)
    """
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ReLU6(nn.Module):
    """relu6(x) = min(max(x, 0), 6), elementwise; shape preserved.

    >>> ReLU6()(torch.tensor([-1.0, 3.0, 9.0]))
    tensor([0., 3., 6.])
    """

    def forward(self, x: Tensor) -> Tensor:
        return x.clamp(min=0.0, max=6.0)


class ConvNormAct(nn.Sequential):
    """Conv2d (no bias, "same"-style padding (k-1)//2) -> BatchNorm2d -> activation.

    (B, C_in, H, W) -> (B, C_out, ceil(H / stride), ceil(W / stride)). ``activation=None``
    leaves the activation out (a linear projection, as in MBConv's last 1x1).

    >>> ConvNormAct(3, 8, stride=2)(torch.zeros(1, 3, 9, 9)).shape
    torch.Size([1, 8, 5, 5])
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3,
                 stride: int = 1, groups: int = 1, bn_eps: float = 1e-5,
                 activation: Callable[[], nn.Module] | None = nn.ReLU) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, (kernel_size - 1) // 2,
                      groups=groups, bias=False),
            nn.BatchNorm2d(out_channels, eps=bn_eps),
        ]
        if activation is not None:
            layers.append(activation())
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Squeeze (global mean over H, W) and excite (two 1x1 convs) to gate each channel.

    s = sigmoid(fc2(act(fc1(mean_hw(x)))))   (B, C, 1, 1);   y = s * x   (B, C, H, W).
    Parameter names ``fc1``/``fc2`` as in torchvision's ``ops.SqueezeExcitation``.
    """

    def __init__(self, channels: int, squeeze_channels: int,
                 activation: Callable[[], nn.Module] = nn.ReLU) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.activation = activation()
        self.scale_activation = nn.Sigmoid()

    def forward(self, x: Tensor) -> Tensor:
        s = self.avgpool(x)                            # (B, C, 1, 1)
        s = self.activation(self.fc1(s))               # (B, C_sq, 1, 1)
        s = self.scale_activation(self.fc2(s))         # (B, C, 1, 1)
        return s * x                                   # (B, C, H, W)


class StochasticDepth(nn.Module):
    """Keep each sample's branch with probability q = 1 - p, scaled by 1/q, while training.

    y_b = x_b * m_b / q with m_b ~ Bernoulli(q) per sample b ("row" mode); y = x in eval mode
    or when p = 0. Shape preserved; the residual add happens outside.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"drop probability must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        q = 1.0 - self.p
        shape = (x.shape[0],) + (1,) * (x.dim() - 1)
        m = torch.empty(shape, dtype=x.dtype, device=x.device).bernoulli_(q)  # (B, 1, 1, 1)
        return x * m / q if q > 0 else x * m

    def extra_repr(self) -> str:
        return f"p={self.p}"
