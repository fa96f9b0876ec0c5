"""Kaggle Digit Recognizer pipeline: CSV reader/writer, errors, submission format, CLI."""

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from dlfs.cli import main
from dlfs.data import DataFormatError
from dlfs.recipes.kaggle_digits import (
    PIXELS,
    kfold_indices,
    read_digits_csv,
    read_submission,
    score_submission,
    standin_test_labels,
    write_digits_csv,
    write_standin_csvs,
    write_submission,
)


def _images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), rng.integers(0, 10, n)


def _write_rows(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.mark.parametrize("n", [1, 7])
def test_round_trip_train_and_test(tmp_path: Path, n: int) -> None:
    images, labels = _images(n)
    x, y = read_digits_csv(write_digits_csv(tmp_path / "train.csv", images, labels))
    assert x.shape == (n, 1, 28, 28) and x.dtype == torch.float32
    assert torch.equal((x[:, 0] * 255).round().to(torch.uint8), torch.from_numpy(images))
    assert y is not None and y.tolist() == labels.tolist()
    x2, y2 = read_digits_csv(write_digits_csv(tmp_path / "test.csv", images))
    assert y2 is None and torch.equal(x2, x)
    header = (tmp_path / "test.csv").read_text().splitlines()[0].split(",")
    assert header == list(PIXELS)


def _bad_file(tmp_path: Path, row: int, col: int, value: str) -> Path:
    images, labels = _images(4)
    rows = [[int(labels[i])] + images[i].ravel().tolist() for i in range(4)]
    rows[row][col] = value
    return _write_rows(tmp_path / "train.csv", ["label", *PIXELS], rows)


@pytest.mark.parametrize(("row", "col", "value", "where"), [
    (2, 5, "abc", "line 4, column 6 ('pixel4')"),
    (0, 784, "256", "line 2, column 785 ('pixel783')"),
    (3, 1, "-1", "line 5, column 2 ('pixel0')"),
    (1, 0, "12", "line 3, column 1 ('label')"),
    (1, 0, "", "line 3, column 1 ('label')"),
])
def test_malformed_cell_names_line_and_column(tmp_path: Path, row: int, col: int, value: str,
                                              where: str) -> None:
    with pytest.raises(DataFormatError) as info:
        read_digits_csv(_bad_file(tmp_path, row, col, value))
    assert where in str(info.value)


def test_malformed_header_and_ragged_row(tmp_path: Path) -> None:
    path = _write_rows(tmp_path / "a.csv", ["label", *PIXELS[:-1]], [[0] * 784])
    with pytest.raises(DataFormatError, match="line 1"):
        read_digits_csv(path)
    path = _write_rows(tmp_path / "b.csv", ["label", *PIXELS], [[0] * 785, [0] * 700])
    with pytest.raises(DataFormatError, match="line 3"):
        read_digits_csv(path)


def test_submission_format(tmp_path: Path) -> None:
    labels = torch.tensor([3, 0, 9, 9, 1])
    path = write_submission(tmp_path / "submission.csv", labels)
    lines = path.read_text().splitlines()
    assert lines[0] == "ImageId,Label" and lines[1:3] == ["1,3", "2,0"] and len(lines) == 6
    assert torch.equal(read_submission(path), labels)
    _write_rows(path, ["ImageId", "Label"], [[1, 3], [3, 4]])
    with pytest.raises(DataFormatError, match="line 3, column 1"):
        read_submission(path)
    _write_rows(path, ["ImageId", "Label"], [[1, 10]])
    with pytest.raises(DataFormatError, match="line 2, column 2"):
        read_submission(path)


def test_kfold_partitions() -> None:
    for n, k in ((10, 3), (11, 2), (5, 5)):
        folds = kfold_indices(n, k)
        val = torch.cat([v for _, v in folds])
        assert sorted(val.tolist()) == list(range(n))
        for tr, va in folds:
            assert not set(tr.tolist()) & set(va.tolist()) and len(tr) + len(va) == n
    with pytest.raises(ValueError):
        kfold_indices(3, 1)


def _check_submission(path: Path, rows: int) -> None:
    lines = path.read_text().splitlines()
    assert lines[0] == "ImageId,Label" and len(lines) == rows + 1
    ids = [int(line.split(",")[0]) for line in lines[1:]]
    assert ids == list(range(1, rows + 1))
    assert all(line.split(",")[1] in tuple("0123456789") for line in lines[1:])


def test_cli_quick_standin_end_to_end(tmp_path: Path, capsys) -> None:
    assert main(["train", "kaggle-digits", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "stand-in" in out and "fold 2/2" in out and "mean accuracy" in out
    assert (tmp_path / "data" / "train.csv").is_file()
    _check_submission(tmp_path / "submission.csv", 359)
    # held-out 20 % of 1797; even the quick run beats chance by far
    score = float(out.split("submission scores ")[1].split("%")[0])
    assert score > 40, out
    for fold in ("fold-1", "fold-2"):              # each fold's curves, validated on its fold
        assert f"curves: {tmp_path / fold / 'curves.png'}" in out
        assert list((tmp_path / fold / "tensorboard").glob("events.out.tfevents.*"))


def test_cli_on_given_csvs(tmp_path: Path, capsys) -> None:
    images, labels = _images(30, seed=1)
    write_digits_csv(tmp_path / "in" / "train.csv", images, labels)
    write_digits_csv(tmp_path / "in" / "test.csv", images[:7])
    argv = ["train", "kaggle-digits", "--data", str(tmp_path / "in"), "--folds", "3", "--epochs",
            "1", "--out", str(tmp_path / "run"), "--threads", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "fold 3/3" in out and "stand-in" not in out
    _check_submission(tmp_path / "run" / "submission.csv", 7)


def test_cli_missing_data_is_a_clear_error(tmp_path: Path, capsys) -> None:
    assert main(["train", "kaggle-digits", "--data", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "missing train.csv and test.csv" in capsys.readouterr().err
    assert torch.get_num_threads() == 1        # its 2 threads were given back (conftest: 1)
    assert main(["train", "kaggle-digits", "--folds", "1", "--out", str(tmp_path)]) == 2
    assert "need folds >= 2, epochs >= 1, threads >= 1; got 1, 10, 2" in capsys.readouterr().err


# --- the offline scorer: `dlfs train kaggle-digits --score FILE` ---

def test_standin_labels_are_held_out(tmp_path: Path) -> None:
    """The scorer's labels are exactly test.csv's, and no test image is in train.csv."""
    from dlfs.data.datasets._common import split_indices
    from dlfs.recipes.kaggle_digits import STANDIN_SEED, STANDIN_TEST_FRACTION

    train, test, labels = write_standin_csvs(tmp_path)
    assert torch.equal(standin_test_labels(), labels) and len(labels) == 359
    tr = split_indices(1797, "train", STANDIN_TEST_FRACTION, STANDIN_SEED)
    te = split_indices(1797, "test", STANDIN_TEST_FRACTION, STANDIN_SEED)
    assert not set(tr.tolist()) & set(te.tolist()) and len(tr) + len(te) == 1797
    x, _ = read_digits_csv(train)
    x_test, _ = read_digits_csv(test)
    assert (len(x), len(x_test)) == (len(tr), len(te))


def test_score_counts_correct_rows_in_any_order(tmp_path: Path) -> None:
    labels = torch.tensor([3, 0, 9, 9, 1])
    path = _write_rows(tmp_path / "s.csv", ["ImageId", "Label"],
                       [[5, 1], [2, 0], [1, 3], [4, 2], [3, 7]])
    score = score_submission(path, labels)
    assert (score.n_correct, score.n_total) == (3, 5) and score.accuracy == 0.6
    perfect = score_submission(write_submission(tmp_path / "p.csv", labels), labels)
    assert perfect.accuracy == 1.0


@pytest.mark.parametrize(("header", "rows", "message"), [
    (["ImageId", "Prediction"], [[1, 3]],
     "line 1 (header): expected ImageId,Label, found 'ImageId,Prediction'"),
    (["Label", "ImageId"], [[3, 1]], "expected ImageId,Label"),
    (["ImageId", "Label"], [[1, 3], [2, 0], [7, 9]],
     "line 4, column 1 ('ImageId'): expected an ImageId 1..3 (the test set has 3 images), "
     "found unknown id '7'"),
    (["ImageId", "Label"], [[1, 3], [0, 0]], "found unknown id '0'"),
    (["ImageId", "Label"], [[1, 3], ["x", 0]], "found unknown id 'x'"),
    (["ImageId", "Label"], [[1, 3], [2, 0], [1, 4]],
     "line 4, column 1 ('ImageId'): expected each ImageId once, found duplicate id 1 "
     "(first on line 2)"),
    (["ImageId", "Label"], [[1, 3]],
     "rows: expected one row for each ImageId 1..3, found missing ids 2, 3"),
    (["ImageId", "Label"], [[1, 3], [2, 10], [3, 0]],
     "line 3, column 2 ('Label'): expected a digit 0..9, found '10'"),
    (["ImageId", "Label"], [[1, 3], [2, -1], [3, 0]], "found '-1'"),
    (["ImageId", "Label"], [[1, 3], [2, 0], [3, ""]], "line 4, column 2 ('Label')"),
])
def test_malformed_submission_is_one_line_naming_the_problem(
        tmp_path: Path, header: list[str], rows: list[list[object]], message: str) -> None:
    path = _write_rows(tmp_path / "s.csv", header, rows)
    with pytest.raises(DataFormatError) as info:
        score_submission(path, torch.tensor([3, 0, 9]))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_many_missing_ids_are_summarised(tmp_path: Path) -> None:
    path = _write_rows(tmp_path / "s.csv", ["ImageId", "Label"], [[1, 0]])
    with pytest.raises(DataFormatError, match=r"missing ids 2, 3, 4, 5, 6, … \(99 in all\)"):
        score_submission(path, torch.zeros(100, dtype=torch.int64))


def test_cli_score(tmp_path: Path, capsys) -> None:
    labels = standin_test_labels()
    wrong = labels.clone()
    wrong[:10] = (wrong[:10] + 1) % 10
    path = write_submission(tmp_path / "submission.csv", wrong)
    assert main(["train", "kaggle-digits", "--score", str(path)]) == 0
    out = capsys.readouterr().out
    assert "score 0.97214 (349/359)" in out and "held-out" in out
    assert main(["train", "kaggle-digits", "--score", str(path), "--out",
                 str(tmp_path / "run")]) == 0
    assert not (tmp_path / "run").exists()   # scoring trains and writes nothing


def test_cli_score_errors_are_one_line(tmp_path: Path, capsys) -> None:
    path = _write_rows(tmp_path / "s.csv", ["ImageId", "Label"], [[1, 3], [1, 3]])
    assert main(["train", "kaggle-digits", "--score", str(path)]) == 2
    err = capsys.readouterr().err
    assert "duplicate id 1 (first on line 2)" in err and err.count("\n") == 1
    assert main(["train", "kaggle-digits", "--score", str(tmp_path / "none.csv")]) == 2
    assert "--score" in capsys.readouterr().err
    assert main(["train", "kaggle-digits", "--score", str(path), "--data", str(tmp_path)]) == 2
    assert "only the offline stand-in" in capsys.readouterr().err
