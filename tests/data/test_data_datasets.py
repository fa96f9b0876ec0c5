"""Embedded data sets: sizes, seeded splits, determinism, and what their docstrings promise."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlfs.data.datasets import (
    breast_cancer,
    diabetes_binary,
    digits,
    iris,
    make_shapes,
    shapes,
    sine,
    spirals,
    split_indices,
    two_moons,
)
from dlfs.data.image_ops import bilinear_resize
from dlfs.data.transforms import ToTensor


def test_split_indices_are_disjoint_and_seeded():
    train, test = split_indices(50, "train", 0.2, 3), split_indices(50, "test", 0.2, 3)
    assert len(train) == 40 and len(test) == 10
    assert sorted(torch.cat([train, test]).tolist()) == list(range(50))
    assert torch.equal(train, split_indices(50, "train", 0.2, 3))
    assert not torch.equal(train, split_indices(50, "train", 0.2, 4))
    with pytest.raises(ValueError, match="split must be one of"):
        split_indices(5, "valid", 0.2, 0)


def test_digits_sizes_and_upscaling():
    x8, y8 = digits()[:]
    assert x8.shape == (1797, 1, 8, 8) and x8.min() == 0 and x8.max() == 1
    assert sorted(set(y8.tolist())) == list(range(10))
    x28, _ = digits(size=28)[:]
    assert x28.shape == (1797, 1, 28, 28)
    torch.testing.assert_close(x28, bilinear_resize(x8, 28, 28).clamp(0, 1))
    train, test = digits("train", flatten=True), digits("test", flatten=True)
    assert len(train) == 1438 and len(test) == 359 and train[0][0].shape == (64,)
    all_rows = {tuple(r.tolist()) for r in torch.cat([train[:][0], test[:][0]])}
    assert len(all_rows) == len({tuple(r.tolist()) for r in x8.flatten(1)})


def test_tabular_sets():
    x, y = iris()[:]
    assert x.shape == (150, 4) and y.bincount().tolist() == [50, 50, 50]
    xb, yb = breast_cancer("train")[:]
    assert xb.shape == (455, 30) and set(yb.tolist()) == {0, 1}
    torch.testing.assert_close(xb.mean(0), torch.zeros(30), atol=1e-5, rtol=0)  # train stats
    xt, _ = breast_cancer("test")[:]
    assert xt.shape == (114, 30) and xt.mean(0).abs().max() > 1e-3  # not re-centred on test
    xd, yd = diabetes_binary()[:]
    assert xd.shape == (442, 10) and int(yd.sum()) == 221


def test_shapes_are_deterministic_balanced_and_distinct():
    a, la = make_shapes(30, seed=5)
    b, lb = make_shapes(30, seed=5)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, make_shapes(30, seed=6)[0])
    assert np.bincount(la).tolist() == [10, 10, 10]
    train, test = shapes("train", n_train=20, n_test=7), shapes("test", n_train=20, n_test=7)
    assert len(train) == 20 and len(test) == 7
    assert not any(np.array_equal(train.images[i], test.images[j])
                   for i in range(20) for j in range(7))
    img, label = shapes("train", n_train=3, transform=ToTensor())[0]
    assert img.shape == (3, 32, 32) and img.dtype == torch.float32 and label in (0, 1, 2)


def test_shape_classes_differ_in_fill_ratio():
    """Inside its bounding box a square fills most, a triangle least (circle in between)."""
    images, labels = make_shapes(60, seed=0)
    ratios = {0: [], 1: [], 2: []}
    for img, label in zip(images.astype(int), labels):
        background = img[0, 0] if (img[0, 0] == img[0, -1]).all() else img[-1, -1]
        mask = np.abs(img - background).sum(-1) > 120  # (32, 32): the shape's pixels
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        box = (rows[-1] - rows[0] + 1) * (cols[-1] - cols[0] + 1)
        ratios[int(label)].append(mask.sum() / box)
    means = {k: float(np.median(v)) for k, v in ratios.items()}
    assert means[1] > means[0] > means[2], means


def test_toy_sets():
    x, y = sine(50, noise=0.0)[:]
    assert x.shape == (50, 1) and torch.allclose(y, torch.sin(x), atol=1e-6)
    assert torch.equal(sine(20, seed=1)[:][0], sine(20, seed=1)[:][0])
    xm, ym = two_moons(101, noise=0.0)[:]
    assert xm.shape == (101, 2) and ym.bincount().tolist() == [51, 50]
    upper = xm[ym == 0]
    torch.testing.assert_close(upper.norm(dim=1), torch.ones(51), atol=1e-5, rtol=0)
    xs, ys = spirals(40, classes=4, noise=0.0)[:]
    assert xs.shape == (160, 2) and ys.bincount().tolist() == [40] * 4
    assert xs.norm(dim=1).max() <= 1 + 1e-6
