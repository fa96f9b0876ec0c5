"""How good are generated digits? Three measurements with one frozen classifier.

* **digits-FD** — the Fréchet distance between Gaussians fitted to the classifier's 64-d
  features (:meth:`DigitsClassifier.features`) of the samples and of the 359 held-out real
  images (the idea of the FID, with a digits classifier in place of Inception)::

      FD = ||mu_s - mu_r||^2 + Tr(Sigma_s + Sigma_r - 2 (Sigma_s Sigma_r)^(1/2))

  FD is biased upwards for small sample sizes, so it is always compared with its **floor**:
  the FD between as many real *training* images and the same held-out images. A generator
  whose samples were as good as real digits would score about the floor.
* **coverage** — how many of the 10 digits the classifier finds among the samples, and the
  histogram: mode collapse made visible. A digit counts as covered when it has at least a
  fifth of its fair share of the samples (``ceil(N / 50)``: 8 of 360), so a few stray
  misclassified samples do not hide a collapse.
* **accuracy** — for class-conditional samples: the fraction classified as the requested
  digit.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ..data.image_ops import bilinear_resize
from ..i18n import t
from ..models.digits_classifier import DigitsClassifier, load_digits_classifier
from .data import digit_images

__all__ = ["SampleQuality", "classify", "digits_fd", "fd_floor", "frechet_distance",
           "load_digits_classifier", "sample_quality"]


@dataclass(frozen=True)
class SampleQuality:
    """The quality of one set of samples (see the module docstring)."""

    n: int                       # samples measured
    fd: float                    # digits-FD of the samples against the held-out images
    floor: float                 # digits-FD of n real training images against the same
    coverage: int                # digits with >= ceil(n / 50) of the samples (0..10)
    histogram: list[int]         # samples per predicted digit
    accuracy: float | None = None   # fraction classified as the requested digit(s)

    @property
    def fd_ratio(self) -> float:
        """``fd / floor``: 1 means as close to the held-out digits as real digits are."""
        return self.fd / self.floor

    def describe(self) -> str:
        """One line for the command line."""
        text = t("library.quality.describe", fd=self.fd, floor=self.floor,
                 ratio=self.fd_ratio, n=self.n, coverage=self.coverage,
                 histogram=self.histogram)
        if self.accuracy is not None:
            text += t("library.quality.accuracy", accuracy=self.accuracy)
        return text

    def to_dict(self) -> dict:
        return {"n": self.n, "fd": self.fd, "floor": self.floor, "fd_ratio": self.fd_ratio,
                "coverage": self.coverage, "histogram": self.histogram,
                "accuracy": self.accuracy}


def _prepare(images: Tensor) -> Tensor:
    """Check ``(N, 1, H, H)`` and resize to the classifier's 16x16."""
    if not isinstance(images, Tensor) or images.dim() != 4 or images.shape[1] != 1 \
            or images.shape[2] != images.shape[3] or images.shape[2] < 8:
        shape = tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__
        raise ValueError("expected images (N, 1, H, H) in [-1, 1] with H >= 8, got "
                         f"{shape}")
    if not torch.isfinite(images).all():
        raise ValueError("the images contain NaN or Inf values")
    x = images.detach().float().cpu().clamp(-1, 1)
    size = DigitsClassifier.size
    if x.shape[-1] != size:
        x = bilinear_resize(x, size, size).clamp(-1, 1)
    return x


@torch.no_grad()
def _features(images: Tensor) -> np.ndarray:
    model = load_digits_classifier()
    x = _prepare(images)
    return torch.cat([model.features(x[i:i + 512]) for i in range(0, len(x), 512)]
                     ).double().numpy()


@torch.no_grad()
def classify(images: Tensor) -> Tensor:
    """The classifier's digit for each image: ``(N, 1, H, H)`` in [-1, 1] -> ``(N,)``."""
    model = load_digits_classifier()
    x = _prepare(images)
    return torch.cat([model(x[i:i + 512]).argmax(1) for i in range(0, len(x), 512)])


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The Fréchet distance between Gaussians fitted to the rows of ``a`` and of ``b``
    (each ``(N, D)`` with ``N >= 2``)."""
    from scipy import linalg

    mu_a, mu_b = a.mean(0), b.mean(0)
    sigma_a, sigma_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    with warnings.catch_warnings():     # a singular product (e.g. all-equal samples) is fine
        warnings.simplefilter("ignore")
        covmean = linalg.sqrtm(sigma_a @ sigma_b)
    covmean = covmean.real                  # rounding leaves tiny imaginary parts
    value = ((mu_a - mu_b) ** 2).sum() + np.trace(sigma_a + sigma_b - 2 * covmean)
    return float(max(value, 0.0))


@functools.lru_cache(maxsize=1)
def _held_out_features() -> np.ndarray:
    return _features(digit_images("test")[0])


@functools.lru_cache(maxsize=8)
def fd_floor(n: int) -> float:
    """The digits-FD of ``n`` real training images (a fixed seeded choice) against the
    held-out images: what real digits score at this sample size."""
    x, _ = digit_images("train")
    if not 2 <= n <= len(x):
        raise ValueError(f"fd_floor: n must be in 2..{len(x)}, got {n}")
    pick = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))[:n]
    return frechet_distance(_features(x[pick]), _held_out_features())


def digits_fd(images: Tensor) -> float:
    """The digits-FD of ``images`` ``(N, 1, H, H)`` in [-1, 1] against the held-out digits."""
    if len(images) < 2:
        raise ValueError(f"digits_fd: needs at least 2 images, got {len(images)}")
    return frechet_distance(_features(images), _held_out_features())


def sample_quality(images: Tensor, requested: int | Tensor | None = None) -> SampleQuality:
    """FD, floor, coverage, histogram and (with ``requested``, one digit or one per image)
    the accuracy on the requested digits. Use ``N >= 100`` images for a meaningful FD; the
    figures this project reports use 360."""
    n = len(images)
    if n < 10:
        raise ValueError(f"sample_quality: needs at least 10 images, got {n}")
    predicted = classify(images)
    histogram = torch.bincount(predicted, minlength=10).tolist()
    accuracy = None
    if requested is not None:
        want = torch.as_tensor(requested).long().expand(n) if isinstance(requested, int) or \
            torch.as_tensor(requested).dim() == 0 else torch.as_tensor(requested).long()
        if want.shape != (n,) or bool(((want < 0) | (want > 9)).any()):
            raise ValueError(f"sample_quality: requested must be a digit 0..9 or {n} digits")
        accuracy = float((predicted == want).float().mean())
    return SampleQuality(n=n, fd=digits_fd(images), floor=fd_floor(min(n, 1438)),
                         coverage=sum(1 for c in histogram if c >= math.ceil(n / 50)),
                         histogram=histogram,
                         accuracy=accuracy)
