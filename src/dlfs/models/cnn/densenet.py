"""DenseNet (Huang et al., 2016), in torchvision's layout.

Inside a dense block, layer l sees the concatenation of everything before it:

    x_l = H_l([x_0, x_1, ..., x_{l-1}]),
    H_l = BN-ReLU-1x1 conv (bn_size * k channels) -> BN-ReLU-3x3 conv (k channels)

so channels grow by the growth rate k per layer: C_0 + l k. A transition (BN-ReLU-1x1 conv
halving the channels, 2x2 average pool) sits between blocks.

DenseNet-121: k = 32, blocks (6, 12, 24, 16), 64 stem channels; 224x224 -> stem 56 -> 56, 28,
14, 7 -> 1024 channels -> num_classes. 7,978,856 parameters at 1000 classes. Names as in
torchvision (``features.denseblock1.denselayer1.conv1``, ``features.transition1.conv``,
``features.norm5``, ``classifier``). ``small_input=True``: 3x3 stride-1 stem, no max-pool.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import Tensor

from dlfs import nn

from .weight_init import init_weights_

__all__ = ["DenseBlock", "DenseLayer", "DenseNet", "DenseNetConfig", "Transition",
           "densenet121"]


class DenseLayer(nn.Module):
    """BN-ReLU-1x1 conv -> BN-ReLU-3x3 conv: a list of maps with C channels in total ->
    (B, growth_rate, H, W) new features."""

    def __init__(self, in_channels: int, growth_rate: int, bn_size: int, drop_rate: float
                 ) -> None:
        super().__init__()
        self.norm1 = nn.BatchNorm2d(in_channels)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(in_channels, bn_size * growth_rate, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, 3, padding=1, bias=False)
        self.dropout = nn.Dropout(drop_rate)

    def forward(self, features: list[Tensor]) -> Tensor:
        x = torch.cat(features, dim=1)                      # (B, C_0 + l k, H, W)
        x = self.conv1(self.relu1(self.norm1(x)))           # (B, bn_size k, H, W)
        x = self.conv2(self.relu2(self.norm2(x)))           # (B, k, H, W)
        return self.dropout(x)


class DenseBlock(nn.ModuleDict):
    """``num_layers`` dense layers: (B, C, H, W) -> (B, C + num_layers k, H, W)."""

    def __init__(self, num_layers: int, in_channels: int, growth_rate: int, bn_size: int,
                 drop_rate: float) -> None:
        super().__init__()
        for i in range(num_layers):
            layer = DenseLayer(in_channels + i * growth_rate, growth_rate, bn_size, drop_rate)
            self.add_module(f"denselayer{i + 1}", layer)

    def forward(self, x: Tensor) -> Tensor:
        features = [x]
        for layer in self.values():
            features.append(layer(features))               # each (B, k, H, W)
        return torch.cat(features, dim=1)                  # (B, C + L k, H, W)


class Transition(nn.Sequential):
    """BN-ReLU-1x1 conv-avgpool 2: (B, C_in, H, W) -> (B, C_out, H/2, W/2)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(OrderedDict([
            ("norm", nn.BatchNorm2d(in_channels)),
            ("relu", nn.ReLU(inplace=True)),
            ("conv", nn.Conv2d(in_channels, out_channels, 1, bias=False)),
            ("pool", nn.AvgPool2d(kernel_size=2, stride=2)),
        ]))


@dataclass(frozen=True)
class DenseNetConfig:
    """Options of :class:`DenseNet` (defaults: DenseNet-121)."""

    growth_rate: int = 32
    block_config: tuple[int, ...] = (6, 12, 24, 16)
    num_init_features: int = 64
    bn_size: int = 4
    drop_rate: float = 0.0
    num_classes: int = 1000
    in_channels: int = 3
    small_input: bool = False


def _stem(cfg: DenseNetConfig) -> OrderedDict[str, nn.Module]:
    c0 = cfg.num_init_features
    conv = (nn.Conv2d(cfg.in_channels, c0, 3, stride=1, padding=1, bias=False)
            if cfg.small_input else
            nn.Conv2d(cfg.in_channels, c0, 7, stride=2, padding=3, bias=False))
    pool = nn.Identity() if cfg.small_input else nn.MaxPool2d(3, stride=2, padding=1)
    return OrderedDict([("conv0", conv), ("norm0", nn.BatchNorm2d(c0)),
                        ("relu0", nn.ReLU(inplace=True)), ("pool0", pool)])


class DenseNet(nn.Module):
    """(B, in_channels, H, W) -> (B, num_classes) logits."""

    def __init__(self, cfg: DenseNetConfig = DenseNetConfig()) -> None:
        super().__init__()
        self.features = nn.Sequential(_stem(cfg))                  # (B, c0, H/4, W/4)
        c = cfg.num_init_features
        for i, num_layers in enumerate(cfg.block_config):
            block = DenseBlock(num_layers, c, cfg.growth_rate, cfg.bn_size, cfg.drop_rate)
            self.features.add_module(f"denseblock{i + 1}", block)
            c += num_layers * cfg.growth_rate                      # channels grow by L k
            if i != len(cfg.block_config) - 1:
                self.features.add_module(f"transition{i + 1}", Transition(c, c // 2))
                c //= 2                                            # and halve between blocks
        self.features.add_module("norm5", nn.BatchNorm2d(c))
        self.relu = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(c, cfg.num_classes)
        init_weights_(self, conv="kaiming_in", linear="zero_bias")

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.features(x))               # (B, 1024, 7, 7)
        x = self.avgpool(x).flatten(1)                # (B, 1024)
        return self.classifier(x)                     # (B, num_classes)


def densenet121(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
                **kw: object) -> DenseNet:
    """DenseNet-121 (k = 32, blocks 6-12-24-16); other config fields by keyword."""
    return DenseNet(DenseNetConfig(num_classes=num_classes, in_channels=in_channels,
                                   small_input=small_input, **kw))  # type: ignore[arg-type]
