"""The shipped Kaggle Titanic files, their loader and the offline leaderboard scorer."""

from __future__ import annotations

import csv
import hashlib
import shutil

import pytest

from dlfs.data.datasets import load_titanic, score_submission
from dlfs.data.datasets.titanic import (
    TEST_COLUMNS,
    TITANIC_DIR,
    TRAIN_COLUMNS,
    test_labels,
)
from dlfs.data.errors import DataFormatError

CHECKSUMS = {
    "train.csv": "4a437fde05fe5264e1701a7387ac6fb75393772ba38bb2c9c566405af5af4bd7",
    "test.csv": "5c830f171f8f4a1d43eb4ed17e9886b83e656b4de8d61954f4250f23a644cd01",
    "gender_submission.csv": "af6609cdf1dad0b699bd3414c13e999b2c2f651972f0938254a835985d584306",
    "test_labels.csv": "a2a22b5d240612a4eb4b1508110522250f193677748c32454c0f6914f3cc280e",
}


def _rows(name):
    with open(TITANIC_DIR / name, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _labels_lines():
    return [",".join(r) for r in _rows("test_labels.csv")]


# --- the files ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CHECKSUMS))
def test_checksums(name):
    assert hashlib.sha256((TITANIC_DIR / name).read_bytes()).hexdigest() == CHECKSUMS[name]


def test_shapes_columns_and_ids():
    train, test = _rows("train.csv"), _rows("test.csv")
    assert train[0] == TRAIN_COLUMNS and test[0] == TEST_COLUMNS
    assert len(train) - 1 == 891 and {len(r) for r in train} == {12}
    assert len(test) - 1 == 418 and {len(r) for r in test} == {11}
    assert [int(r[0]) for r in train[1:]] == list(range(1, 892))
    assert [int(r[0]) for r in test[1:]] == list(range(892, 1310))
    for name in ("gender_submission.csv", "test_labels.csv"):
        rows = _rows(name)
        assert rows[0] == ["PassengerId", "Survived"]
        assert [int(r[0]) for r in rows[1:]] == list(range(892, 1310))
        assert {r[1] for r in rows[1:]} == {"0", "1"}


def test_known_rows_match_kaggle():
    train, test = _rows("train.csv"), _rows("test.csv")
    assert train[1] == ["1", "0", "3", "Braund, Mr. Owen Harris", "male", "22", "1", "0",
                        "A/5 21171", "7.25", "", "S"]
    assert train[891][3] == "Dooley, Mr. Patrick"
    assert test[1] == ["892", "3", "Kelly, Mr. James", "male", "34.5", "0", "0", "330911",
                       "7.8292", "", "Q"]
    assert test[418][2] == "Peter, Master. Michael J"


def test_titanic3_facts_across_train_test_and_labels():
    train, test = _rows("train.csv")[1:], _rows("test.csv")[1:]
    labels = test_labels()
    survived = sum(int(r[1]) for r in train) + sum(labels.values())
    assert (sum(int(r[1]) for r in train), survived) == (342, 500)
    # test rows without Survived, aligned to train's columns
    everyone = [r[:1] + r[2:] for r in train] + test
    col = {name: k for k, name in enumerate(TEST_COLUMNS)}

    def missing(name):
        return sum(r[col[name]] == "" for r in everyone)

    assert (missing("Age"), missing("Cabin"), missing("Embarked"), missing("Fare")) == \
        (263, 1014, 2, 1)
    classes = [sum(r[col["Pclass"]] == c for r in everyone) for c in "123"]
    assert classes == [323, 277, 709]
    assert len({r[col["Name"]] + r[col["Ticket"]] for r in everyone}) == 1309


def test_gender_baseline_scores_like_the_leaderboard():
    accuracy, right, total = score_submission(TITANIC_DIR / "gender_submission.csv")
    assert (right, total) == (320, 418)
    assert round(accuracy, 5) == 0.76555


def test_perfect_submission_and_rows_input():
    assert score_submission(TITANIC_DIR / "test_labels.csv") == (1.0, 418, 418)
    labels = test_labels()
    assert score_submission(list(labels.items())) == (1.0, 418, 418)
    dicts = [{"PassengerId": k, "Survived": 1 - v} for k, v in labels.items()]
    assert score_submission(dicts) == (0.0, 0, 418)


# --- the scorer refuses malformed submissions -----------------------------------------------

def _bad(lines, tmp_path):
    return _write(tmp_path / "submission.csv", lines)


@pytest.mark.parametrize("case, match", [
    ("empty", "empty file"),
    ("header", "header PassengerId,Survived"),
    ("columns", "expected 2 fields"),
    ("no_rows", "no rows"),
    ("missing", "418 test PassengerIds, found 1 missing \\(1309\\)"),
    ("duplicate", "line 4, column 1 .*each PassengerId once, found 892 again"),
    ("unknown", "line 3, column 1 .*test-set PassengerId \\(892..1309\\), found 5"),
    ("value", "line 3, column 2 \\('Survived'\\): expected 0 or 1, found '2'"),
    ("float_value", "expected 0 or 1, found '1.0'"),
    ("non_integer", "line 3, column 1 .*integer PassengerId, found 'abc'"),
])
def test_scorer_errors(case, match, tmp_path):
    lines = _labels_lines()
    if case == "empty":
        lines = []
    elif case == "header":
        lines[0] = "Id,Label"
    elif case == "columns":
        lines[5] = lines[5] + ",1"
    elif case == "no_rows":
        lines = lines[:1]
    elif case == "missing":
        lines = lines[:-1]
    elif case == "duplicate":
        lines[3] = lines[1]
    elif case == "unknown":
        lines[2] = "5,0"
    elif case == "value":
        lines[2] = lines[2][:-1] + "2"
    elif case == "float_value":
        lines[2] = lines[2][:-1] + "1.0"
    elif case == "non_integer":
        lines[2] = "abc,1"
    path = _bad(lines, tmp_path)
    with pytest.raises(DataFormatError, match=match) as info:
        score_submission(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(path))


def test_scorer_errors_for_rows():
    with pytest.raises(DataFormatError, match="no rows"):
        score_submission([])
    with pytest.raises(DataFormatError, match="row 1: expected 2 values"):
        score_submission([(892, 1, 0)])
    with pytest.raises(DataFormatError, match="row 1: expected keys .* found no Survived"):
        score_submission([{"PassengerId": 892}])


# --- the loader and the data/titanic override ------------------------------------------------

def test_load_shipped_files():
    train, test = load_titanic()
    assert train.path.parent == TITANIC_DIR
    assert (len(train), len(test)) == (891, 418)
    assert train.columns == TRAIN_COLUMNS and test.columns == TEST_COLUMNS
    assert train.numeric("Survived").sum() == 342


def _user_copy(tmp_path, train_lines=None):
    folder = tmp_path / "data" / "titanic"  # conftest points DLFS_DATA_DIR at tmp_path/data
    folder.mkdir(parents=True)
    shutil.copy(TITANIC_DIR / "test.csv", folder / "test.csv")
    lines = train_lines or [",".join(f'"{c}"' if "," in c or '"' in c else c for c in r)
                            for r in _rows("train.csv")[:11]]
    return _write(folder / "train.csv", lines)


def test_user_files_in_data_titanic_are_used(tmp_path):
    path = _user_copy(tmp_path)
    train, test = load_titanic()
    assert train.path == path and len(train) == 10 and len(test) == 418
    assert load_titanic(data_dir=TITANIC_DIR).train.path.parent == TITANIC_DIR


def test_user_file_bad_cell_names_file_line_column(tmp_path):
    lines = [",".join(f'"{c}"' if "," in c or '"' in c else c for c in r)
             for r in _rows("train.csv")[:6]]
    lines[5] = lines[5].replace(",male,", ",mail,", 1)
    path = _user_copy(tmp_path, lines)
    with pytest.raises(DataFormatError) as info:
        load_titanic()
    assert str(info.value) == (f"{path}: line 6, column 5 ('Sex'): expected 'male' or 'female', "
                               "found 'mail'")


def test_user_file_wrong_columns(tmp_path):
    lines = [",".join(TRAIN_COLUMNS[:-1]), "1,0,3,\"A, Mr. B\",male,22,1,0,T,7.25,"]
    path = _user_copy(tmp_path, lines)
    with pytest.raises(DataFormatError, match="line 1 \\(header\\): expected the 12 columns"):
        load_titanic()
    assert path.exists()


def test_user_folder_with_one_file_only(tmp_path):
    folder = tmp_path / "data" / "titanic"
    folder.mkdir(parents=True)
    shutil.copy(TITANIC_DIR / "train.csv", folder / "train.csv")
    with pytest.raises(DataFormatError, match="test.csv: file: expected train.csv and test.csv"):
        load_titanic()
