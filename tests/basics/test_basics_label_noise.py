"""`dlfs.data.label_noise.redraw_labels`: seeded, only the drawn entries change, the expected
share ends up wrong."""

from __future__ import annotations

import pytest
import torch

from dlfs.data.label_noise import redraw_labels


def test_redraw_is_seeded_and_leaves_the_input_alone():
    y = torch.arange(2000) % 7
    a, b = redraw_labels(y, 0.4, 7, seed=3), redraw_labels(y, 0.4, 7, seed=3)
    assert torch.equal(a, b) and not torch.equal(a, redraw_labels(y, 0.4, 7, seed=4))
    assert torch.equal(y, torch.arange(2000) % 7)
    assert a.dtype == torch.int64 and 0 <= a.min() and a.max() < 7


@pytest.mark.parametrize("fraction, k", [(0.0, 10), (0.3, 10), (0.5, 2), (1.0, 4)])
def test_about_fraction_times_k_minus_1_over_k_end_up_wrong(fraction, k):
    y = torch.arange(20_000) % k
    wrong = (redraw_labels(y, fraction, k, seed=0) != y).float().mean().item()
    assert abs(wrong - fraction * (k - 1) / k) < 0.015


def test_redrawn_labels_are_uniform_over_the_classes():
    y = torch.zeros(40_000, dtype=torch.int64)
    counts = torch.bincount(redraw_labels(y, 1.0, 4, seed=1), minlength=4).float()
    assert (counts / counts.sum() - 0.25).abs().max() < 0.01   # class 0 is not favoured


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"fraction must lie in \[0, 1\], got 1.5"):
        redraw_labels(torch.zeros(3, dtype=torch.int64), 1.5, 2)
    with pytest.raises(ValueError, match="int64 class indices"):
        redraw_labels(torch.zeros(3), 0.1, 2)
    with pytest.raises(ValueError, match=r"0 … 2 \(num_classes=3\), got 0 … 5"):
        redraw_labels(torch.tensor([0, 5]), 0.1, 3)
