"""Calibration: does a predicted "90 %" come true nine times in ten?

A classifier gives each example probabilities ``p_i`` ``(N, C)``. Its *confidence* is the top
probability ``conf_i = max_c p_ic`` and its prediction ``argmax_c p_ic``. It is *calibrated*
when, among the examples predicted with confidence about ``c``, a fraction ``c`` is right.

* :func:`reliability_bins` sorts the confidences into ``M`` equal-width bins
  ``B_m = ((m - 1)/M, m/M]`` and gives each bin's count, mean confidence ``conf(B_m)`` and
  accuracy ``acc(B_m)``; :func:`reliability_diagram` draws them.
* :func:`expected_calibration_error` (Naeini et al. 2015; Guo et al. 2017)::

      ECE = sum_m |B_m| / N * |acc(B_m) - conf(B_m)|

* :func:`fit_temperature` — *temperature scaling* (Guo et al. 2017): one scalar ``T > 0``
  for the logits ``z``, ``p = softmax(z / T)``, chosen on a validation split to minimise the
  negative log-likelihood. It never changes the argmax, so accuracy is untouched.

Inputs may be torch tensors or NumPy arrays; the arithmetic is float64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..nn.functional import log_softmax

__all__ = ["Reliability", "expected_calibration_error", "fit_temperature",
           "reliability_bins", "reliability_diagram", "temperature_nll"]


def _as_tensor(x: Any, name: str, floating: bool) -> Tensor:
    if not isinstance(x, (Tensor, np.ndarray, list, tuple)):
        raise TypeError(f"{name} must be a torch tensor or a NumPy array, got "
                        f"{type(x).__name__}")
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, Tensor) else x.detach()).cpu()
    return t.double() if floating else t.long()


def _check_probs_labels(probs: Any, labels: Any) -> tuple[Tensor, Tensor]:
    p, y = _as_tensor(probs, "probs", True), _as_tensor(labels, "labels", False)
    if p.dim() != 2 or p.shape[0] == 0:
        raise ValueError(f"probs must have shape (N, C) with N >= 1 (for a binary model pass "
                         f"the two columns 1 - p, p), got {tuple(p.shape)}")
    if y.shape != p.shape[:1]:
        raise ValueError(f"labels must have shape ({p.shape[0]},) to match probs "
                         f"{tuple(p.shape)}, got {tuple(y.shape)}")
    if bool((p < 0).any()) or bool(((p.sum(1) - 1).abs() > 1e-4).any()):
        raise ValueError("probs must be probabilities (>= 0, each row summing to 1); did you "
                         "pass logits? use softmax(logits, dim=1)")
    return p, y


@dataclass(frozen=True)
class Reliability:
    """Per-bin statistics of a reliability diagram, each ``(M,)``.

    ``edges`` ``(M + 1,)`` are the bin edges 0, 1/M, ..., 1; ``confidence`` and
    ``accuracy`` are NaN in an empty bin. ``ece`` is the expected calibration error.
    """

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    ece: float


def reliability_bins(probs: Any, labels: Any, n_bins: int = 15) -> Reliability:
    """Bin the top-class confidences of ``probs`` ``(N, C)`` into ``n_bins`` equal-width bins
    ``((m - 1)/M, m/M]`` (a confidence of exactly 0 goes to the first) and measure each.

    >>> probs = torch.tensor([[0.1, 0.9], [0.35, 0.65]], dtype=torch.float64)
    >>> r = reliability_bins(probs, torch.tensor([1, 0]), n_bins=5)   # right at 0.9, wrong at 0.65
    >>> r.counts.tolist(), round(r.ece, 6)                 # 1/2 |1 - 0.9| + 1/2 |0 - 0.65|
    ([0, 0, 0, 1, 1], 0.375)
    """
    if not isinstance(n_bins, int) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}")
    p, y = _check_probs_labels(probs, labels)
    conf, pred = p.max(1)                                            # (N,), (N,)
    correct = (pred == y).double()                                   # (N,)
    # bin m holds ((m - 1)/M, m/M]: ceil(conf * M) - 1, with conf = 0 in bin 0
    which = (torch.ceil(conf * n_bins).long() - 1).clamp(0, n_bins - 1)      # (N,)
    counts = torch.bincount(which, minlength=n_bins).double()                # (M,)
    conf_sum = torch.zeros(n_bins, dtype=torch.float64).index_add_(0, which, conf)
    acc_sum = torch.zeros(n_bins, dtype=torch.float64).index_add_(0, which, correct)
    nonempty = counts > 0
    safe = counts.clamp(min=1)
    ece = float(((acc_sum - conf_sum).abs() / len(y)).sum())  # |B_m|/N * |acc_m - conf_m|
    nan = torch.full_like(counts, float("nan"))
    return Reliability(
        edges=np.linspace(0.0, 1.0, n_bins + 1),
        counts=counts.long().numpy(),
        confidence=torch.where(nonempty, conf_sum / safe, nan).numpy(),
        accuracy=torch.where(nonempty, acc_sum / safe, nan).numpy(),
        ece=ece,
    )


def expected_calibration_error(probs: Any, labels: Any, n_bins: int = 15) -> float:
    """``ECE = sum_m |B_m| / N * |acc(B_m) - conf(B_m)|`` over ``n_bins`` equal-width
    confidence bins. probs ``(N, C)``, labels ``(N,)``; returns a float in [0, 1].

    >>> probs = torch.tensor([[0.3, 0.7], [0.3, 0.7]], dtype=torch.float64)
    >>> round(expected_calibration_error(probs, torch.tensor([1, 0]), n_bins=10), 6)
    0.2
    """
    return reliability_bins(probs, labels, n_bins).ece


def reliability_diagram(probs: Any, labels: Any, n_bins: int = 15, ax: Any = None,
                        title: str | None = None) -> tuple[Reliability, Any]:
    """Draw the accuracy of each confidence bin (blue bars) against the diagonal of perfect
    calibration, the gap between accuracy and mean confidence shaded red, and the ECE in the
    corner, on ``ax`` (a new figure if None). probs ``(N, C)``, labels ``(N,)``.

    Returns the bin statistics and the axes.
    """
    import matplotlib.pyplot as plt

    r = reliability_bins(probs, labels, n_bins)
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    width = 1.0 / n_bins
    centers = (r.edges[:-1] + width / 2)[r.counts > 0]
    acc, conf = r.accuracy[r.counts > 0], r.confidence[r.counts > 0]
    ax.bar(centers, acc, width=width, color="tab:blue", edgecolor="k", lw=0.5)
    ax.bar(centers, np.abs(conf - acc), bottom=np.minimum(acc, conf), width=width,
           color="tab:red", alpha=0.35, edgecolor="tab:red", lw=0.5)
    ax.plot([0, 1], [0, 1], "k--", lw=1)
    ax.text(0.97, 0.04, f"ECE {r.ece:.3f}", ha="right", va="bottom", transform=ax.transAxes,
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel="confidence", ylabel="accuracy")
    if title:
        ax.set_title(title, fontsize=9)
    return r, ax


def temperature_nll(logits: Any, labels: Any, temperature: float) -> float:
    """Mean negative log-likelihood of ``softmax(logits / T)``: logits ``(N, C)``,
    labels ``(N,)``."""
    z, y = _as_tensor(logits, "logits", True), _as_tensor(labels, "labels", False)
    log_p = log_softmax(z / temperature, dim=1)                      # (N, C)
    return float(-log_p.gather(1, y.unsqueeze(1)).mean())


def fit_temperature(logits: Any, labels: Any, t_min: float = 0.05, t_max: float = 20.0,
                    tol: float = 1e-10, max_iter: int = 100) -> float:
    """The temperature ``T`` in ``[t_min, t_max]`` that minimises the validation NLL of
    ``softmax(logits / T)``. logits ``(N, C)``, labels ``(N,)``; returns ``T`` (a float).

    With ``b = 1 / T`` the NLL ``f(b) = mean_i [logsumexp_c(b z_ic) - b z_{i y_i}]`` is
    convex, with ``f'(b) = mean_i (E_{p_i}[z_i] - z_{i y_i})`` and
    ``f''(b) = mean_i Var_{p_i}[z_i] >= 0`` (``p_i = softmax(b z_i)``). So the minimum is the
    one root of ``f'``: Newton's method on ``b``, kept inside a shrinking bracket (bisection
    when a Newton step would leave it) — a closed 1-D loop, no optimizer to tune.

    >>> z = torch.tensor([[2.0, 0.0], [0.0, 2.0], [2.0, 0.0], [2.0, 0.0]])
    >>> round(fit_temperature(z, torch.tensor([0, 1, 0, 1])), 4)   # 3 of 4 right: softer
    1.8205
    """
    z, y = _as_tensor(logits, "logits", True), _as_tensor(labels, "labels", False)
    if z.dim() != 2 or y.shape != z.shape[:1]:
        raise ValueError(f"fit_temperature needs logits (N, C) and labels (N,), got "
                         f"{tuple(z.shape)} and {tuple(y.shape)}")
    if not 0 < t_min < t_max:
        raise ValueError(f"need 0 < t_min < t_max, got t_min={t_min}, t_max={t_max}")
    z_y = z.gather(1, y.unsqueeze(1)).squeeze(1)                     # (N,)

    def slope_and_curvature(b: float) -> tuple[float, float]:
        p = log_softmax(b * z, dim=1).exp()                          # (N, C)
        mean_z = (p * z).sum(1)                                      # E_p[z]   (N,)
        var_z = (p * (z - mean_z.unsqueeze(1)) ** 2).sum(1)          # Var_p[z] (N,)
        return float((mean_z - z_y).mean()), float(var_z.mean())

    lo, hi = 1.0 / t_max, 1.0 / t_min                                # bracket on b = 1/T
    if slope_and_curvature(lo)[0] >= 0:                              # NLL rises already
        return t_max
    if slope_and_curvature(hi)[0] <= 0:                              # still falling
        return t_min
    b = min(max(1.0, lo), hi)
    for _ in range(max_iter):
        g, h = slope_and_curvature(b)
        if abs(g) < tol:
            break
        if g > 0:
            hi = b
        else:
            lo = b
        step = b - g / h if h > 0 else float("nan")
        b = step if lo < step < hi else (lo + hi) / 2                # Newton, else bisect
    return 1.0 / b
