"""VGG (Simonyan & Zisserman, 2014): stacks of 3x3 convs (padding 1, size kept) separated by
2x2 max-pools (size halved), then three fully connected layers.

A configuration is a list of channel counts and ``"M"`` (pool):
VGG-11 "A" = 64 M 128 M 256 256 M 512 512 M 512 512 M; VGG-16 "D" adds a conv per stage.
Two 3x3 convs see a 5x5 window with 2 * 9 C^2 weights instead of 25 C^2.

ImageNet: (B, 3, 224, 224) -> features (B, 512, 7, 7) -> (B, 25088) -> 4096 -> 4096 ->
num_classes; VGG-11 132,863,336 and VGG-16 138,357,544 parameters (torchvision's figures).
``small_input=True``: the 32x32 image leaves the features as (B, 512, 1, 1), so the head
pools to 1x1 and uses 512-wide hidden layers (the CIFAR variant); the pools round up, so
28x28 digits survive all five. Child indices as
torchvision's (``features.N``, ``classifier.{0,3,6}``), so ``classifier[6]`` is the layer to
replace for a new task.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from dlfs import nn

from .weight_init import init_weights_

__all__ = ["VGG", "VGGConfig", "VGG_LAYOUTS", "vgg11", "vgg16"]

VGG_LAYOUTS: dict[str, tuple[int | str, ...]] = {
    "vgg11": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "vgg13": (64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "vgg16": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"),
}


@dataclass(frozen=True)
class VGGConfig:
    """Options of :class:`VGG`: ``layout`` is a key of ``VGG_LAYOUTS`` or a tuple."""

    layout: str | tuple[int | str, ...] = "vgg16"
    num_classes: int = 1000
    in_channels: int = 3
    batch_norm: bool = False
    small_input: bool = False
    dropout: float = 0.5


def make_features(layout: tuple[int | str, ...], in_channels: int, batch_norm: bool,
                  ceil_mode: bool = False) -> nn.Sequential:
    """The conv trunk: each int c adds Conv3x3(c) [+ BN] + ReLU, each "M" a 2x2 max-pool
    (``ceil_mode=True`` keeps odd sizes alive: 28 -> 14 -> 7 -> 4 -> 2 -> 1)."""
    layers: list[nn.Module] = []
    c_in = in_channels
    for v in layout:
        if v == "M":
            layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=ceil_mode))  # (B, C, H/2, W/2)
            continue
        assert isinstance(v, int)
        layers.append(nn.Conv2d(c_in, v, kernel_size=3, padding=1))    # (B, v, H, W)
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        c_in = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """(B, in_channels, H, W) -> (B, num_classes) logits."""

    def __init__(self, cfg: VGGConfig = VGGConfig()) -> None:
        super().__init__()
        layout = VGG_LAYOUTS[cfg.layout] if isinstance(cfg.layout, str) else cfg.layout
        c_last = [v for v in layout if v != "M"][-1]
        assert isinstance(c_last, int)
        pool, hidden = (1, 512) if cfg.small_input else (7, 4096)
        self.features = make_features(layout, cfg.in_channels, cfg.batch_norm, cfg.small_input)
        self.avgpool = nn.AdaptiveAvgPool2d((pool, pool))                # (B, 512, p, p)
        self.classifier = nn.Sequential(
            nn.Linear(c_last * pool * pool, hidden), nn.ReLU(inplace=True),
            nn.Dropout(cfg.dropout),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(cfg.dropout),
            nn.Linear(hidden, cfg.num_classes),                          # (B, num_classes)
        )
        init_weights_(self, conv="kaiming_out", linear="normal")

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))            # (B, 512, p, p)
        return self.classifier(x.flatten(1))          # (B, num_classes)


def vgg11(num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False,
          small_input: bool = False, dropout: float = 0.5) -> VGG:
    """VGG-11 (configuration "A"), with or without batch norm."""
    return VGG(VGGConfig("vgg11", num_classes, in_channels, batch_norm, small_input, dropout))


def vgg16(num_classes: int = 1000, in_channels: int = 3, batch_norm: bool = False,
          small_input: bool = False, dropout: float = 0.5) -> VGG:
    """VGG-16 (configuration "D"), with or without batch norm."""
    return VGG(VGGConfig("vgg16", num_classes, in_channels, batch_norm, small_input, dropout))
