"""Turning a table into tensors without pandas: missing values, one-hot columns, polynomials.

Three small steps that every tabular model needs, each fitted on the training rows and then
applied unchanged to validation and test rows (fitting on all rows leaks the test set):

- :func:`fill_missing` replaces NaN in column ``j`` by ``values[j]`` — usually the training
  mean from :func:`column_means` — so ``x_filled[i, j] = values[j]`` where ``x[i, j]`` is NaN.
- :func:`one_hot_columns` turns a text column with ``K`` categories into ``K`` indicator
  columns ``e[i, k] = 1 if value_i == category_k else 0``, plus one indicator for an empty
  (missing) cell, like ``pandas.get_dummies(..., dummy_na=True)``.
- :func:`polynomial_features` expands a scalar input into ``phi_i(x) = x^i / i!`` for
  ``i = 0 … degree`` (dividing by ``i!`` keeps high powers of a standard-normal ``x`` from
  dwarfing the others), the design matrix of polynomial regression.

>>> x = torch.tensor([[1.0, float("nan")], [3.0, 4.0]])
>>> fill_missing(x, column_means(x))
tensor([[1., 4.],
        [3., 4.]])
>>> onehot, names = one_hot_columns(["S", "", "C", "S"])
>>> names, onehot.tolist()[1]
(['C', 'S', '<missing>'], [0.0, 0.0, 1.0])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["MISSING", "column_means", "fill_missing", "one_hot_columns", "polynomial_features"]

#: the name of the indicator column for an empty cell
MISSING = "<missing>"


def _check_matrix(x: object, name: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2 or not x.is_floating_point():
        raise ValueError(f"{name}: expected a floating-point (N, D) tensor, got shape "
                         f"{tuple(x.shape)} and dtype {x.dtype}")
    return x


def column_means(x: Tensor) -> Tensor:
    """The mean of each column of ``x`` ``(N, D)`` over its non-missing (non-NaN) cells: ``(D,)``.

    A column with no value at all has no mean; that is an error naming the column.
    """
    x = _check_matrix(x, "column_means")
    empty = torch.isnan(x).all(dim=0).nonzero().flatten().tolist()
    if empty:
        raise ValueError(f"column_means: column(s) {empty} hold no value (all NaN); drop them "
                         "or fill them with a constant")
    return torch.nanmean(x, dim=0)                                  # (D,)


def fill_missing(x: Tensor, values: Tensor) -> Tensor:
    """``x`` ``(N, D)`` with every NaN in column ``j`` replaced by ``values[j]``; a new tensor."""
    x = _check_matrix(x, "fill_missing")
    if values.shape != (x.shape[1],):
        raise ValueError(f"fill_missing: values must have shape ({x.shape[1]},), one per "
                         f"column of x, got {tuple(values.shape)}")
    return torch.where(torch.isnan(x), values.to(x.dtype), x)     # (N, D)


def one_hot_columns(values: Sequence[str], categories: Sequence[str] | None = None, *,
                    dummy_na: bool = True) -> tuple[Tensor, list[str]]:
    """Indicator columns for a text column: ``(N, K)`` float32 and the ``K`` column names.

    Args:
        values: the column, one string per row; an empty (or blank) string is a missing cell.

        categories: the names to encode, e.g. those returned for the training rows (the
            order of the columns). ``None``: the sorted distinct non-empty values, plus
            :data:`MISSING` when ``dummy_na``.

        dummy_na: add an indicator column :data:`MISSING` for empty cells (only used when
            ``categories`` is None); without it an empty cell is a row of zeros.

    A value outside ``categories`` (a category the training rows never had) is an error
    naming the value and its row, rather than a silent row of zeros.
    """
    if isinstance(values, str):
        raise TypeError("one_hot_columns: values must be a sequence of strings (a column), "
                        "got a single string")
    cells = [str(v).strip() for v in values]
    if categories is None:
        names = sorted({c for c in cells if c})
        if dummy_na:
            names.append(MISSING)
    else:
        names = list(categories)
        if len(set(names)) != len(names):
            raise ValueError(f"one_hot_columns: categories repeat a name: {names}")
    column = {name: k for k, name in enumerate(names)}
    out = torch.zeros(len(cells), len(names))                        # (N, K)
    for i, cell in enumerate(cells):
        key = cell if cell else MISSING
        if key in column:
            out[i, column[key]] = 1.0
        elif cell:
            raise ValueError(f"one_hot_columns: row {i} holds {cell!r}, which is not one of "
                             f"the categories {names}")
    return out, names


def polynomial_features(x: Tensor, degree: int) -> Tensor:
    """``x`` ``(N,)`` expanded to ``phi[n, i] = x_n^i / i!``, ``i = 0 … degree``: ``(N, degree+1)``.

    >>> polynomial_features(torch.tensor([2.0]), 3)
    tensor([[1.0000, 2.0000, 2.0000, 1.3333]])
    """
    if not isinstance(x, Tensor) or x.dim() != 1:
        raise ValueError(f"polynomial_features: x must be a 1-D tensor (N,), got "
                         f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}")
    if not isinstance(degree, int) or degree < 0:
        raise ValueError(f"polynomial_features: degree must be an int >= 0, got {degree!r}")
    powers = torch.arange(degree + 1, dtype=x.dtype)                  # (degree+1,)
    factorials = torch.tensor([math.factorial(i) for i in range(degree + 1)], dtype=x.dtype)
    return x[:, None] ** powers / factorials                         # (N, degree+1)
