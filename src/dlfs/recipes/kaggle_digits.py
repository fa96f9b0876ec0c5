"""Kaggle's Digit Recognizer end to end: CSVs in, k-fold LeNet-5, ``submission.csv`` out.

The competition ships ``train.csv`` (``label, pixel0 … pixel783``: one 28×28 grey image per
row, values 0…255) and ``test.csv`` (the pixel columns only) and scores a ``submission.csv``
with the header ``ImageId,Label`` and one row per test image, ``ImageId`` counting from 1.

The pipeline (:func:`run_digit_recognizer`):

1. read and validate both CSVs (:func:`read_digits_csv`; a bad cell is reported by line and
   column);
2. k-fold cross-validation: fold ``f`` trains LeNet-5 (ReLU, :func:`dlfs.models.cnn.lenet5`)
   on the other folds and measures accuracy on fold ``f``;
3. the submission **averages the softmax outputs of the k fold models** on ``test.csv``
   (no extra retraining on all data: every image was seen by k-1 of the k models);
4. write ``submission.csv`` (:func:`write_submission`).

Without the real files, :func:`write_standin_csvs` writes scikit-learn's digits (upscaled to
28×28) in the same layout, 80 % as ``train.csv`` and the held-out 20 % as ``test.csv``, so the
very same code path runs offline; the held-out labels are kept to score the submission.

The offline scorer (:func:`score_submission`, ``dlfs train kaggle-digits --score FILE``)
grades a ``submission.csv`` the way the leaderboard does, by accuracy, against the stand-in's
held-out labels (:func:`standin_test_labels`): the 20 % of the embedded digits that
:func:`write_standin_csvs` puts in ``test.csv`` and never in ``train.csv``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import t
from .options import check_fields, flat_values
from .registry import RecipeCommand

if TYPE_CHECKING:
    import numpy as np
    import torch

# numpy, torch and dlfs.data are imported inside the functions: the CSV helpers stay light.

__all__ = ["COMMAND", "QUICK", "STANDIN_SEED", "STANDIN_TEST_FRACTION", "KaggleDigitsRecipe",
           "KaggleDigitsResult", "SubmissionScore", "kfold_indices", "read_digits_csv",
           "read_submission", "run_digit_recognizer", "run_kaggle_digits", "score_submission",
           "standin_test_labels", "write_digits_csv", "write_standin_csvs", "write_submission"]

PIXELS = tuple(f"pixel{i}" for i in range(784))


def write_digits_csv(path: str | Path, images: np.ndarray,
                     labels: np.ndarray | None = None) -> Path:
    """Write images uint8 ``(N, 28, 28)`` (or ``(N, 784)``) in Kaggle's layout.

    With ``labels`` ``(N,)`` the first column is ``label`` (``train.csv``); without, the file
    has the pixel columns only (``test.csv``).
    """
    import numpy as np

    path = Path(path)
    flat = np.asarray(images).reshape(len(images), -1)  # (N, 784)
    if flat.shape[1] != 784:
        raise ValueError(f"images must have 784 pixels each, got {flat.shape[1]}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow((["label"] if labels is not None else []) + list(PIXELS))
        for i, row in enumerate(flat.astype(np.int64).tolist()):
            w.writerow(([int(labels[i])] if labels is not None else []) + row)
    return path


def _bad_cell(table: Any) -> Exception:
    """The first cell that is not a whole number, as an error naming its line and column."""
    from dlfs.data.errors import DataFormatError

    for row, line in zip(table.rows, table.lines, strict=True):
        for j, text in enumerate(row):
            if not text.strip().lstrip("-").isdigit():
                return DataFormatError(table.path, f"line {line}, column {j + 1} "
                                       f"({table.columns[j]!r})", "an integer 0..255",
                                       repr(text))
    return DataFormatError(table.path, "data", "whole numbers")  # not reached


def read_digits_csv(path: str | Path) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Read a Digit Recognizer CSV: x float32 ``(N, 1, 28, 28)`` in [0, 1] and y int64
    ``(N,)`` (``None`` for ``test.csv``, which has no ``label`` column).

    The header must be ``[label,] pixel0 … pixel783``; every pixel an integer 0…255 and
    every label 0…9, else a :class:`~dlfs.data.DataFormatError` names the line and column.
    """
    import numpy as np
    import torch

    from dlfs.data.errors import DataFormatError
    from dlfs.data.formats.csv_table import read_csv

    table = read_csv(path)
    has_label = bool(table.columns) and table.columns[0] == "label"
    j0 = 1 if has_label else 0
    if tuple(table.columns[j0:]) != PIXELS:
        found = ",".join(table.columns[:3]) + f",… ({len(table.columns)} columns)"
        raise DataFormatError(table.path, "line 1 (header)",
                              "[label,] pixel0 … pixel783", found)
    if not table.rows:
        raise DataFormatError(table.path, "line 2", "at least one image row", "none")
    try:
        cells = np.array(table.rows, dtype=np.int64)  # (N, j0 + 784)
    except ValueError:
        raise _bad_cell(table) from None
    bad = np.argwhere((cells[:, j0:] < 0) | (cells[:, j0:] > 255))  # (K, 2) row, pixel
    if len(bad):
        i, j = int(bad[0, 0]), int(bad[0, 1]) + j0
        raise DataFormatError(table.path, f"line {table.lines[i]}, column {j + 1} "
                              f"({table.columns[j]!r})", "an integer 0..255", str(cells[i, j]))
    x = torch.tensor(cells[:, j0:], dtype=torch.float32).view(-1, 1, 28, 28) / 255
    if not has_label:
        return x, None
    y = cells[:, 0]
    wrong = np.flatnonzero((y < 0) | (y > 9))
    if len(wrong):
        raise DataFormatError(table.path, f"line {table.lines[wrong[0]]}, column 1 ('label')",
                              "a digit 0..9", str(y[wrong[0]]))
    return x, torch.tensor(y)


def write_submission(path: str | Path, labels: Sequence[int] | torch.Tensor) -> Path:
    """Write ``ImageId,Label`` rows, ``ImageId`` = 1 … N, ``Label`` the predicted digit."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ImageId", "Label"])
        for i, label in enumerate(torch.as_tensor(labels).tolist(), start=1):
            w.writerow([i, int(label)])
    return path


def read_submission(path: str | Path) -> torch.Tensor:
    """Read and check a submission: header ``ImageId,Label``, ids 1…N in order, labels 0…9.

    Returns the labels int64 ``(N,)``.
    """
    import torch

    from dlfs.data.errors import DataFormatError
    from dlfs.data.formats.csv_table import read_csv

    table = read_csv(path)
    if table.columns != ["ImageId", "Label"]:
        raise DataFormatError(table.path, "line 1 (header)", "ImageId,Label",
                              ",".join(table.columns))
    labels = []
    for i, (row, line) in enumerate(zip(table.rows, table.lines, strict=True), start=1):
        if row[0].strip() != str(i):
            raise DataFormatError(table.path, f"line {line}, column 1 ('ImageId')", str(i),
                                  repr(row[0]))
        if row[1].strip() not in tuple("0123456789"):
            raise DataFormatError(table.path, f"line {line}, column 2 ('Label')",
                                  "a digit 0..9", repr(row[1]))
        labels.append(int(row[1]))
    return torch.tensor(labels, dtype=torch.int64)


#: the stand-in's split: ``test.csv`` holds this share of the embedded digits, drawn by a
#: shuffle with this seed (:func:`dlfs.data.datasets._common.split_indices`)
STANDIN_TEST_FRACTION = 0.2
STANDIN_SEED = 0


def write_standin_csvs(folder: str | Path, test_fraction: float = STANDIN_TEST_FRACTION,
                       seed: int = STANDIN_SEED) -> tuple[Path, Path, torch.Tensor]:
    """scikit-learn digits 28×28 as ``folder/train.csv`` and ``folder/test.csv``.

    Returns both paths and the held-out labels ``(N_test,)`` (``test.csv`` has none). The two
    files share no image row: a model trained on ``train.csv`` never saw these labels.
    """
    import torch

    from dlfs.data.datasets._common import split_indices
    from dlfs.data.datasets.digits import digits_uint8

    images, labels = digits_uint8(28)  # (1797, 28, 28), (1797,)
    tr = split_indices(len(images), "train", test_fraction, seed).numpy()
    te = split_indices(len(images), "test", test_fraction, seed).numpy()
    folder = Path(folder)
    train = write_digits_csv(folder / "train.csv", images[tr], labels[tr])
    test = write_digits_csv(folder / "test.csv", images[te])
    return train, test, torch.tensor(labels[te])


def standin_test_labels() -> torch.Tensor:
    """The labels of the stand-in's ``test.csv`` (default split), row ``i`` = ImageId ``i+1``:
    int64 ``(359,)``. Recomputed from the embedded digits, so no file has to keep them."""
    import torch

    from dlfs.data.datasets._common import split_indices
    from dlfs.data.datasets.digits import digits_uint8

    _, labels = digits_uint8(28)  # (1797,)
    te = split_indices(len(labels), "test", STANDIN_TEST_FRACTION, STANDIN_SEED).numpy()
    return torch.tensor(labels[te])


@dataclass(frozen=True)
class SubmissionScore:
    """What :func:`score_submission` measured: ``n_correct`` of ``n_total`` test images."""

    n_correct: int
    n_total: int

    @property
    def accuracy(self) -> float:
        return self.n_correct / self.n_total


def _list(ids: Sequence[int], most: int = 5) -> str:
    shown = ", ".join(map(str, ids[:most]))
    return shown + (f", … ({len(ids)} in all)" if len(ids) > most else "")


def score_submission(path: str | Path, labels: torch.Tensor) -> SubmissionScore:
    """Score a ``submission.csv`` against the true ``labels`` ``(N,)`` of the test images,
    as the leaderboard does: the share of ImageIds whose Label is right.

    Rows may come in any order, but the header must be ``ImageId,Label``, every ImageId
    1…N must appear exactly once (none missing, none repeated, none outside 1…N) and every
    Label must be a digit 0…9; otherwise a :class:`~dlfs.data.DataFormatError` says what is
    wrong and where (its message is one line).
    """
    from dlfs.data.errors import DataFormatError
    from dlfs.data.formats.csv_table import read_csv

    table = read_csv(path)
    n = len(labels)
    if table.columns != ["ImageId", "Label"]:
        raise DataFormatError(table.path, "line 1 (header)", "ImageId,Label",
                              repr(",".join(table.columns)))
    predicted: dict[int, int] = {}
    first_line: dict[int, int] = {}
    for row, line in zip(table.rows, table.lines, strict=True):
        text = row[0].strip()
        if not (text.isdigit() and 1 <= int(text) <= n):
            raise DataFormatError(table.path, f"line {line}, column 1 ('ImageId')",
                                  f"an ImageId 1..{n} (the test set has {n} images)",
                                  f"unknown id {text!r}")
        image_id = int(text)
        if image_id in predicted:
            raise DataFormatError(table.path, f"line {line}, column 1 ('ImageId')",
                                  "each ImageId once", f"duplicate id {image_id} (first on "
                                  f"line {first_line[image_id]})")
        label = row[1].strip()
        if label not in tuple("0123456789"):
            raise DataFormatError(table.path, f"line {line}, column 2 ('Label')",
                                  "a digit 0..9", repr(row[1]))
        predicted[image_id], first_line[image_id] = int(label), line
    missing = [i for i in range(1, n + 1) if i not in predicted]
    if missing:
        raise DataFormatError(table.path, "rows", f"one row for each ImageId 1..{n}",
                              f"missing ids {_list(missing)}")
    truth = labels.tolist()
    correct = sum(predicted[i + 1] == int(truth[i]) for i in range(n))
    return SubmissionScore(correct, n)


def kfold_indices(n: int, k: int, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``k`` (train, validation) index pairs: a seeded shuffle of 0…n-1 cut into k folds.

    >>> [(len(a), len(b)) for a, b in kfold_indices(10, 3)]
    [(6, 4), (7, 3), (7, 3)]
    """
    import torch

    if not 2 <= k <= n:
        raise ValueError(f"k-fold needs 2 <= k <= n, got k={k}, n={n}")
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    folds = torch.tensor_split(order, k)
    return [(torch.cat([f for j, f in enumerate(folds) if j != i]), folds[i])
            for i in range(k)]


@dataclass
class KaggleDigitsResult:
    """Outcome of :func:`run_digit_recognizer`."""

    fold_accuracies: list[float]
    submission: Path
    n_train: int
    n_test: int
    test_accuracy: float | None = None   # only when the test labels are known (stand-in)
    predictions: Any = None              # predicted labels int64 (M,)

    @property
    def mean_accuracy(self) -> float:
        return sum(self.fold_accuracies) / len(self.fold_accuracies)


@dataclass(frozen=True)
class KaggleDigitsRecipe:
    """One Digit Recognizer run (defaults: 5 folds of 10 epochs on every row)."""

    data: str | None = field(default=None, metadata={
        "help": "folder with Kaggle's train.csv and test.csv (default: data/digit-recognizer "
                "when both are there, else the offline stand-in)",
        "help_zh": "存放 Kaggle 的 train.csv 和 test.csv 的文件夹（默认：两者都在时用 "
                   "data/digit-recognizer，否则用离线替代数据）", "metavar": "DIR",
        "path": "in-dir"})
    folds: int = field(default=5, metadata={"help": "k of k-fold cross-validation",
                                            "help_zh": "k 折交叉验证的 k"})
    epochs: int = field(default=10, metadata={"help": "epochs per fold",
                                              "help_zh": "每折的训练轮数"})
    max_train: int | None = field(default=None, metadata={"min": 2,
        "help": "use only the first N rows of train.csv (default: all)",
        "help_zh": "只使用 train.csv 的前 N 行（默认：全部）"})
    lr: float = field(default=3e-3, metadata={
        "help": "peak learning rate of the one-cycle schedule (AdamW)",
        "help_zh": "单周期（one-cycle）调度的峰值学习率（AdamW）", "above": 0})
    seed: int = field(default=0, metadata={"help": "seed of the folds and of the training",
                                           "help_zh": "折划分和训练的随机种子",
                                           "min": 0, "below": 2**32})
    threads: int = field(default=2, metadata={"help": "torch CPU threads",
                                              "help_zh": "torch 的 CPU 线程数", "min": 1,
                                              "max": 256})
    out_dir: str = field(default="runs/kaggle-digits", metadata={
        "help": "run directory (submission.csv; the stand-in's CSVs in data/)",
        "help_zh": "运行目录（submission.csv；替代数据的 CSV 在 `data/` 下）",
        "aliases": ("--out",), "metavar": "DIR", "path": "out-dir"})
    score: str | None = field(default=None, metadata={
        "help": "do not train: score this submission.csv (ImageId,Label) on the offline "
                "stand-in's held-out labels, the 20 % of the digits in its test.csv and never "
                "in its train.csv; prints the accuracy and correct/total",
        "help_zh": "不训练：用离线替代数据的留出标签为这个 submission.csv（`Imag"
                   "eId,Label`）评分，这些标签属于只在其 test.csv 中、从不在其 "
                   "train.csv 中出现的那 20 % 数字；打印准确率和“正确数/总数”",
        "metavar": "FILE", "path": "in-file"})

    def __post_init__(self) -> None:
        check_fields(self)
        if self.folds < 2 or self.epochs < 1 or self.threads < 1:
            raise ValueError(t("recipes.kaggle_digits.counts", folds=self.folds,
                               epochs=self.epochs, threads=self.threads))
        if self.max_train is not None and self.max_train < self.folds:
            raise ValueError(t("recipes.kaggle_digits.max_train", folds=self.folds,
                               max_train=self.max_train))


#: `--quick`: a seconds-long run (what the tests use)
QUICK = {"folds": 2, "epochs": 4, "max_train": 600, "threads": 1}


def run_digit_recognizer(recipe: KaggleDigitsRecipe, train_csv: str | Path,
                         test_csv: str | Path, *, test_labels: torch.Tensor | None = None,
                         report: Callable[[int, float], None] | None = None,
                         log: bool = False, callbacks: Sequence[Any] = ()
                         ) -> KaggleDigitsResult:
    """k-fold LeNet-5 on ``train_csv``; the fold models' averaged softmax labels
    ``test_csv``; ``<out_dir>/submission.csv`` is written. ``report(fold, accuracy)`` is
    called after each fold; ``recipe.max_train`` keeps only the first rows (quick runs).
    ``log``: each fold's training, validated on its held-out fold after every epoch, is
    logged to TensorBoard and ``curves.png`` in ``<out_dir>/fold-<k>``; ``callbacks`` go to
    every fold's ``fit``."""
    import torch

    from dlfs.models.cnn import lenet5

    from ..metrics import accuracy
    from .vision import predict_logits, train_classifier

    x, y = read_digits_csv(train_csv)   # (N, 1, 28, 28), (N,)
    x_test, _ = read_digits_csv(test_csv)  # (M, 1, 28, 28)
    assert y is not None
    x, y = x[:recipe.max_train], y[:recipe.max_train]
    folds, seed = recipe.folds, recipe.seed
    if len(x) < folds:
        from dlfs.data.errors import DataFormatError

        raise DataFormatError(train_csv, "rows", f"at least {folds} images for --folds "
                              f"{folds}", str(len(x)))
    probs = torch.zeros(len(x_test), 10)  # (M, 10)
    accs = []
    for f, (tr, va) in enumerate(kfold_indices(len(x), folds, seed)):
        torch.manual_seed(seed + f)
        logging = {"val": (x[va], y[va]), "log_to": Path(recipe.out_dir) / f"fold-{f + 1}",
                   "hparams": flat_values(recipe),
                   "title": f"dlfs train kaggle-digits, fold {f + 1}"} if log else {}
        model = train_classifier(lenet5(10, activation="relu"), x[tr], y[tr],
                                 epochs=recipe.epochs, batch_size=32, lr=recipe.lr,
                                 seed=seed + f, callbacks=callbacks, **logging)
        accs.append(accuracy(predict_logits(model, x[va]), y[va]))
        probs += predict_logits(model, x_test).softmax(1) / folds
        if report is not None:
            report(f, accs[-1])
    pred = probs.argmax(1)  # (M,)
    path = write_submission(Path(recipe.out_dir) / "submission.csv", pred)
    test_acc = None
    if test_labels is not None:
        test_acc = (pred == test_labels).float().mean().item()
    return KaggleDigitsResult(accs, path, len(x), len(x_test), test_acc, pred)


# --- the command line: `dlfs train kaggle-digits` (calls the functions above, prints) ---

def _data_files(recipe: KaggleDigitsRecipe) -> tuple[Path, Path, torch.Tensor | None, str]:
    """train.csv, test.csv, held-out labels (stand-in only) and a line saying which data."""
    from dlfs.errors import DlfsError
    from dlfs.paths import data_dir

    if recipe.data is not None:
        folder = Path(recipe.data)
        missing = [n for n in ("train.csv", "test.csv") if not (folder / n).is_file()]
        if missing:
            raise DlfsError(t("recipes.kaggle_digits.missing", folder=folder,
                              missing=t("recipes.word.and").join(missing)))
        return (folder / "train.csv", folder / "test.csv", None,
                t("recipes.kaggle_digits.data", folder=folder))
    real = data_dir() / "digit-recognizer"
    if (real / "train.csv").is_file() and (real / "test.csv").is_file():
        return (real / "train.csv", real / "test.csv", None,
                t("recipes.kaggle_digits.data", folder=real))
    train, test, labels = write_standin_csvs(Path(recipe.out_dir) / "data")
    return train, test, labels, t("recipes.kaggle_digits.standin", real=real,
                                  folder=train.parent)


def run_kaggle_digits(recipe: KaggleDigitsRecipe, quick: bool = False) -> int:
    """`dlfs train kaggle-digits`: the whole pipeline with progress lines, on
    ``recipe.threads`` torch threads (the caller's thread count is restored afterwards)."""
    import torch

    if recipe.score is not None:
        return _score_and_report(recipe)
    threads = torch.get_num_threads()
    torch.set_num_threads(recipe.threads)
    try:
        return _run_and_report(recipe, quick)
    finally:
        torch.set_num_threads(threads)


def _score_and_report(recipe: KaggleDigitsRecipe) -> int:
    """`dlfs train kaggle-digits --score FILE`: grade a submission, train nothing."""
    from dlfs.errors import DlfsError

    if recipe.data is not None:
        raise DlfsError(t("recipes.kaggle_digits.secret", data=recipe.data))
    score = score_submission(recipe.score, standin_test_labels())
    print(f"dlfs train kaggle-digits --score {recipe.score}")
    print(t("recipes.kaggle_digits.held_out", fraction=STANDIN_TEST_FRACTION,
            seed=STANDIN_SEED))
    print(t("recipes.score", accuracy=score.accuracy, correct=score.n_correct,
            total=score.n_total))
    return 0


def _run_and_report(recipe: KaggleDigitsRecipe, quick: bool) -> int:
    from dlfs.train import PrintCurves

    train, test, labels, line = _data_files(recipe)
    print("dlfs train kaggle-digits" + (t("recipes.quick") if quick else ""))
    print(line, flush=True)
    print(t("recipes.kaggle_digits.model", folds=recipe.folds, epochs=recipe.epochs),
          flush=True)
    result = run_digit_recognizer(
        recipe, train, test, test_labels=labels, log=True, callbacks=[PrintCurves()],
        report=lambda f, a: print(t("recipes.fold", fold=f + 1, folds=recipe.folds,
                                    accuracy=a), flush=True))
    print(t("recipes.kaggle_digits.cv", mean=result.mean_accuracy,
            folds=", ".join(f"{a:.2%}" for a in result.fold_accuracies), n=result.n_train))
    if result.test_accuracy is not None:
        print(t("recipes.kaggle_digits.standin_score", accuracy=result.test_accuracy,
                n=result.n_test))
    print(t("recipes.wrote_submission", path=result.submission, n=result.n_test,
            header="ImageId,Label"))
    return 0


#: `dlfs train kaggle-digits` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(KaggleDigitsRecipe, QUICK, run_kaggle_digits)
