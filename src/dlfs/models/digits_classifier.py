"""The frozen digits classifier that judges generated images (and sees images for the
captioner): a small CNN on 16x16 digits in [-1, 1].

    (B, 1, 16, 16) -conv3 16-ReLU-conv3 32-ReLU-pool2-> (B, 32, 8, 8)
                   -conv3 64-ReLU-pool2->               (B, 64, 4, 4)   patch_features: (B, 16, 64)
                   -mean over the 4x4 grid->            (B, 64)         features
                   -Linear 64->10->                     (B, 10)         logits

Its weights ship with dlfs (``digits_classifier.pt`` beside this file), trained once by
``scripts/build_digits_classifier.py`` on the training split only, so the held-out images it
is measured on are unseen. :func:`load_digits_classifier` returns it frozen, in eval mode.
"""

from __future__ import annotations

import functools
from pathlib import Path

import torch
from torch import Tensor

from dlfs import nn

__all__ = ["WEIGHTS", "DigitsClassifier", "load_digits_classifier"]

#: the shipped weights (a state_dict), written by scripts/build_digits_classifier.py
WEIGHTS = Path(__file__).with_name("digits_classifier.pt")


class DigitsClassifier(nn.Module):
    """(B, 1, 16, 16) digits in [-1, 1] -> (B, 10) logits; see the module docstring.

    >>> DigitsClassifier()(torch.zeros(2, 1, 16, 16)).shape
    torch.Size([2, 10])
    """

    size = 16           # the image side it expects
    feature_dim = 64    # width of `features` and of each patch vector

    def __init__(self) -> None:
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),      # (B, 32, 8, 8)
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),      # (B, 64, 4, 4)
        )
        self.head = nn.Linear(self.feature_dim, 10)

    def _check(self, x: Tensor) -> None:
        if x.dim() != 4 or tuple(x.shape[1:]) != (1, self.size, self.size):
            raise ValueError(f"DigitsClassifier: expected images (B, 1, {self.size}, "
                             f"{self.size}) in [-1, 1], got {tuple(x.shape)}")

    def patch_features(self, x: Tensor) -> Tensor:
        """(B, 1, 16, 16) -> (B, 16, 64): the 4x4 grid of patch vectors, row by row."""
        self._check(x)
        return self.trunk(x).flatten(2).transpose(1, 2)

    def features(self, x: Tensor) -> Tensor:
        """(B, 1, 16, 16) -> (B, 64): the patch vectors averaged (the digits-FD's features)."""
        return self.patch_features(x).mean(1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x))


@functools.lru_cache(maxsize=1)
def load_digits_classifier() -> DigitsClassifier:
    """The shipped classifier, frozen (no parameter requires grad) and in eval mode. Shared:
    callers must not modify it."""
    if not WEIGHTS.is_file():
        raise FileNotFoundError(f"{WEIGHTS} is missing: it ships with dlfs; rebuild it with "
                                "python scripts/build_digits_classifier.py")
    model = DigitsClassifier()
    model.load_state_dict(torch.load(WEIGHTS, map_location="cpu", weights_only=True))
    model.requires_grad_(False)
    return model.eval()
