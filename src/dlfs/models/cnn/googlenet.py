"""GoogLeNet / Inception v1 (Szegedy et al., 2014), in torchvision's layout.

An Inception block runs four branches on the same input and concatenates them on channels:

    1x1 | 1x1 -> 3x3 | 1x1 -> "5x5" | 3x3 max-pool -> 1x1      (B, c1 + c3 + c5 + cp, H, W)

The 1x1 "reduce" convs make the wide kernels cheap. As in torchvision (and its pretrained
weights), the "5x5" branch uses a 3x3 kernel, and every conv is a :class:`BasicConv2d` =
conv (no bias) + BN(eps=0.001) + ReLU. 6,624,904 parameters without the auxiliary heads
(13,004,888 with them). ``aux_logits=True`` adds the two side classifiers (after 4a and 4d),
which return with the main logits in training mode only.

ImageNet: 224 -conv7/2-> 112 -pool-> 56 -conv1,conv3-> 56 -pool-> 28 (3a, 3b) -pool-> 14
(4a..4e) -pool-> 7 (5a, 5b) -mean-> (B, 1024) -> num_classes. ``small_input=True`` makes the
stem conv 3x3/1 so 28x28 and 32x32 images keep 2x2 maps at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from dlfs import nn

from .weight_init import init_weights_

__all__ = ["BasicConv2d", "GoogLeNet", "GoogLeNetConfig", "Inception", "InceptionAux",
           "googlenet"]


class BasicConv2d(nn.Module):
    """Conv (no bias) -> BatchNorm(eps=1e-3) -> ReLU; (B, C_in, H, W) -> (B, C_out, H', W')."""

    def __init__(self, in_channels: int, out_channels: int, **conv_kw: object) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **conv_kw)  # type: ignore[arg-type]
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four parallel branches, concatenated: (B, C_in, H, W) -> (B, c1 + c3 + c5 + cp, H, W)."""

    def __init__(self, in_channels: int, c1: int, c3_reduce: int, c3: int, c5_reduce: int,
                 c5: int, pool_proj: int) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, c1, kernel_size=1)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, c3_reduce, kernel_size=1),
                                     BasicConv2d(c3_reduce, c3, kernel_size=3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, c5_reduce, kernel_size=1),
                                     BasicConv2d(c5_reduce, c5, kernel_size=3, padding=1))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))

    def forward(self, x: Tensor) -> Tensor:
        branches = [self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)]
        return torch.cat(branches, dim=1)             # (B, c1 + c3 + c5 + cp, H, W)


class InceptionAux(nn.Module):
    """Side classifier: (B, C, H, W) -> pool 4x4 -> 1x1 conv 128 -> 1024 -> num_classes."""

    def __init__(self, in_channels: int, num_classes: int, dropout: float = 0.7) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d((4, 4))
        self.conv = BasicConv2d(in_channels, 128, kernel_size=1)
        self.fc1 = nn.Linear(2048, 1024)
        self.fc2 = nn.Linear(1024, num_classes)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv(self.avgpool(x)).flatten(1)     # (B, 128 * 4 * 4)
        x = self.dropout(self.relu(self.fc1(x)))      # (B, 1024)
        return self.fc2(x)                            # (B, num_classes)


@dataclass(frozen=True)
class GoogLeNetConfig:
    """Options of :class:`GoogLeNet`."""

    num_classes: int = 1000
    in_channels: int = 3
    aux_logits: bool = False
    small_input: bool = False
    dropout: float = 0.2
    dropout_aux: float = 0.7


class GoogLeNet(nn.Module):
    """(B, in_channels, H, W) -> (B, num_classes); with aux heads in training mode,
    the tuple (logits, aux2, aux1) as torchvision's ``GoogLeNetOutputs``."""

    def __init__(self, cfg: GoogLeNetConfig = GoogLeNetConfig()) -> None:
        super().__init__()
        stem = (dict(kernel_size=3, stride=1, padding=1) if cfg.small_input
                else dict(kernel_size=7, stride=2, padding=3))
        self.conv1 = BasicConv2d(cfg.in_channels, 64, **stem)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, kernel_size=1)
        self.conv3 = BasicConv2d(64, 192, kernel_size=3, padding=1)
        self.maxpool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception3a = Inception(192, 64, 96, 128, 16, 32, 32)       # -> 256 channels
        self.inception3b = Inception(256, 128, 128, 192, 32, 96, 64)     # -> 480
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(480, 192, 96, 208, 16, 48, 64)      # -> 512
        self.inception4b = Inception(512, 160, 112, 224, 24, 64, 64)     # -> 512
        self.inception4c = Inception(512, 128, 128, 256, 24, 64, 64)     # -> 512
        self.inception4d = Inception(512, 112, 144, 288, 32, 64, 64)     # -> 528
        self.inception4e = Inception(528, 256, 160, 320, 32, 128, 128)   # -> 832
        self.maxpool4 = nn.MaxPool2d(2, stride=2, ceil_mode=True)
        self.inception5a = Inception(832, 256, 160, 320, 32, 128, 128)   # -> 832
        self.inception5b = Inception(832, 384, 192, 384, 48, 128, 128)   # -> 1024
        self.aux1 = InceptionAux(512, cfg.num_classes, cfg.dropout_aux) if cfg.aux_logits else None
        self.aux2 = InceptionAux(528, cfg.num_classes, cfg.dropout_aux) if cfg.aux_logits else None
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(cfg.dropout)
        self.fc = nn.Linear(1024, cfg.num_classes)
        init_weights_(self, conv="normal", linear="normal")

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor, Tensor]:
        x = self.maxpool1(self.conv1(x))              # (B, 64, 56, 56)
        x = self.maxpool2(self.conv3(self.conv2(x)))  # (B, 192, 28, 28)
        x = self.maxpool3(self.inception3b(self.inception3a(x)))  # (B, 480, 14, 14)
        x = self.inception4a(x)                       # (B, 512, 14, 14)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))  # (B, 528, 14, 14)
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.maxpool4(self.inception4e(x))        # (B, 832, 7, 7)
        x = self.inception5b(self.inception5a(x))     # (B, 1024, 7, 7)
        x = self.avgpool(x).flatten(1)                # (B, 1024)
        logits = self.fc(self.dropout(x))             # (B, num_classes)
        if aux1 is not None and aux2 is not None:
            return logits, aux2, aux1
        return logits


def googlenet(num_classes: int = 1000, in_channels: int = 3, aux_logits: bool = False,
              small_input: bool = False, **kw: object) -> GoogLeNet:
    """GoogLeNet (Inception v1); extra keywords (``dropout``, ``dropout_aux``) to the config."""
    return GoogLeNet(GoogLeNetConfig(num_classes, in_channels, aux_logits, small_input,
                                     **kw))  # type: ignore[arg-type]
