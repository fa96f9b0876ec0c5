"""MobileNetV2 (Sandler et al., 2018), in torchvision's layout.

A depthwise separable conv splits a k x k conv into a per-channel k x k conv (groups = C) and
a 1x1 conv: k^2 C + C C_out weights instead of k^2 C C_out. MobileNetV2 wraps it in an
*inverted residual*: expand the channels t-fold with a 1x1 conv, filter depthwise, project
back with a linear 1x1 (no activation), and add the input when the shape allows:

    (B, C, H, W) -1x1-> (B, tC, H, W) -dw 3x3/s-> (B, tC, H/s, W/s) -1x1-> (B, C_out, H/s, W/s)

ImageNet: 224 -stem 3x3/2-> 112 -> 17 inverted residuals (total stride 32) -> 7x7x320 -1x1->
1280 -> mean -> num_classes: 3,504,872 parameters. Names as torchvision
(``features.1.conv.0.0``, ``classifier.1``). ``small_input=True``: stem stride 1.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from dlfs import nn

from .layers import ConvNormAct, ReLU6, make_divisible
from .weight_init import init_weights_

__all__ = ["INVERTED_RESIDUAL_SETTING", "InvertedResidual", "MobileNetV2", "MobileNetV2Config",
           "mobilenet_v2"]

# (t expansion, c output channels, n repeats, s stride of the first repeat)
INVERTED_RESIDUAL_SETTING: tuple[tuple[int, int, int, int], ...] = (
    (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1),
)


class InvertedResidual(nn.Module):
    """Expand (1x1, t-fold) -> depthwise 3x3 (stride) -> linear 1x1 project [+ input].

    (B, C_in, H, W) -> (B, C_out, H/stride, W/stride); the skip is used when stride = 1 and
    C_in = C_out.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, expand_ratio: int
                 ) -> None:
        super().__init__()
        hidden = int(round(in_channels * expand_ratio))
        self.use_res_connect = stride == 1 and in_channels == out_channels
        layers: list[nn.Module] = []
        if expand_ratio != 1:
            layers.append(ConvNormAct(in_channels, hidden, 1, activation=ReLU6))  # (B, tC, H, W)
        layers += [
            ConvNormAct(hidden, hidden, 3, stride, groups=hidden, activation=ReLU6),  # depthwise
            nn.Conv2d(hidden, out_channels, 1, bias=False),         # (B, C_out, H/s, W/s)
            nn.BatchNorm2d(out_channels),
        ]
        self.conv = nn.Sequential(*layers)
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


@dataclass(frozen=True)
class MobileNetV2Config:
    """Options of :class:`MobileNetV2`; ``width_mult`` scales every channel count."""

    num_classes: int = 1000
    in_channels: int = 3
    width_mult: float = 1.0
    small_input: bool = False
    dropout: float = 0.2
    setting: tuple[tuple[int, int, int, int], ...] = INVERTED_RESIDUAL_SETTING


class MobileNetV2(nn.Module):
    """(B, in_channels, H, W) -> (B, num_classes) logits."""

    def __init__(self, cfg: MobileNetV2Config = MobileNetV2Config()) -> None:
        super().__init__()
        c = make_divisible(32 * cfg.width_mult)
        last = make_divisible(1280 * max(1.0, cfg.width_mult))
        layers: list[nn.Module] = [ConvNormAct(cfg.in_channels, c, 3, 1 if cfg.small_input else 2,
                                               activation=ReLU6)]           # (B, 32, H/2, W/2)
        for t, c_out, n, s in cfg.setting:
            c_out = make_divisible(c_out * cfg.width_mult)
            for i in range(n):
                layers.append(InvertedResidual(c, c_out, s if i == 0 else 1, t))
                c = c_out
        layers.append(ConvNormAct(c, last, 1, activation=ReLU6))             # (B, 1280, 7, 7)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(last, cfg.num_classes))
        init_weights_(self, conv="kaiming_out", linear="normal")

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x)).flatten(1)  # (B, 1280)
        return self.classifier(x)                      # (B, num_classes)


def mobilenet_v2(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
                 width_mult: float = 1.0, dropout: float = 0.2) -> MobileNetV2:
    """MobileNetV2 (width 1.0: 3,504,872 parameters at 1000 classes)."""
    return MobileNetV2(MobileNetV2Config(num_classes, in_channels, width_mult, small_input,
                                         dropout))
