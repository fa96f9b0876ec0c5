"""Tabular data sets shipped with scikit-learn (no download): iris, breast cancer, diabetes.

Each returns a :class:`~dlfs.data.TensorDataset` of x ``(N, F)`` float32 and y ``(N,)`` int64,
for one part of a seeded split (``split="train" | "test" | "all"``, ``test_fraction`` of the
rows in test). With ``standardize=True`` every feature is shifted and scaled by the mean and
standard deviation of the TRAIN rows only, so no test information leaks into training.

===================  =====  ========  =========================================================
function             rows   features  target
===================  =====  ========  =========================================================
``iris``             150    4         3 species
``breast_cancer``    569    30        0 malignant, 1 benign
``diabetes_binary``  442    10        1 if disease progression after a year is above the median
===================  =====  ========  =========================================================
"""

from __future__ import annotations

import numpy as np
import torch

from ..dataset import TensorDataset
from ._common import split_indices

__all__ = ["breast_cancer", "diabetes_binary", "iris"]


def _make(x: np.ndarray, y: np.ndarray, split: str, test_fraction: float, seed: int,
          standardize: bool) -> TensorDataset:
    xt = torch.tensor(x, dtype=torch.float32)  # (N, F)
    yt = torch.tensor(y, dtype=torch.int64)  # (N,)
    idx = split_indices(len(xt), split, test_fraction, seed)
    if standardize:
        train = xt[split_indices(len(xt), "train", test_fraction, seed)]
        mean, std = train.mean(0), train.std(0).clamp_min(1e-8)  # (F,)
        xt = (xt - mean) / std
    return TensorDataset(xt[idx], yt[idx])


def iris(split: str = "all", test_fraction: float = 0.2, seed: int = 0,
         standardize: bool = False) -> TensorDataset:
    """Fisher's iris: 150 flowers, 4 measurements (cm), 3 species.

    >>> x, y = iris()[:]
    >>> tuple(x.shape), sorted(set(y.tolist()))
    ((150, 4), [0, 1, 2])
    """
    from sklearn.datasets import load_iris

    bunch = load_iris()
    return _make(bunch.data, bunch.target, split, test_fraction, seed, standardize)


def breast_cancer(split: str = "all", test_fraction: float = 0.2, seed: int = 0,
                  standardize: bool = True) -> TensorDataset:
    """Wisconsin breast cancer: 569 tumours, 30 cell-nucleus features, 0 malignant / 1 benign.

    >>> len(breast_cancer("train")), len(breast_cancer("test"))
    (455, 114)
    """
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    return _make(bunch.data, bunch.target, split, test_fraction, seed, standardize)


def diabetes_binary(split: str = "all", test_fraction: float = 0.2, seed: int = 0,
                    standardize: bool = True) -> TensorDataset:
    """A binary "diabetes" task for multi-dimensional input (Liu Er, lecture 7).

    The lecture uses the Pima Indians diabetes table (768 rows, 8 features, a 0/1 outcome).
    No installed package ships that table, so this is an honest stand-in: scikit-learn's
    diabetes data (442 patients, 10 features: age, sex, bmi, blood pressure and six serum
    measurements) with its regression target — disease progression one year later —
    turned into a label: 1 if above the median of all 442 rows, else 0 (221 of each).
    A network for it takes 10 inputs (10 → 6 → 4 → 1) instead of the lecture's 8.

    >>> x, y = diabetes_binary()[:]
    >>> tuple(x.shape), int(y.sum())
    ((442, 10), 221)
    """
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    y = (bunch.target > np.median(bunch.target)).astype(np.int64)
    return _make(bunch.data, y, split, test_fraction, seed, standardize)
