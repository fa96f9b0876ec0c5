"""Classification accuracy, for torch tensors and NumPy arrays alike (the NumPy autograd
engine's outputs are arrays)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["accuracy"]


def accuracy(scores: Any, targets: Any) -> float:
    """Share of rows whose highest score is at the target class.

    scores (N, K) logits or probabilities, targets (N,) class indices; torch tensors or
    NumPy arrays. Returns a float in [0, 1].

    >>> accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1]))
    0.5
    >>> accuracy(np.array([[2.0, 1.0, 0.0]]), np.array([0]))
    1.0
    """
    if isinstance(scores, torch.Tensor):
        predicted, targets = scores.detach().argmax(dim=-1), torch.as_tensor(targets)
    else:
        predicted, targets = np.asarray(scores).argmax(axis=-1), np.asarray(targets)
    if tuple(predicted.shape) != tuple(targets.shape):
        raise ValueError(f"accuracy: scores {tuple(scores.shape)} give {tuple(predicted.shape)} "
                         f"predictions, but targets have shape {tuple(targets.shape)}")
    if predicted.shape[0] == 0:
        raise ValueError("accuracy: no rows to score")
    return float((predicted == targets).sum()) / predicted.shape[0]
