"""LeNet-5 (LeCun et al., 1998): two conv + pool stages, then three fully connected layers.

The modern reading (as in d2l): conv 5x5 with padding 2 so a 28x28 digit plays the role of
the original 32x32 input, average pooling, sigmoid (historical) or ReLU activations.

    (B, C, S, S) -conv5 p2-> (B, 6, S, S) -pool2-> (B, 6, S/2, S/2)
                 -conv5->    (B, 16, S/2-4, S/2-4) -pool2-> (B, 16, s, s),  s = (S/2-4)//2
                 -flatten->  (B, 16 s^2) -> 120 -> 84 -> num_classes

For S = 28, s = 5 (400 features); for S = 32, s = 6 (576 features).
"""

from __future__ import annotations

from torch import Tensor

from dlfs import nn

__all__ = ["LeNet5", "lenet5"]

_ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}


class LeNet5(nn.Module):
    """LeNet-5: (B, in_channels, S, S) -> (B, num_classes) logits.

    >>> import torch
    >>> LeNet5()(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1, image_size: int = 28,
                 activation: str = "sigmoid") -> None:
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, "
                             f"got {activation!r}")
        side = (image_size // 2 - 4) // 2
        if side < 1:
            raise ValueError(f"image_size {image_size} is too small for LeNet-5 (needs >= 10)")
        act = _ACTIVATIONS[activation]
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), act(),   # (B, 6, S, S)
            nn.AvgPool2d(kernel_size=2, stride=2),                        # (B, 6, S/2, S/2)
            nn.Conv2d(6, 16, kernel_size=5), act(),                       # (B, 16, S/2-4, ..)
            nn.AvgPool2d(kernel_size=2, stride=2),                        # (B, 16, s, s)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),                                                 # (B, 16 s^2)
            nn.Linear(16 * side * side, 120), act(),
            nn.Linear(120, 84), act(),
            nn.Linear(84, num_classes),                                   # (B, num_classes)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))


def lenet5(num_classes: int = 10, in_channels: int = 1, image_size: int = 28,
           activation: str = "sigmoid") -> LeNet5:
    """LeNet-5 for ``image_size`` x ``image_size`` inputs (default: 1x28x28 digits)."""
    return LeNet5(num_classes, in_channels, image_size, activation)
