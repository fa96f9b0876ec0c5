"""Kaggle's *Titanic - Machine Learning from Disaster*, shipped offline, with its scorer.

Kaggle 的泰坦尼克号入门赛数据随包附带（无需下载），外加一个离线评分器。

The package carries Kaggle's four files in ``dlfs/data/datasets/titanic/`` (rebuilt from the
public "titanic3" passenger list; see the README there): ``train.csv`` (891 passengers with
``Survived``), ``test.csv`` (418 without), ``gender_submission.csv`` (Kaggle's sample
submission: every woman survives) and ``test_labels.csv``, the answer key that Kaggle keeps
hidden and that :func:`score_submission` uses to score a submission the way the public
leaderboard would. / 包里带有 Kaggle 的四个文件；``test_labels.csv`` 是 Kaggle 不公开的答案，
只供 :func:`score_submission` 离线评分。

If you downloaded Kaggle's own ``train.csv`` and ``test.csv`` into ``data/titanic/`` (see
:func:`dlfs.paths.data_dir`), :func:`load_titanic` reads those instead. Every cell is checked;
a bad one is a :class:`~dlfs.data.errors.DataFormatError` naming file, line and column. /
若把 Kaggle 原版文件放进 ``data/titanic/``，就改读它们；格式错误会指出文件、行和列。

>>> train, test = load_titanic()
>>> len(train), len(test), train.columns[:4]
(891, 418, ['PassengerId', 'Survived', 'Pclass', 'Name'])
>>> score_submission(TITANIC_DIR / "gender_submission.csv")
(0.7655502392344498, 320, 418)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from ...i18n import t
from ...paths import data_dir as _user_data_dir
from ..errors import DataFormatError
from ..formats.csv_table import CsvTable, read_csv

__all__ = [
    "SUBMISSION_COLUMNS", "TEST_COLUMNS", "TITANIC_DIR", "TRAIN_COLUMNS", "TitanicTables",
    "load_titanic", "read_titanic_csv", "score_submission", "test_labels",
]

TITANIC_DIR = Path(__file__).resolve().parent / "titanic"
"""The folder of the shipped files. / 随包文件所在的目录。"""

TRAIN_COLUMNS = ["PassengerId", "Survived", "Pclass", "Name", "Sex", "Age", "SibSp", "Parch",
                 "Ticket", "Fare", "Cabin", "Embarked"]
TEST_COLUMNS = [c for c in TRAIN_COLUMNS if c != "Survived"]
SUBMISSION_COLUMNS = ["PassengerId", "Survived"]

# What each checked column may hold: (test, message key describing what is expected).
_INT = (lambda s: s.isdigit(), "library.data.want.whole_number")
_CHECKS = {
    "PassengerId": _INT,
    "Survived": (lambda s: s in ("0", "1"), "library.data.want.zero_or_one"),
    "Pclass": (lambda s: s in ("1", "2", "3"), "library.data.want.pclass"),
    "Sex": (lambda s: s in ("male", "female"), "library.data.want.sex"),
    "SibSp": _INT,
    "Parch": _INT,
    "Embarked": (lambda s: s in ("", "C", "Q", "S"), "library.data.want.embarked"),
}


def _is_number_or_empty(text: str) -> bool:
    if not text:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


for _name in ("Age", "Fare"):
    _CHECKS[_name] = (_is_number_or_empty, "library.data.want.number_or_empty")


class TitanicTables(NamedTuple):
    """``train`` (12 columns) and ``test`` (11 columns) as :class:`CsvTable` objects."""

    train: CsvTable
    test: CsvTable


def read_titanic_csv(path: str | Path, columns: Sequence[str]) -> CsvTable:
    """Read one Kaggle Titanic CSV whose header must be exactly ``columns``.

    读取一个泰坦尼克 CSV，表头必须与 ``columns`` 完全一致，并逐格检查取值。
    """
    table = read_csv(path)
    if table.columns != list(columns):
        raise DataFormatError(table.path, t("library.data.at.header_line"),
                              t("library.data.want.columns", n=len(columns),
                                columns=",".join(columns)), ",".join(table.columns))
    for j, name in enumerate(table.columns):
        if name not in _CHECKS:
            continue
        ok, expected = _CHECKS[name]
        for row, line in zip(table.rows, table.lines):
            if not ok(row[j].strip()):
                raise DataFormatError(table.path, t("library.data.at.cell", line=line,
                                                         column=j + 1, name=name),
                                      t(expected), repr(row[j]))
    ids = table.column("PassengerId")
    seen: dict[str, int] = {}
    for value, line in zip(ids, table.lines):
        if value in seen:
            raise DataFormatError(table.path, t("library.data.at.cell", line=line, column=1,
                                                     name="PassengerId"),
                                  t("library.data.want.new_id"),
                                  t("library.data.got.id_seen", id=value, line=seen[value]))
        seen[value] = line
    return table


def load_titanic(data_dir: str | Path | None = None) -> TitanicTables:
    """Kaggle's ``train.csv`` and ``test.csv`` as checked tables.

    ``data_dir`` names a folder holding both files. Without it, ``data/titanic/`` (under
    :func:`dlfs.paths.data_dir`) is used when it holds them, else the shipped copies.
    依次查找：参数给出的目录、``data/titanic/``、随包文件。
    """
    if data_dir is not None:
        folder = Path(data_dir)
    else:
        user = _user_data_dir() / "titanic"
        present = [(user / n).is_file() for n in ("train.csv", "test.csv")]
        if all(present):
            folder = user
        elif any(present):
            missing = user / ("test.csv" if present[0] else "train.csv")
            raise DataFormatError(missing, t("library.data.at.file"),
                                  t("library.data.want.titanic_pair"),
                                  t("library.data.got.titanic_one"))
        else:
            folder = TITANIC_DIR
    return TitanicTables(read_titanic_csv(folder / "train.csv", TRAIN_COLUMNS),
                         read_titanic_csv(folder / "test.csv", TEST_COLUMNS))


def test_labels() -> dict[int, int]:
    """The hidden answer key: PassengerId -> Survived for the 418 test passengers.

    Kaggle 隐藏的答案：测试集 418 名乘客的 PassengerId -> Survived。
    """
    table = read_titanic_csv(TITANIC_DIR / "test_labels.csv", SUBMISSION_COLUMNS)
    return {int(pid): int(s) for pid, s in table.rows}


test_labels.__test__ = False  # its name starts with "test": keep pytest from collecting it


def _rows_of(source: str | Path | Iterable) -> tuple[Path, list[tuple[str, str]], list[int]]:
    """(path for messages, [(id text, survived text)], [line numbers]) of a submission."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        text = path.read_bytes()
        if not text.strip():
            raise DataFormatError(path, t("library.data.at.line", n=1),
                                  t("library.data.want.submission_header_row"),
                                  t("library.data.got.empty_file"))
        table = read_csv(path)
        if table.columns != SUBMISSION_COLUMNS:
            raise DataFormatError(path, t("library.data.at.header_line"),
                                  t("library.data.want.submission_header"),
                                  ",".join(table.columns))
        if not table.rows:
            raise DataFormatError(path, t("library.data.at.line", n=2),
                                  t("library.data.want.row_per_passenger"),
                                  t("library.data.got.header_only"))
        return path, [(r[0].strip(), r[1].strip()) for r in table.rows], table.lines
    path = Path(t("library.data.submission_rows"))  # "<…>": not a file
    pairs = []
    for k, row in enumerate(source):
        if isinstance(row, dict):
            missing = [c for c in SUBMISSION_COLUMNS if c not in row]
            if missing:
                raise DataFormatError(path, t("library.data.at.row", n=k + 1),
                                      t("library.data.want.submission_keys"),
                                      t("library.data.got.no_key", key=missing[0]))
            row = (row["PassengerId"], row["Survived"])
        if len(row) != 2:
            raise DataFormatError(path, t("library.data.at.row", n=k + 1),
                                  t("library.data.want.two_values"), f"{len(row)}")
        pairs.append((str(row[0]).strip(), str(row[1]).strip()))
    if not pairs:
        raise DataFormatError(path, t("library.data.at.row", n=1),
                              t("library.data.want.row_per_passenger"),
                              t("library.data.got.no_rows"))
    return path, pairs, list(range(1, len(pairs) + 1))


def score_submission(path_or_rows: str | Path | Iterable) -> tuple[float, int, int]:
    """Score a submission as the leaderboard would: ``(accuracy, n_correct, n_total)``.

    ``path_or_rows`` is a CSV file with the header ``PassengerId,Survived``, or rows given as
    ``(PassengerId, Survived)`` pairs or dicts. It must list every one of the 418 test ids
    exactly once with 0 or 1; anything else is a one-line :class:`DataFormatError`.
    按排行榜的方式评分：418 个测试 id 各出现一次、取值 0 或 1，否则报出具体错误。
    """
    labels = test_labels()
    path, pairs, lines = _rows_of(path_or_rows)
    is_file = not str(path).startswith("<")
    cell = "library.data.at.cell" if is_file else "library.data.at.row_cell"

    def place(n: int, column: int, name: str) -> str:
        return t(cell, line=n, column=column, name=name)

    lo, hi = min(labels), max(labels)
    seen: dict[int, int] = {}
    correct = 0
    for (pid_text, value), line in zip(pairs, lines):
        try:
            pid = int(pid_text)
        except ValueError:
            raise DataFormatError(path, place(line, 1, "PassengerId"),
                                  t("library.data.want.int_id"), repr(pid_text)) from None
        if pid not in labels:
            raise DataFormatError(path, place(line, 1, "PassengerId"),
                                  t("library.data.want.test_id", lo=lo, hi=hi), str(pid))
        if pid in seen:
            raise DataFormatError(path, place(line, 1, "PassengerId"),
                                  t("library.data.want.id_once"),
                                  t("library.data.got.id_again", id=pid, first=seen[pid]))
        seen[pid] = line
        if value not in ("0", "1"):
            raise DataFormatError(path, place(line, 2, "Survived"),
                                  t("library.data.want.zero_or_one"), repr(value))
        correct += int(value) == labels[pid]
    if len(seen) != len(labels):
        missing = sorted(set(labels) - set(seen))
        shown = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        raise DataFormatError(path, t("library.data.at.whole_file" if is_file
                                       else "library.data.at.all_rows"),
                              t("library.data.want.all_ids", n=len(labels)),
                              t("library.data.got.ids_missing", n=len(missing), shown=shown))
    return correct / len(labels), correct, len(labels)
