"""Recipe: the NumPy autograd engine's MLP trained on scikit-learn's 8x8 digits (the task
the engine lesson and its tests train on).

1797 images of 64 pixels, 10 classes, shipped with scikit-learn (no download). A seeded
80/20 split, standardized with the training set's mean and standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..autograd import Tensor, cross_entropy, no_grad
from ..autograd.tensor_layers import MLP, SGD

__all__ = ["DigitsSplit", "load_digits_split", "predict", "train_digits_mlp"]


@dataclass(frozen=True)
class DigitsSplit:
    """x_*: (N, 64) standardized pixels; y_*: (N,) int64 labels in [0, 10)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_digits_split(seed: int = 0, test_fraction: float = 0.2,
                      dtype: type = np.float32) -> DigitsSplit:
    """The digits, shuffled with ``seed`` and split into train and test sets."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    n_test = int(round(test_fraction * len(y)))
    test, train = order[:n_test], order[n_test:]
    mean, std = x[train].mean(axis=0), x[train].std(axis=0) + 1e-8  # (64,)
    x = ((x - mean) / std).astype(dtype)
    return DigitsSplit(x[train], y[train].astype(np.int64), x[test], y[test].astype(np.int64))


def predict(model: MLP, x: np.ndarray) -> np.ndarray:
    """Logits (N, 10) of the rows of x (N, 64), recording no graph."""
    with no_grad():
        return model(Tensor(x)).data


def train_digits_mlp(data: DigitsSplit, hidden: tuple[int, ...] = (64,), epochs: int = 15,
                     batch_size: int = 32, lr: float = 0.05, momentum: float = 0.9,
                     seed: int = 0) -> tuple[MLP, list[float]]:
    """Train an MLP 64 -> hidden -> 10 with cross-entropy and SGD; return it and the mean
    training loss of each epoch."""
    rng = np.random.default_rng(seed)
    model = MLP([data.x_train.shape[1], *hidden, 10], dtype=data.x_train.dtype, seed=seed)
    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
    history = []
    for _ in range(epochs):
        order = rng.permutation(len(data.y_train))
        losses = []
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            loss = cross_entropy(model(Tensor(data.x_train[batch])), data.y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        history.append(float(np.mean(losses)))
    return model, history
