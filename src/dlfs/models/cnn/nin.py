"""Network in Network (Lin et al., 2013): every conv is followed by two 1x1 convs (a per-pixel
MLP across channels), and the classifier is replaced by a last NiN block with num_classes
channels and global average pooling — no fully connected layer at all.

ImageNet (224x224, as in d2l): block(11x11/4, 96) 54 -> pool 26 -> block(5x5, 256) -> pool
12 -> block(3x3, 384) -> pool 5 -> dropout -> block(3x3, num_classes) -> mean over 5x5.
``small_input=True`` swaps the 11x11/4 stem for 3x3/1 (28 -> 13 -> 6 -> 2 after the pools).
"""

from __future__ import annotations

from dlfs import nn

__all__ = ["NiN", "nin", "nin_block"]


def nin_block(in_channels: int, out_channels: int, kernel_size: int, stride: int,
              padding: int) -> nn.Sequential:
    """Conv(k) -> ReLU -> Conv1x1 -> ReLU -> Conv1x1 -> ReLU: (B, C_in, H, W) ->
    (B, C_out, H', W') with H' from the first conv only (1x1 convs keep the size)."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
    )


class NiN(nn.Sequential):
    """(B, in_channels, H, W) -> (B, num_classes) logits.

    >>> import torch
    >>> NiN(10, 1, small_input=True)(torch.zeros(2, 1, 28, 28)).shape
    torch.Size([2, 10])
    """

    def __init__(self, num_classes: int = 1000, in_channels: int = 3,
                 small_input: bool = False, dropout: float = 0.5) -> None:
        stem = (3, 1, 1) if small_input else (11, 4, 0)
        super().__init__(
            nin_block(in_channels, 96, *stem),                  # (B, 96, 54, 54)
            nn.MaxPool2d(3, stride=2),                          # (B, 96, 26, 26)
            nin_block(96, 256, 5, 1, 2),                        # (B, 256, 26, 26)
            nn.MaxPool2d(3, stride=2),                          # (B, 256, 12, 12)
            nin_block(256, 384, 3, 1, 1),                       # (B, 384, 12, 12)
            nn.MaxPool2d(3, stride=2),                          # (B, 384, 5, 5)
            nn.Dropout(dropout),
            nin_block(384, num_classes, 3, 1, 1),               # (B, num_classes, 5, 5)
            nn.AdaptiveAvgPool2d((1, 1)),                       # (B, num_classes, 1, 1)
            nn.Flatten(),                                       # (B, num_classes)
        )


def nin(num_classes: int = 1000, in_channels: int = 3, small_input: bool = False,
        dropout: float = 0.5) -> NiN:
    """Network in Network; ``small_input=True`` for 28x28 / 32x32 images."""
    return NiN(num_classes, in_channels, small_input, dropout)
