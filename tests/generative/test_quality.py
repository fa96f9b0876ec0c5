"""The shared generative pieces: the digit images, the sample grids, the frozen classifier and
the digits-FD / coverage / accuracy measurements of :mod:`dlfs.generative.quality`."""

import numpy as np
import pytest
import torch

from dlfs.generative.data import digit_images
from dlfs.generative.grid import grid_image, save_grid
from dlfs.generative.quality import (
    classify,
    digits_fd,
    fd_floor,
    frechet_distance,
    load_digits_classifier,
    sample_quality,
)
from dlfs.models import DigitsClassifier


def test_digit_images_range_shapes_and_a_fixed_disjoint_split():
    x, y = digit_images("train")
    xt, yt = digit_images("test", size=8)
    assert x.shape == (1438, 1, 16, 16) and xt.shape == (359, 1, 8, 8)
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.min() == -1 and x.max() == 1 and set(yt.tolist()) == set(range(10))
    x8, _ = digit_images("train", size=8)
    # no held-out image is also a training image
    train_rows = {tuple(r) for r in x8.flatten(1).tolist()}
    assert not any(tuple(r) in train_rows for r in xt.flatten(1).tolist())
    with pytest.raises(ValueError, match="split must be one of"):
        digit_images("val")
    with pytest.raises(ValueError, match="size must be an int >= 8"):
        digit_images("train", size=4)


def test_grid_places_each_image_in_its_cell(tmp_path):
    images = torch.full((5, 1, 3, 2), -1.0)
    images[3] = 1.0                                   # the 4th image: white
    grid = grid_image(images, nrow=2, pad=1)
    assert grid.shape == (1, 3 * 4 + 1, 2 * 3 + 1)
    # image 3 is row 1, column 1: top = 1 + 4, left = 1 + 3
    assert (grid[0, 5:8, 4:6] == 1).all() and (grid[0, 1:4, 1:3] == 0).all()
    path = save_grid(images, tmp_path / "sub" / "g.png", nrow=2, scale=2)
    import matplotlib.image
    assert matplotlib.image.imread(path).shape[:2] == (2 * 13, 2 * 7)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        grid_image(torch.zeros(2, 3, 4, 4))


def test_the_shipped_classifier_is_frozen_and_accurate_on_held_out_digits():
    model = load_digits_classifier()
    assert not any(p.requires_grad for p in model.parameters()) and not model.training
    xt, yt = digit_images("test")
    assert (classify(xt) == yt).float().mean() > 0.97
    assert model.patch_features(xt[:3]).shape == (3, 16, 64)
    assert torch.allclose(model.features(xt[:3]), model.patch_features(xt[:3]).mean(1))
    with pytest.raises(ValueError, match=r"expected images \(B, 1, 16, 16\)"):
        DigitsClassifier()(torch.zeros(2, 1, 8, 8))


def test_frechet_distance_equals_the_closed_form_for_known_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4000, 2)) * [1.0, 2.0]
    b = rng.normal(size=(4000, 2)) * [3.0, 1.0] + [1.0, 0.0]
    # diagonal covariances: |mu|^2 + sum (s_a - s_b)^2 over the standard deviations
    want = 1.0 + (1 - 3) ** 2 + (2 - 1) ** 2
    assert frechet_distance(a, b) == pytest.approx(want, rel=0.05)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_quality_of_real_digits_is_at_the_floor_and_of_noise_far_above():
    x, y = digit_images("train")
    real = sample_quality(x[-360:])
    assert real.coverage == 10 and sum(real.histogram) == 360
    assert 0.7 < real.fd_ratio < 1.4 and real.floor == fd_floor(360)
    noise = sample_quality(torch.rand(360, 1, 16, 16) * 2 - 1)
    assert noise.fd_ratio > 20
    # one digit only: coverage shows the collapse, accuracy the conditional quality
    threes = sample_quality(x[y == 3], requested=3)                   # 147 images
    assert threes.coverage == 1 and threes.histogram[3] >= 140 and threes.accuracy >= 0.95
    assert sample_quality(x[y == 3], requested=5).accuracy < 0.05
    assert "covers" in threes.describe() and "requested digit" in threes.describe()
    # 8x8 images are upsampled to the classifier's 16x16
    assert digits_fd(digit_images("train", size=8)[0][:200]) < 3 * fd_floor(200)


def test_quality_refuses_bad_images():
    with pytest.raises(ValueError, match=r"expected images \(N, 1, H, H\)"):
        sample_quality(torch.zeros(20, 3, 16, 16))
    with pytest.raises(ValueError, match="NaN or Inf"):
        sample_quality(torch.full((20, 1, 16, 16), float("nan")))
    with pytest.raises(ValueError, match="at least 10 images"):
        sample_quality(torch.zeros(5, 1, 16, 16))
    with pytest.raises(ValueError, match="requested must be a digit"):
        sample_quality(torch.zeros(20, 1, 16, 16), requested=12)
