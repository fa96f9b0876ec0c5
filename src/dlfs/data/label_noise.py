"""Label noise on purpose: redraw a fraction of the labels at random.

Real labels contain mistakes; a network trained long enough memorises them, which is what
early stopping, dropout and other regularisers are meant to prevent. To make that visible on
clean data, each label is, with probability ``fraction``, replaced by a class drawn
uniformly from all ``K`` classes (so it may come out right by chance)::

    y_noisy[i] = u_i  if r_i < fraction  else  y[i],    r_i ~ U(0, 1),  u_i ~ U{0 … K-1}

About ``fraction * (K - 1) / K`` of the labels end up wrong.

>>> import torch
>>> y = torch.zeros(10_000, dtype=torch.int64)
>>> noisy = redraw_labels(y, 0.3, num_classes=10, seed=0)
>>> abs((noisy != y).float().mean().item() - 0.3 * 9 / 10) < 0.01
True
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["redraw_labels"]


def redraw_labels(labels: Tensor, fraction: float, num_classes: int, seed: int = 0) -> Tensor:
    """A copy of ``labels`` ``(N,)``, each entry redrawn uniformly with probability ``fraction``.

    The draws come from a generator seeded with ``seed``: the same arguments give the same
    noisy labels, whatever the global random state.
    """
    if labels.dim() != 1 or labels.dtype != torch.int64:
        raise ValueError(f"redraw_labels: labels must be int64 class indices (N,), got shape "
                         f"{tuple(labels.shape)} and dtype {labels.dtype}")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"redraw_labels: fraction must lie in [0, 1], got {fraction}")
    if len(labels) and not 0 <= int(labels.min()) <= int(labels.max()) < num_classes:
        raise ValueError(f"redraw_labels: labels must lie in 0 … {num_classes - 1} "
                         f"(num_classes={num_classes}), got {int(labels.min())} … "
                         f"{int(labels.max())}")
    g = torch.Generator().manual_seed(seed)
    redraw = torch.rand(len(labels), generator=g) < fraction                # (N,)
    drawn = torch.randint(0, num_classes, (len(labels),), generator=g)      # (N,)
    return torch.where(redraw, drawn, labels)
