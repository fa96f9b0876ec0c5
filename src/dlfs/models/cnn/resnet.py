"""ResNet (He et al., 2015) and a same-depth plain net, in torchvision's layout.

A residual block learns a correction F(x) and adds it to its input:

    y = relu(F(x) + shortcut(x)),   shortcut = identity, or a 1x1 conv + BN (the "projection
    shortcut", ``downsample``) where the stride or the channel count changes.

The gradient reaching x is dL/dy * (dF/dx + 1): the "+1" path lets deep stacks train, which
:func:`plainnet18` (the same layers with the shortcut removed) lacks.
BasicBlock = 3x3 -> 3x3 (ResNet-18/34); Bottleneck = 1x1 (reduce) -> 3x3 -> 1x1 (expand x4)
(ResNet-50). Stages of 64, 128, 256, 512 widths; each later stage halves H and W.

ImageNet: (B, 3, 224, 224) -conv7/2, pool-> (B, 64, 56, 56) -layer1..4-> (B, 512 e, 7, 7)
-mean-> (B, 512 e) -fc-> (B, num_classes), e = 1 (basic) or 4 (bottleneck). Parameter names
match torchvision (``conv1``, ``bn1``, ``layer1.0.conv1``, ``layer2.0.downsample.0``, ``fc``).
``small_input=True``: a 3x3 stride-1 stem and no max-pool (the CIFAR variant), so a 32x32
image reaches layer4 as 4x4.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from dlfs import nn

from .weight_init import init_weights_

__all__ = ["BasicBlock", "Bottleneck", "ResNet", "ResNetConfig", "plainnet18", "resnet18",
           "resnet34", "resnet50"]


def _projection(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    """Projection shortcut, 1x1 conv (stride s) + BN: (B, C_in, H, W) -> (B, C_out, H/s, W/s)."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                         nn.BatchNorm2d(out_channels))


class BasicBlock(nn.Module):
    """3x3 conv -> BN -> ReLU -> 3x3 conv -> BN, plus the shortcut, then ReLU.

    (B, C_in, H, W) -> (B, planes, H/stride, W/stride). ``residual=False`` drops the shortcut
    (a plain block, for the degradation comparison).
    """

    expansion = 1

    def __init__(self, in_channels: int, planes: int, stride: int = 1,
                 residual: bool = True) -> None:
        super().__init__()
        self.residual = residual
        self.conv1 = nn.Conv2d(in_channels, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        needs_projection = residual and (stride != 1 or in_channels != planes)
        self.downsample = _projection(in_channels, planes, stride) if needs_projection else None

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))      # (B, planes, H/s, W/s)
        out = self.bn2(self.conv2(out))               # F(x)
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


class Bottleneck(nn.Module):
    """1x1 (reduce to planes) -> 3x3 (stride) -> 1x1 (expand to 4 planes), plus the shortcut.

    (B, C_in, H, W) -> (B, 4 planes, H/stride, W/stride).
    """

    expansion = 4

    def __init__(self, in_channels: int, planes: int, stride: int = 1,
                 residual: bool = True) -> None:
        super().__init__()
        out_channels = planes * self.expansion
        self.residual = residual
        self.conv1 = nn.Conv2d(in_channels, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        needs_projection = residual and (stride != 1 or in_channels != out_channels)
        self.downsample = (_projection(in_channels, out_channels, stride) if needs_projection
                           else None)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))      # (B, planes, H, W)
        out = self.relu(self.bn2(self.conv2(out)))    # (B, planes, H/s, W/s)
        out = self.bn3(self.conv3(out))               # (B, 4 planes, H/s, W/s)
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


@dataclass(frozen=True)
class ResNetConfig:
    """Options of :class:`ResNet`: ``block`` is "basic" or "bottleneck", ``layers`` the
    number of blocks per stage; ``residual=False`` builds the plain counterpart; a smaller
    ``width`` makes a narrow ResNet for quick experiments (torchvision: 64)."""

    block: str = "basic"
    layers: tuple[int, int, int, int] = (2, 2, 2, 2)
    num_classes: int = 1000
    in_channels: int = 3
    small_input: bool = False
    residual: bool = True
    zero_init_residual: bool = False
    width: int = 64                  # channels of the stem and layer1; stages double it


_BLOCKS: dict[str, type[BasicBlock] | type[Bottleneck]] = {
    "basic": BasicBlock, "bottleneck": Bottleneck}


class ResNet(nn.Module):
    """(B, in_channels, H, W) -> (B, num_classes) logits."""

    def __init__(self, cfg: ResNetConfig = ResNetConfig()) -> None:
        super().__init__()
        if cfg.block not in _BLOCKS:
            raise ValueError(f"block must be one of {sorted(_BLOCKS)}, got {cfg.block!r}")
        block, w = _BLOCKS[cfg.block], cfg.width
        if cfg.small_input:
            self.conv1 = nn.Conv2d(cfg.in_channels, w, 3, stride=1, padding=1, bias=False)
            self.maxpool: nn.Module = nn.Identity()
        else:
            self.conv1 = nn.Conv2d(cfg.in_channels, w, 7, stride=2, padding=3, bias=False)
            self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.in_channels = w
        self.layer1 = self._stage(block, w, cfg.layers[0], 1, cfg.residual)
        self.layer2 = self._stage(block, 2 * w, cfg.layers[1], 2, cfg.residual)
        self.layer3 = self._stage(block, 4 * w, cfg.layers[2], 2, cfg.residual)
        self.layer4 = self._stage(block, 8 * w, cfg.layers[3], 2, cfg.residual)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8 * w * block.expansion, cfg.num_classes)
        init_weights_(self, conv="kaiming_out", linear="default")
        if cfg.zero_init_residual:  # each block starts as the identity
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    nn.init.zeros_(m.bn3.weight)
                elif isinstance(m, BasicBlock):
                    nn.init.zeros_(m.bn2.weight)

    def _stage(self, block: type[BasicBlock] | type[Bottleneck], planes: int, blocks: int,
               stride: int, residual: bool) -> nn.Sequential:
        """``blocks`` blocks; the first one strides (and projects), the others keep shape."""
        layers = [block(self.in_channels, planes, stride, residual)]
        self.in_channels = planes * block.expansion
        layers += [block(self.in_channels, planes, 1, residual) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.bn1(self.conv1(x)))        # (B, 64, 112, 112)
        x = self.maxpool(x)                           # (B, 64, 56, 56)
        x = self.layer1(x)                            # (B, 64 e, 56, 56)
        x = self.layer2(x)                            # (B, 128 e, 28, 28)
        x = self.layer3(x)                            # (B, 256 e, 14, 14)
        x = self.layer4(x)                            # (B, 512 e, 7, 7)
        x = self.avgpool(x).flatten(1)                # (B, 512 e)
        return self.fc(x)                             # (B, num_classes)


def _resnet(block: str, layers: tuple[int, int, int, int], num_classes: int, in_channels: int,
            small_input: bool, **kw: bool) -> ResNet:
    return ResNet(ResNetConfig(block, layers, num_classes, in_channels, small_input, **kw))


def resnet18(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
             **kw: bool) -> ResNet:
    """ResNet-18: BasicBlocks (2, 2, 2, 2); 11,689,512 parameters at 1000 classes."""
    return _resnet("basic", (2, 2, 2, 2), num_classes, in_channels, small_input, **kw)


def resnet34(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
             **kw: bool) -> ResNet:
    """ResNet-34: BasicBlocks (3, 4, 6, 3); 21,797,672 parameters at 1000 classes."""
    return _resnet("basic", (3, 4, 6, 3), num_classes, in_channels, small_input, **kw)


def resnet50(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
             **kw: bool) -> ResNet:
    """ResNet-50: Bottlenecks (3, 4, 6, 3); 25,557,032 parameters at 1000 classes."""
    return _resnet("bottleneck", (3, 4, 6, 3), num_classes, in_channels, small_input, **kw)


def plainnet18(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False
               ) -> ResNet:
    """ResNet-18's layers without shortcuts (no ``downsample`` either): 18 weighted layers."""
    return _resnet("basic", (2, 2, 2, 2), num_classes, in_channels, small_input,
                   residual=False)
