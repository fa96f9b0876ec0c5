"""dlfs.metrics.calibration: ECE on hand cases and on a predictor calibrated by construction,
the reliability bins, and temperature scaling recovering a known temperature."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlfs.metrics.calibration import (  # noqa: E402
    expected_calibration_error,
    fit_temperature,
    reliability_bins,
    reliability_diagram,
    temperature_nll,
)

D = torch.float64


def _calibrated(n, c, seed, scale=2.0):
    """Logits z (N, C) and labels drawn from softmax(z): calibrated by construction."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, c, generator=g, dtype=D) * scale
    y = torch.multinomial(torch.softmax(z, 1), 1, generator=g).squeeze(1)
    return z, y


def test_ece_by_hand():
    # bins of width 0.25; confidences 0.9, 0.8, 0.85 (bin 4: (0.75, 1]) and 0.6 (bin 3)
    probs = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.15, 0.85], [0.6, 0.4]], dtype=D)
    labels = torch.tensor([0, 0, 1, 0])           # right, wrong, right, right
    # bin 4: acc 2/3, conf 0.85, weight 3/4; bin 3: acc 1, conf 0.6, weight 1/4
    expected = 0.75 * abs(2 / 3 - 0.85) + 0.25 * abs(1.0 - 0.6)     # 0.2375 (unweighted: 0.29)
    assert expected_calibration_error(probs, labels, n_bins=4) == pytest.approx(expected)
    r = reliability_bins(probs, labels, n_bins=4)
    assert r.counts.tolist() == [0, 0, 1, 3]
    np.testing.assert_allclose(r.confidence[2:], [0.6, 0.85])
    np.testing.assert_allclose(r.accuracy[2:], [1.0, 2 / 3])
    assert np.isnan(r.confidence[:2]).all() and np.isnan(r.accuracy[:2]).all()
    # NumPy in, same answer
    assert expected_calibration_error(probs.numpy(), labels.numpy(), 4) == pytest.approx(expected)


def test_bins_are_right_closed():
    probs = torch.tensor([[0.5, 0.5], [0.25, 0.75], [0.0, 1.0]], dtype=D)
    assert reliability_bins(probs, torch.tensor([0, 1, 1]), n_bins=4).counts.tolist() == \
        [0, 1, 1, 1]                              # 0.5 in (0.25, 0.5], 0.75 in (0.5, 0.75]


def test_a_calibrated_predictor_has_ece_near_zero_and_a_sharpened_one_does_not():
    z, y = _calibrated(100_000, 5, seed=0)
    ece = expected_calibration_error(torch.softmax(z, 1), y)
    assert ece < 0.01, ece
    over = expected_calibration_error(torch.softmax(2 * z, 1), y)      # overconfident
    under = expected_calibration_error(torch.softmax(z / 2, 1), y)     # underconfident
    assert over > 0.05 and under > 0.05, (over, under)


def test_temperature_scaling_recovers_the_temperature():
    z, y = _calibrated(20_000, 10, seed=1)
    for t_true in (0.5, 1.0, 2.5):
        t = fit_temperature(z * t_true, y)        # logits made too sharp (T > 1) or too soft
        assert t == pytest.approx(t_true, rel=0.02), (t, t_true)
        fixed = expected_calibration_error(torch.softmax(z * t_true / t, 1), y)
        assert fixed < 0.015


def test_fit_temperature_is_the_nll_minimiser():
    z, y = _calibrated(500, 4, seed=2, scale=3.0)
    z = z * 1.7
    t = fit_temperature(z, y)
    grid = np.linspace(0.5, 4.0, 3501)
    best = grid[np.argmin([temperature_nll(z, y, s) for s in grid])]
    assert abs(t - best) < 2e-3, (t, best)
    assert temperature_nll(z, y, t) <= min(temperature_nll(z, y, t * 1.001),
                                           temperature_nll(z, y, t / 1.001))


def test_fit_temperature_stops_at_its_bounds():
    z = torch.tensor([[3.0, 0.0], [0.0, 3.0]], dtype=D)
    assert fit_temperature(z, torch.tensor([0, 1]), t_min=0.1) == pytest.approx(0.1)  # all right
    assert fit_temperature(z, torch.tensor([1, 0]), t_max=7.0) == pytest.approx(7.0)  # all wrong


def test_reliability_diagram_draws_the_bins():
    import matplotlib.pyplot as plt

    z, y = _calibrated(2000, 3, seed=3)
    r, ax = reliability_diagram(torch.softmax(z, 1), y, n_bins=10)
    assert r.counts.sum() == 2000 and len(ax.patches) == 2 * int((r.counts > 0).sum())
    plt.close(ax.figure)


@pytest.mark.parametrize("probs, labels, match", [
    (torch.tensor([0.2, 0.8]), torch.tensor([1]), r"\(N, C\)"),
    (torch.tensor([[2.0, -1.0]]), torch.tensor([0]), "logits"),
    (torch.tensor([[0.5, 0.5]]), torch.tensor([0, 1]), r"labels must have shape \(1,\)"),
])
def test_bad_inputs_are_named(probs, labels, match):
    with pytest.raises(ValueError, match=match):
        expected_calibration_error(probs, labels)
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error(torch.tensor([[0.5, 0.5]]), torch.tensor([0]), n_bins=0)
    with pytest.raises(TypeError, match="probs"):
        expected_calibration_error("0.5", torch.tensor([0]))
