"""AlexNet (Krizhevsky et al., 2012), in torchvision's single-GPU layout (64-192-384-256-256
channels), so a torchvision state dict loads: ``features.{0,3,6,8,10}``,
``classifier.{1,4,6}``.

ImageNet (224x224): conv 11x11/4 -> 55 -> pool 27 -> conv 5x5 -> pool 13 -> 3 convs 3x3 ->
pool 6 -> (B, 256*6*6) -> 4096 -> 4096 -> num_classes; 61,100,840 parameters.

``small_input=True`` (28x28 or 32x32 images): a 3x3 stride-1 stem instead of 11x11/4, the
pooled map resized to 2x2 and 1024-wide hidden layers, since a 32x32 image would otherwise
shrink to nothing before the last pool.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from dlfs import nn

__all__ = ["AlexNet", "AlexNetConfig", "alexnet"]


@dataclass(frozen=True)
class AlexNetConfig:
    """Options of :class:`AlexNet`; ``hidden``/``pool_size`` default by ``small_input``."""

    num_classes: int = 1000
    in_channels: int = 3
    small_input: bool = False
    dropout: float = 0.5
    hidden: int | None = None        # 4096 (ImageNet) or 1024 (small_input)
    pool_size: int | None = None     # 6 (ImageNet) or 2 (small_input)


class AlexNet(nn.Module):
    """(B, in_channels, H, W) -> (B, num_classes) logits."""

    def __init__(self, cfg: AlexNetConfig = AlexNetConfig()) -> None:
        super().__init__()
        small = cfg.small_input
        hidden = cfg.hidden or (1024 if small else 4096)
        pool = cfg.pool_size or (2 if small else 6)
        stem = (dict(kernel_size=3, stride=1, padding=1) if small
                else dict(kernel_size=11, stride=4, padding=2))
        self.features = nn.Sequential(
            nn.Conv2d(cfg.in_channels, 64, **stem), nn.ReLU(inplace=True),  # (B, 64, 55, 55)
            nn.MaxPool2d(kernel_size=3, stride=2),                          # (B, 64, 27, 27)
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),                          # (B, 192, 13, 13)
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),                          # (B, 256, 6, 6)
        )
        self.avgpool = nn.AdaptiveAvgPool2d((pool, pool))                   # (B, 256, p, p)
        self.classifier = nn.Sequential(
            nn.Dropout(cfg.dropout), nn.Linear(256 * pool * pool, hidden), nn.ReLU(inplace=True),
            nn.Dropout(cfg.dropout), nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, cfg.num_classes),                             # (B, num_classes)
        )

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.features(x))            # (B, 256, p, p)
        return self.classifier(x.flatten(1))          # (B, num_classes)


def alexnet(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
            **kw: object) -> AlexNet:
    """AlexNet; extra keywords (``dropout``, ``hidden``, ``pool_size``) go to the config."""
    return AlexNet(AlexNetConfig(num_classes, in_channels, small_input, **kw))  # type: ignore[arg-type]
