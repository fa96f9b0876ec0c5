"""EfficientNet (Tan & Le, 2019): MBConv blocks, scaled in width and depth together.

Compound scaling grows a baseline by depth d = alpha^phi, width w = beta^phi and resolution
r = gamma^phi (alpha beta^2 gamma^2 ~ 2, so FLOPs ~ 2^phi): channels become
``make_divisible(c * w)`` and each stage's repeat count ``ceil(n * d)``. B0 is the baseline
(w = d = 1, 224 px).

MBConv = MobileNetV2's inverted residual with SiLU, a squeeze-excitation gate (squeeze to
C_in / 4) before the linear projection, and stochastic depth on the branch:

    y = x + drop_path(project(SE(depthwise_k(expand(x)))))    when stride 1 and C_in = C_out

The drop probability grows linearly with the block index up to 0.2; in eval mode it is the
identity. torchvision layout (``features.N.M.block.K``, ``classifier.1``); 5,288,548
parameters for B0 at 1000 classes. BatchNorm eps: torchvision's B0-B4 keep the default 1e-5
(so its weights reproduce its outputs here); the TensorFlow reference, torchvision's B5-B7
and the V2 family use 1e-3 (``bn_eps=1e-3``). ``small_input=True``: stem stride 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import Tensor

from dlfs import nn

from .layers import ConvNormAct, SqueezeExcitation, StochasticDepth, make_divisible
from .weight_init import init_weights_

__all__ = ["B0_STAGES", "EfficientNet", "EfficientNetConfig", "MBConv", "efficientnet_b0"]

# (expand ratio t, kernel k, stride s, C_in, C_out, repeats n) of EfficientNet-B0
B0_STAGES: tuple[tuple[int, int, int, int, int, int], ...] = (
    (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1),
)


class MBConv(nn.Module):
    """(B, C_in, H, W) -> (B, C_out, H/stride, W/stride)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 expand_ratio: int, drop_prob: float, bn_eps: float = 1e-5) -> None:
        super().__init__()
        self.use_res_connect = stride == 1 and in_channels == out_channels
        hidden = make_divisible(in_channels * expand_ratio)
        layers: list[nn.Module] = []
        if hidden != in_channels:
            layers.append(ConvNormAct(in_channels, hidden, 1, bn_eps=bn_eps,
                                      activation=nn.SiLU))                  # (B, tC, H, W)
        layers += [
            ConvNormAct(hidden, hidden, kernel_size, stride, groups=hidden, bn_eps=bn_eps,
                        activation=nn.SiLU),                                # (B, tC, H/s, W/s)
            SqueezeExcitation(hidden, max(1, in_channels // 4), activation=nn.SiLU),
            ConvNormAct(hidden, out_channels, 1, bn_eps=bn_eps, activation=None),
        ]
        self.block = nn.Sequential(*layers)
        self.stochastic_depth = StochasticDepth(drop_prob)
        self.out_channels = out_channels

    def forward(self, x: Tensor) -> Tensor:
        out = self.block(x)                           # (B, C_out, H/s, W/s)
        if self.use_res_connect:
            out = x + self.stochastic_depth(out)
        return out


@dataclass(frozen=True)
class EfficientNetConfig:
    """Options of :class:`EfficientNet` (defaults: B0)."""

    width_mult: float = 1.0
    depth_mult: float = 1.0
    dropout: float = 0.2
    stochastic_depth_prob: float = 0.2
    num_classes: int = 1000
    in_channels: int = 3
    small_input: bool = False
    bn_eps: float = 1e-5             # torchvision B0-B4; 1e-3 in the TF reference
    stages: tuple[tuple[int, int, int, int, int, int], ...] = B0_STAGES


def _scaled_stages(cfg: EfficientNetConfig) -> list[tuple[int, int, int, int, int, int]]:
    """Apply the width and depth multipliers to every stage."""
    def width(c: int) -> int:
        return make_divisible(c * cfg.width_mult)

    return [(t, k, s, width(c_in), width(c_out), int(math.ceil(n * cfg.depth_mult)))
            for t, k, s, c_in, c_out, n in cfg.stages]


class EfficientNet(nn.Module):
    """(B, in_channels, H, W) -> (B, num_classes) logits."""

    def __init__(self, cfg: EfficientNetConfig = EfficientNetConfig()) -> None:
        super().__init__()
        stages = _scaled_stages(cfg)
        total = sum(n for *_, n in stages)
        stem_c = stages[0][3]
        layers: list[nn.Module] = [ConvNormAct(cfg.in_channels, stem_c, 3,
                                               1 if cfg.small_input else 2, bn_eps=cfg.bn_eps,
                                               activation=nn.SiLU)]  # (B, 32, H/2, W/2)
        index = 0
        for t, k, s, c_in, c_out, n in stages:
            blocks: list[nn.Module] = []
            for i in range(n):
                p = cfg.stochastic_depth_prob * index / total    # grows linearly with depth
                blocks.append(MBConv(c_in if i == 0 else c_out, c_out, k, s if i == 0 else 1,
                                     t, p, cfg.bn_eps))
                index += 1
            layers.append(nn.Sequential(*blocks))
        last_c = 4 * stages[-1][4]
        layers.append(ConvNormAct(stages[-1][4], last_c, 1, bn_eps=cfg.bn_eps,
                                  activation=nn.SiLU))            # (B, 1280, H/32, W/32)
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(cfg.dropout, inplace=True),
                                        nn.Linear(last_c, cfg.num_classes))
        init_weights_(self, conv="kaiming_out", linear="uniform_out")

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x)).flatten(1)  # (B, 1280)
        return self.classifier(x)                      # (B, num_classes)


def efficientnet_b0(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
                    **kw: object) -> EfficientNet:
    """EfficientNet-B0; other config fields (``width_mult``, ``depth_mult``, ...) by keyword."""
    return EfficientNet(EfficientNetConfig(num_classes=num_classes, in_channels=in_channels,
                                           small_input=small_input, **kw))  # type: ignore[arg-type]
