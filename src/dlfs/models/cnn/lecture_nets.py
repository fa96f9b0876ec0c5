"""The small CNNs of Liu Er's lectures 10-11 and of the seed's CIFAR-10 tutorial.

- :class:`LiuErCNN` (lecture 10): conv5 (10) -> pool -> conv5 (20) -> pool -> fc; 28x28 ->
  24 -> 12 -> 8 -> 4, so the fc sees 20 * 4 * 4 = 320 features.
- :class:`InceptionA` (lecture 11): four branches concatenated to 16 + 24 + 24 + 24 = 88
  channels, whatever the input width; :class:`LiuErInceptionNet` uses two of them.
- :class:`ResidualBlock` (lecture 11): y = relu(x + conv(relu(conv(x)))), shape kept;
  :class:`LiuErResidualNet` uses two.
- :class:`SeedCifarCNN`: 3 x (conv5 padding 2 + max-pool 2) -> flatten -> 1024 -> 64 -> 10
  for 3x32x32 images; its layers live in ``model1`` as in the tutorial, so a state dict saved
  there loads here.

Each takes ``image_size`` (default 28, or 32 for the CIFAR net) to size its first fc layer.
"""

from __future__ import annotations

import torch
from torch import Tensor

from dlfs import nn

__all__ = ["InceptionA", "LiuErCNN", "LiuErInceptionNet", "LiuErResidualNet", "ResidualBlock",
           "SeedCifarCNN", "liuer_cnn", "liuer_inception_net", "liuer_residual_net",
           "seed_cifar_cnn"]


def _after_two_stages(image_size: int) -> int:
    """Side after conv5 -> pool2 -> conv5 -> pool2 (no padding): 28 -> 4, 32 -> 5."""
    side = ((image_size - 4) // 2 - 4) // 2
    if side < 1:
        raise ValueError(f"image_size {image_size} is too small (needs >= 16)")
    return side


class LiuErCNN(nn.Module):
    """Lecture 10: (B, in_channels, S, S) -> (B, num_classes); 8,490 parameters at 28x28."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, image_size: int = 28
                 ) -> None:
        super().__init__()
        side = _after_two_stages(image_size)
        self.conv1 = nn.Conv2d(in_channels, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.pooling = nn.MaxPool2d(2)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(20 * side * side, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.pooling(self.conv1(x)))    # (B, 10, 12, 12)
        x = self.relu(self.pooling(self.conv2(x)))    # (B, 20, 4, 4)
        return self.fc(x.flatten(1))                  # (B, 320) -> (B, num_classes)


class InceptionA(nn.Module):
    """Liu Er's Inception block: (B, C, H, W) -> (B, 88, H, W).

    Branches: 1x1 (16) | 1x1 (16) -> 5x5 (24) | 1x1 (16) -> 3x3 (24) -> 3x3 (24) |
    3x3 average pool -> 1x1 (24).

    >>> InceptionA(10)(torch.zeros(1, 10, 12, 12)).shape
    torch.Size([1, 88, 12, 12])
    """

    out_channels = 88

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch1x1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch5x5_2 = nn.Conv2d(16, 24, kernel_size=5, padding=2)
        self.branch3x3_1 = nn.Conv2d(in_channels, 16, kernel_size=1)
        self.branch3x3_2 = nn.Conv2d(16, 24, kernel_size=3, padding=1)
        self.branch3x3_3 = nn.Conv2d(24, 24, kernel_size=3, padding=1)
        self.branch_pool_avg = nn.AvgPool2d(kernel_size=3, stride=1, padding=1)
        self.branch_pool = nn.Conv2d(in_channels, 24, kernel_size=1)

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1x1(x)                                          # (B, 16, H, W)
        b5 = self.branch5x5_2(self.branch5x5_1(x))                      # (B, 24, H, W)
        b3 = self.branch3x3_3(self.branch3x3_2(self.branch3x3_1(x)))    # (B, 24, H, W)
        bp = self.branch_pool(self.branch_pool_avg(x))                  # (B, 24, H, W)
        return torch.cat([b1, b5, b3, bp], dim=1)                       # (B, 88, H, W)


class LiuErInceptionNet(nn.Module):
    """Lecture 11: conv5 (10) -> pool -> InceptionA -> conv5 (20) -> pool -> InceptionA -> fc.

    (B, in_channels, 28, 28) -> (B, num_classes); the fc sees 88 * 4 * 4 = 1408 features.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, image_size: int = 28
                 ) -> None:
        super().__init__()
        side = _after_two_stages(image_size)
        self.conv1 = nn.Conv2d(in_channels, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(88, 20, kernel_size=5)
        self.incep1 = InceptionA(10)
        self.incep2 = InceptionA(20)
        self.mp = nn.MaxPool2d(2)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(88 * side * side, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.relu(self.mp(self.conv1(x)))         # (B, 10, 12, 12)
        x = self.incep1(x)                            # (B, 88, 12, 12)
        x = self.relu(self.mp(self.conv2(x)))         # (B, 20, 4, 4)
        x = self.incep2(x)                            # (B, 88, 4, 4)
        return self.fc(x.flatten(1))                  # (B, 1408) -> (B, num_classes)


class ResidualBlock(nn.Module):
    """y = relu(x + conv2(relu(conv1(x)))), two 3x3 convs with padding 1: shape kept."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv2(self.relu(self.conv1(x)))      # (B, C, H, W)
        return self.relu(x + y)


class LiuErResidualNet(nn.Module):
    """Lecture 11: conv5 (16) -> pool -> ResidualBlock -> conv5 (32) -> pool ->
    ResidualBlock -> fc; (B, in_channels, 28, 28) -> (B, num_classes), fc input 512."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, image_size: int = 28
                 ) -> None:
        super().__init__()
        side = _after_two_stages(image_size)
        self.conv1 = nn.Conv2d(in_channels, 16, kernel_size=5)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=5)
        self.mp = nn.MaxPool2d(2)
        self.rblock1 = ResidualBlock(16)
        self.rblock2 = ResidualBlock(32)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(32 * side * side, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        x = self.rblock1(self.relu(self.mp(self.conv1(x))))   # (B, 16, 12, 12)
        x = self.rblock2(self.relu(self.mp(self.conv2(x))))   # (B, 32, 4, 4)
        return self.fc(x.flatten(1))                           # (B, 512) -> (B, num_classes)


class SeedCifarCNN(nn.Module):
    """The seed tutorial's CIFAR-10 CNN: (B, 3, 32, 32) -> (B, 10); 145,578 parameters."""

    def __init__(self, num_classes: int = 10, in_channels: int = 3, image_size: int = 32
                 ) -> None:
        super().__init__()
        side = image_size // 2 // 2 // 2
        if side < 1:
            raise ValueError(f"image_size {image_size} is too small (needs >= 8)")
        self.model1 = nn.Sequential(
            nn.Conv2d(in_channels, 32, 5, padding=2), nn.MaxPool2d(2),  # (B, 32, 16, 16)
            nn.Conv2d(32, 32, 5, padding=2), nn.MaxPool2d(2),           # (B, 32, 8, 8)
            nn.Conv2d(32, 64, 5, padding=2), nn.MaxPool2d(2),           # (B, 64, 4, 4)
            nn.Flatten(),                                               # (B, 1024)
            nn.Linear(64 * side * side, 64),                            # (B, 64)
            nn.Linear(64, num_classes),                                 # (B, num_classes)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.model1(x)


def liuer_cnn(num_classes: int = 10, in_channels: int = 1, image_size: int = 28) -> LiuErCNN:
    """Liu Er's lecture-10 CNN."""
    return LiuErCNN(num_classes, in_channels, image_size)


def liuer_inception_net(num_classes: int = 10, in_channels: int = 1, image_size: int = 28
                        ) -> LiuErInceptionNet:
    """Liu Er's lecture-11 net with two InceptionA blocks."""
    return LiuErInceptionNet(num_classes, in_channels, image_size)


def liuer_residual_net(num_classes: int = 10, in_channels: int = 1, image_size: int = 28
                       ) -> LiuErResidualNet:
    """Liu Er's lecture-11 net with two residual blocks."""
    return LiuErResidualNet(num_classes, in_channels, image_size)


def seed_cifar_cnn(num_classes: int = 10, in_channels: int = 3, image_size: int = 32
                   ) -> SeedCifarCNN:
    """The seed tutorial's small CIFAR-10 CNN."""
    return SeedCifarCNN(num_classes, in_channels, image_size)
