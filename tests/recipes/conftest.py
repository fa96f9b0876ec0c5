"""Shared inputs of the recipe tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    """Small inputs for every recipe: a ~3,500-character text, the digits as MNIST IDX
    files, and as Kaggle CSVs (60 labelled training rows, 10 test rows)."""
    from dlfs.data.datasets.digits import digits_uint8
    from dlfs.recipes.kaggle_digits import write_digits_csv
    from dlfs.recipes.mnist import write_digits_idx

    root = tmp_path_factory.mktemp("recipe-inputs")
    (root / "text.txt").write_text("The cat sat on the mat. A dog ran after it.\n" * 80)
    write_digits_idx(root / "mnist")
    images, labels = digits_uint8(28)
    write_digits_csv(root / "kaggle" / "train.csv", images[:60], labels[:60])
    write_digits_csv(root / "kaggle" / "test.csv", images[60:70])
    return root
