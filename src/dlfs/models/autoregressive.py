"""An autoregressive model of a time series, and forecasting by feeding it its own outputs.

A model of order ``tau`` predicts the next value from the ``tau`` values before it::

    x_hat_t = f(x_{t-tau}, …, x_{t-1})

**One-step-ahead** prediction feeds it observed values only. To look ``k`` steps ahead
there are no observations for the steps in between, so the model's own predictions take
their place (:func:`rollout`)::

    window_0 = (x_{t-tau}, …, x_{t-1})                       observed
    x_hat_{t+j} = f(window_j),  window_{j+1} = (window_j[1:], x_hat_{t+j})

Each prediction error becomes an input error for the steps after it, so the errors compound:
the k-step-ahead error grows with ``k`` (the lesson ``timeseries-autoregressive`` measures it).

Shapes: a window batch is ``(B, tau)`` (oldest value first), one prediction per window ``(B,)``.

>>> import torch
>>> model = ARMLP(tau=4, hidden=8)
>>> tuple(model(torch.zeros(5, 4)).shape), tuple(rollout(model, torch.zeros(5, 4), 3).shape)
((5,), (5, 3))
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from .. import nn as dnn

__all__ = ["ARMLP", "k_step_ahead", "rollout"]


class ARMLP(nn.Module):
    """``f(window) = W_2 relu(W_1 window + b_1) + b_2``: ``(B, tau)`` -> ``(B,)``.

    Args:
        tau: the order (how many past values the model sees).
        hidden: width of the hidden layer.
    """

    def __init__(self, tau: int, hidden: int = 10):
        super().__init__()
        if tau < 1 or hidden < 1:
            raise ValueError(f"ARMLP: tau and hidden must be >= 1, got tau={tau}, "
                             f"hidden={hidden}")
        self.tau = tau
        self.net = dnn.Sequential(dnn.Linear(tau, hidden), dnn.ReLU(), dnn.Linear(hidden, 1))

    def forward(self, window: Tensor) -> Tensor:
        if window.dim() != 2 or window.shape[1] != self.tau:
            raise ValueError(f"ARMLP: expected windows (B, tau={self.tau}), got "
                             f"{tuple(window.shape)}")
        return self.net(window).squeeze(-1)                   # (B, 1) -> (B,)


def rollout(model: Callable[[Tensor], Tensor], window: Tensor, steps: int) -> Tensor:
    """Predict ``steps`` values after each window, each one fed back as the newest input.

    Args:
        model: maps windows ``(B, tau)`` to next values ``(B,)`` (a module or any function).
        window: the observed context ``(B, tau)``, oldest value first.
        steps: how many values to predict (``>= 1``).

    Returns:
        ``(B, steps)``: column ``j`` is the ``(j + 1)``-step-ahead prediction.
    """
    if window.dim() != 2:
        raise ValueError(f"rollout: window must be (B, tau), got {tuple(window.shape)}")
    if steps < 1:
        raise ValueError(f"rollout: steps must be >= 1, got {steps}")
    predictions = []
    for _ in range(steps):
        x_hat = model(window)                                 # (B,)
        predictions.append(x_hat)
        window = torch.cat([window[:, 1:], x_hat[:, None]], dim=1)   # (B, tau): slide by one
    return torch.stack(predictions, dim=1)                    # (B, steps)


def k_step_ahead(model: Callable[[Tensor], Tensor], x: Tensor, tau: int, max_k: int) -> Tensor:
    """All 1- to ``max_k``-step-ahead predictions over a series, aligned by target time.

    Args:
        model: maps windows ``(B, tau)`` to next values ``(B,)``.
        x: the observed series ``(T,)``.
        tau: the model's order.
        max_k: the furthest horizon.

    Returns:
        ``(N, max_k)`` with ``N = T - tau - max_k + 1``: entry ``[i, k - 1]`` predicts
        ``x[i + tau + max_k - 1]`` from the observations ``x[i + max_k - k : i + max_k - k +
        tau]``, i.e. ``k`` steps after the last value it saw. Every column has the same
        targets ``x[tau + max_k - 1:]``, so the columns compare horizons on equal terms.
    """
    n = len(x) - tau - max_k + 1
    if x.dim() != 1 or tau < 1 or max_k < 1 or n < 1:
        raise ValueError(f"k_step_ahead: need a series (T,) with T >= tau + max_k; got shape "
                         f"{tuple(x.shape)}, tau={tau}, max_k={max_k}")
    windows = x.unfold(0, tau, 1)                             # (T - tau + 1, tau)
    paths = rollout(model, windows[:n + max_k - 1], max_k)    # (n + max_k - 1, max_k)
    # the k-step prediction of target i + tau + max_k - 1 started from window i + max_k - k
    return torch.stack([paths[max_k - k:max_k - k + n, k - 1] for k in range(1, max_k + 1)],
                       dim=1)                                 # (n, max_k)
