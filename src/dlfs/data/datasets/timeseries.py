"""A noisy sine as a time series, and the lagged windows an autoregressive model learns from.

The series (``T`` steps, seeded)::

    x_t = sin(omega * t) + eps_t,    eps_t ~ N(0, noise^2),    t = 1 … T

An autoregressive model of order ``tau`` predicts ``x_t`` from the ``tau`` values before it.
:func:`lag_features` cuts the series into those training pairs::

    features[i] = (x_i, x_{i+1}, …, x_{i+tau-1})    (T - tau, tau)   oldest value first
    labels[i]   =  x_{i+tau}                        (T - tau,)

>>> x = noisy_sine(10, noise=0.0)
>>> features, labels = lag_features(x, tau=4)
>>> tuple(features.shape), tuple(labels.shape), bool(features[1, 0] == x[1])
((6, 4), (6,), True)
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["lag_features", "noisy_sine"]


def noisy_sine(n: int = 1000, omega: float = 0.01, noise: float = 0.2, seed: int = 0,
               dtype: torch.dtype = torch.float32) -> Tensor:
    """``x_t = sin(omega t) + eps_t`` for ``t = 1 … n``, with ``eps_t ~ N(0, noise^2)``: ``(n,)``.

    The noise comes from its own generator seeded with ``seed``: the same arguments give the
    same series, whatever the global random state.
    """
    if n < 1:
        raise ValueError(f"noisy_sine: n must be >= 1, got {n}")
    if noise < 0:
        raise ValueError(f"noisy_sine: noise is a standard deviation, must be >= 0, got {noise}")
    t = torch.arange(1, n + 1, dtype=torch.float64)                       # (n,)
    eps = torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return (torch.sin(omega * t) + noise * eps).to(dtype)                 # (n,)


def lag_features(x: Tensor, tau: int) -> tuple[Tensor, Tensor]:
    """Windows of the ``tau`` previous values and the value that follows each.

    Args:
        x: the series ``(T,)``.
        tau: the window length (the model's order), ``1 <= tau < T``.

    Returns:
        ``features`` ``(T - tau, tau)`` with ``features[i, j] = x[i + j]`` and ``labels``
        ``(T - tau,)`` with ``labels[i] = x[i + tau]``; both are views of ``x`` (no copy).
    """
    if not isinstance(x, Tensor) or x.dim() != 1:
        raise ValueError(f"lag_features: x must be a 1-D series (T,), got "
                         f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
    if not isinstance(tau, int) or not 1 <= tau < len(x):
        raise ValueError(f"lag_features: tau must be an int with 1 <= tau < T = {len(x)}, "
                         f"got {tau!r}")
    features = x.unfold(0, tau, 1)[:-1]           # (T - tau, tau): the windows x[i : i + tau]
    labels = x[tau:]                              # (T - tau,)
    return features, labels
