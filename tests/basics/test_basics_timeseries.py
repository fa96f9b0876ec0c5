"""The time-series pieces: `noisy_sine`, `lag_features` (data) and `ARMLP`, `rollout`,
`k_step_ahead` (model). The forecasting invariant: a model that is the exact recurrence of a
pure sine, ``x_t = 2 cos(omega) x_{t-1} - x_{t-2}``, predicts every horizon exactly; a window
slid the wrong way or a misaligned target breaks that."""

from __future__ import annotations

import math

import pytest
import torch

from dlfs.builtin_guard import BuiltinCallRecorder
from dlfs.data.datasets.timeseries import lag_features, noisy_sine
from dlfs.models.autoregressive import ARMLP, k_step_ahead, rollout

D = torch.float64
OMEGA = 0.1


def sine_recurrence(window):
    """The exact next value of sin(omega t) from its last two values: (B, 2) -> (B,)."""
    return 2 * math.cos(OMEGA) * window[:, 1] - window[:, 0]


def test_noisy_sine_is_seeded_and_has_the_requested_noise():
    x = noisy_sine(5000, omega=OMEGA, noise=0.2, seed=3, dtype=D)
    assert x.shape == (5000,) and x.dtype == D
    assert torch.equal(x, noisy_sine(5000, omega=OMEGA, noise=0.2, seed=3, dtype=D))
    assert not torch.equal(x, noisy_sine(5000, omega=OMEGA, noise=0.2, seed=4, dtype=D))
    clean = torch.sin(OMEGA * torch.arange(1, 5001, dtype=D))
    torch.testing.assert_close(noisy_sine(5000, omega=OMEGA, noise=0.0, dtype=D), clean)
    assert abs((x - clean).std().item() - 0.2) < 0.01
    with pytest.raises(ValueError, match="noise is a standard deviation"):
        noisy_sine(10, noise=-1)


@pytest.mark.parametrize("t, tau", [(10, 1), (10, 4), (7, 6)])
def test_lag_features_align_each_window_with_the_value_after_it(t, tau):
    x = torch.arange(t, dtype=D) ** 2                        # distinct values
    features, labels = lag_features(x, tau)
    assert features.shape == (t - tau, tau) and labels.shape == (t - tau,)
    for i in range(t - tau):
        assert torch.equal(features[i], x[i:i + tau]) and labels[i] == x[i + tau]


def test_lag_features_reject_bad_windows():
    with pytest.raises(ValueError, match=r"1 <= tau < T = 5, got 5"):
        lag_features(torch.zeros(5), 5)
    with pytest.raises(ValueError, match=r"1-D series"):
        lag_features(torch.zeros(5, 1), 2)


def test_an_exact_model_forecasts_every_horizon_exactly():
    x = noisy_sine(120, omega=OMEGA, noise=0.0, dtype=D)
    max_k = 30
    preds = k_step_ahead(sine_recurrence, x, tau=2, max_k=max_k)
    n = 120 - 2 - max_k + 1
    assert preds.shape == (n, max_k)
    target = x[2 + max_k - 1:]                                # every column: the same targets
    torch.testing.assert_close(preds, target[:, None].expand(n, max_k), atol=1e-10, rtol=0)
    # rollout from the first window continues the sine
    path = rollout(sine_recurrence, x[None, :2], steps=50)
    torch.testing.assert_close(path[0], x[2:52], atol=1e-10, rtol=0)


def test_k_step_columns_use_their_own_predictions_not_the_observations():
    """A model that copies the newest value: the k-step prediction of x_t is x_{t-k}."""
    x = torch.arange(20, dtype=D)
    preds = k_step_ahead(lambda w: w[:, -1], x, tau=3, max_k=4)
    target = x[3 + 4 - 1:]
    for k in range(1, 5):
        torch.testing.assert_close(preds[:, k - 1], target - k)
    # column 1 is the plain one-step prediction from lag_features
    features, _ = lag_features(x, 3)
    torch.testing.assert_close(preds[:, 0], features[3:, -1])


def test_armlp_shapes_no_builtin_layers_and_errors():
    torch.manual_seed(0)
    model = ARMLP(tau=4, hidden=8)
    with BuiltinCallRecorder() as recorder:
        out = model(torch.randn(5, 4))
        out.sum().backward()
    assert out.shape == (5,) and recorder.calls == []
    with pytest.raises(ValueError, match=r"expected windows \(B, tau=4\), got \(5, 3\)"):
        model(torch.randn(5, 3))
    with pytest.raises(ValueError, match="T >= tau \\+ max_k"):
        k_step_ahead(model, torch.zeros(6), tau=4, max_k=4)
    with pytest.raises(ValueError, match="steps must be >= 1"):
        rollout(model, torch.zeros(2, 4), 0)
