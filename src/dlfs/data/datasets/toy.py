"""Small synthetic data sets made from a seed: 1-D regression, two moons, spirals.

All return a :class:`~dlfs.data.TensorDataset` with float32 inputs; the same seed gives the
same points on every machine (NumPy's PCG64 generator).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..dataset import TensorDataset

__all__ = ["sine", "spirals", "two_moons"]


def sine(n: int = 200, noise: float = 0.1, seed: int = 0,
         x_range: tuple[float, float] = (-math.pi, math.pi)) -> TensorDataset:
    """``y = sin(x) + noise·ε`` at ``n`` uniform ``x``: x ``(N, 1)``, y ``(N, 1)``.

    >>> x, y = sine(5)[:]
    >>> x.shape, y.shape, x.dtype
    (torch.Size([5, 1]), torch.Size([5, 1]), torch.float32)
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(*x_range, size=(n, 1))
    y = np.sin(x) + noise * rng.standard_normal((n, 1))
    return TensorDataset(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32))


def two_moons(n: int = 200, noise: float = 0.1, seed: int = 0) -> TensorDataset:
    """Two interleaved half circles: x ``(N, 2)`` float32, y ``(N,)`` int64 in {0, 1}.

    Upper moon: (cos t, sin t); lower moon: (1 - cos t, 0.5 - sin t), t in [0, π].

    >>> x, y = two_moons(7)[:]
    >>> x.shape, y.tolist()
    (torch.Size([7, 2]), [0, 0, 0, 0, 1, 1, 1])
    """
    rng = np.random.default_rng(seed)
    n_up = (n + 1) // 2
    t_up, t_down = np.linspace(0, math.pi, n_up), np.linspace(0, math.pi, n - n_up)
    upper = np.stack([np.cos(t_up), np.sin(t_up)], axis=1)  # (n_up, 2)
    lower = np.stack([1 - np.cos(t_down), 0.5 - np.sin(t_down)], axis=1)
    x = np.concatenate([upper, lower]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n_up), np.ones(n - n_up)])
    return TensorDataset(torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.int64))


def spirals(n_per_class: int = 100, classes: int = 3, noise: float = 0.2,
            seed: int = 0) -> TensorDataset:
    """``classes`` interleaved spiral arms: x ``(classes·n, 2)`` float32, y ``(classes·n,)``.

    Arm k: radius r from 0 to 1, angle θ = 4k + 4r + noise·ε; point (r sin θ, r cos θ).
    A linear classifier fails here; a small MLP separates the arms.

    >>> x, y = spirals(4, classes=2)[:]
    >>> x.shape, y.tolist()
    (torch.Size([8, 2]), [0, 0, 0, 0, 1, 1, 1, 1])
    """
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k in range(classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        theta = 4 * k + 4 * r + noise * rng.standard_normal(n_per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))  # (n, 2)
        ys.append(np.full(n_per_class, k))
    return TensorDataset(torch.tensor(np.concatenate(xs), dtype=torch.float32),
                         torch.tensor(np.concatenate(ys), dtype=torch.int64))
