"""Fit a scaling law L(N) = a * N^(-alpha) + c to (model size, loss) points.

For a fixed exponent alpha the model is linear in (a, c), so the best (a, c) come from a
2-parameter least-squares solve. That leaves a one-dimensional search over alpha
("variable projection"): a coarse grid, then golden-section refinement around the best
grid point. No scipy needed; on noise-free data it recovers the true parameters.

    SSE(alpha) = min_{a, c} sum_i (a * N_i^(-alpha) + c - L_i)^2
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

__all__ = ["PowerLaw", "fit_power_law"]


@dataclass(frozen=True)
class PowerLaw:
    """L(N) = a * N^(-alpha) + c; ``sse`` is the sum of squared residuals of the fit."""

    a: float
    alpha: float
    c: float
    sse: float = 0.0

    def __call__(self, n: float | torch.Tensor) -> float | torch.Tensor:
        return self.a * n ** (-self.alpha) + self.c


def _solve_ac(x: torch.Tensor, y: torch.Tensor, alpha: float) -> tuple[float, float, float]:
    """Least-squares (a, c) for a fixed alpha, and the SSE. x, y: (n,) float64."""
    design = torch.stack([x ** (-alpha), torch.ones_like(x)], dim=1)   # (n, 2)
    sol = torch.linalg.lstsq(design, y.unsqueeze(1)).solution.squeeze(1)  # (2,)
    sse = float(((design @ sol - y) ** 2).sum())
    return float(sol[0]), float(sol[1]), sse


def fit_power_law(n: Sequence[float] | torch.Tensor, loss: Sequence[float] | torch.Tensor,
                  alpha_range: tuple[float, float] = (1e-3, 2.0), grid: int = 400,
                  tol: float = 1e-10) -> PowerLaw:
    """Least-squares fit of L(N) = a N^(-alpha) + c with alpha in ``alpha_range``.

    >>> N = [1e3, 3e3, 1e4, 3e4, 1e5, 3e5]
    >>> fit = fit_power_law(N, [50 * x ** -0.4 + 1.5 for x in N])
    >>> round(fit.a, 3), round(fit.alpha, 4), round(fit.c, 4)
    (50.0, 0.4, 1.5)
    """
    x = torch.as_tensor(n, dtype=torch.float64).flatten()
    y = torch.as_tensor(loss, dtype=torch.float64).flatten()
    if x.numel() != y.numel() or x.numel() < 3:
        raise ValueError(f"fit_power_law: need >= 3 (N, loss) pairs of equal length, got "
                         f"{x.numel()} and {y.numel()}")
    if (x <= 0).any():
        raise ValueError("fit_power_law: model sizes N must be positive")
    x = x / x.min()                       # rescale N for conditioning; a is scaled back below
    lo, hi = alpha_range
    alphas = torch.linspace(lo, hi, grid).tolist()
    best = min(range(grid), key=lambda i: _solve_ac(x, y, alphas[i])[2])
    left, right = alphas[max(best - 1, 0)], alphas[min(best + 1, grid - 1)]
    ratio = (math.sqrt(5) - 1) / 2        # golden section on [left, right]
    while right - left > tol:
        m1, m2 = right - ratio * (right - left), left + ratio * (right - left)
        if _solve_ac(x, y, m1)[2] < _solve_ac(x, y, m2)[2]:
            right = m2
        else:
            left = m1
    alpha = (left + right) / 2
    a, c, sse = _solve_ac(x, y, alpha)
    n_min = float(torch.as_tensor(n, dtype=torch.float64).min())
    return PowerLaw(a=a * n_min ** alpha, alpha=alpha, c=c, sse=sse)
