"""Tabular preprocessing (`dlfs.data.preprocessing`): missing values, one-hot, polynomials."""

from __future__ import annotations

import math

import pytest
import torch

from dlfs.data.preprocessing import (
    MISSING,
    column_means,
    fill_missing,
    one_hot_columns,
    polynomial_features,
)

NAN = float("nan")


def test_column_means_skip_missing_cells_and_fill_puts_them_only_where_nan():
    x = torch.tensor([[1.0, NAN, 5.0], [3.0, 2.0, NAN], [NAN, 4.0, 7.0]], dtype=torch.float64)
    means = column_means(x)
    torch.testing.assert_close(means, torch.tensor([2.0, 3.0, 6.0], dtype=torch.float64))
    filled = fill_missing(x, means)
    nan = torch.isnan(x)
    assert not torch.isnan(filled).any()
    assert torch.equal(filled[~nan], x[~nan])                     # observed cells untouched
    assert filled[0, 1] == 3.0 and filled[1, 2] == 6.0 and filled[2, 0] == 2.0
    assert torch.isnan(x).sum() == 3                              # the input is not modified


def test_missing_value_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"column\(s\) \[1\] hold no value"):
        column_means(torch.tensor([[1.0, NAN], [2.0, NAN]]))
    with pytest.raises(ValueError, match=r"shape \(2,\), one per column"):
        fill_missing(torch.zeros(3, 2), torch.zeros(3))
    with pytest.raises(ValueError, match="floating-point"):
        column_means(torch.zeros(3, 2, dtype=torch.int64))
    with pytest.raises(TypeError, match="torch.Tensor"):
        fill_missing([[1.0]], torch.zeros(1))


def test_one_hot_rows_are_indicators_with_a_column_for_missing_cells():
    values = ["S", "C", "", "Q", "S", " "]
    onehot, names = one_hot_columns(values)
    assert names == ["C", "Q", "S", MISSING]
    assert onehot.shape == (6, 4) and onehot.dtype == torch.float32
    assert torch.equal(onehot.sum(1), torch.ones(6))              # exactly one 1 per row
    assert onehot.argmax(1).tolist() == [2, 0, 3, 1, 2, 3]        # blank counts as missing
    no_dummy, names2 = one_hot_columns(values, dummy_na=False)
    assert names2 == ["C", "Q", "S"] and no_dummy[2].sum() == 0 and no_dummy[5].sum() == 0


def test_one_hot_applies_training_categories_to_new_rows_and_rejects_unseen_ones():
    _, names = one_hot_columns(["male", "female", "female"])
    test_rows, same = one_hot_columns(["female", "", "male"], names)
    assert same == names == ["female", "male", MISSING]
    assert test_rows.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    with pytest.raises(ValueError, match=r"row 1 holds 'other'"):
        one_hot_columns(["male", "other"], names)
    with pytest.raises(ValueError, match="repeat"):
        one_hot_columns(["a"], ["a", "a"])
    with pytest.raises(TypeError, match="single string"):
        one_hot_columns("male")


@pytest.mark.parametrize("degree", [0, 1, 5])
def test_polynomial_features_are_scaled_powers(degree):
    x = torch.randn(7, dtype=torch.float64)
    phi = polynomial_features(x, degree)
    assert phi.shape == (7, degree + 1)
    for i in range(degree + 1):
        torch.testing.assert_close(phi[:, i], x**i / math.factorial(i))
    assert torch.equal(phi[:, 0], torch.ones(7, dtype=torch.float64))


def test_polynomial_features_reject_bad_arguments():
    with pytest.raises(ValueError, match=r"1-D tensor \(N,\), got \(2, 2\)"):
        polynomial_features(torch.zeros(2, 2), 3)
    with pytest.raises(ValueError, match="degree must be an int >= 0, got -1"):
        polynomial_features(torch.zeros(2), -1)
