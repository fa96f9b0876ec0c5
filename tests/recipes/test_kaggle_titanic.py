"""Kaggle Titanic pipeline: every engineered feature on hand-made rows, no leakage from the
validation rows, stratified folds, the models, the submission and `dlfs train kaggle-titanic`.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from dlfs.cli import main
from dlfs.recipes.titanic import (
    AgeImputer,
    KaggleTitanicRecipe,
    LogisticRegression,
    TabularMLP,
    TitanicFeatures,
    cross_validate,
    deck_of,
    family_size,
    fare_per_person,
    is_alone,
    stratified_folds,
    titanic_rows,
    title_of,
    train_binary,
    write_submission,
)

COLUMNS = ["PassengerId", "Survived", "Pclass", "Name", "Sex", "Age", "SibSp", "Parch",
           "Ticket", "Fare", "Cabin", "Embarked"]


def row(pid: int = 1, name: str = "Doe, Mr. John", pclass: int = 3, sex: str = "male",
        age: str = "30", sibsp: int = 0, parch: int = 0, fare: str = "8.05", cabin: str = "",
        embarked: str = "S", survived: int = 0) -> dict[str, str]:
    return {"PassengerId": str(pid), "Survived": str(survived), "Pclass": str(pclass),
            "Name": name, "Sex": sex, "Age": age, "SibSp": str(sibsp), "Parch": str(parch),
            "Ticket": "A/5 21171", "Fare": fare, "Cabin": cabin, "Embarked": embarked}


@pytest.mark.parametrize("name, title", [
    ("Braund, Mr. Owen Harris", "Mr"),
    ("Cumings, Mrs. John Bradley (Florence Briggs Thayer)", "Mrs"),
    ("Heikkinen, Miss. Laina", "Miss"),
    ("Palsson, Master. Gosta Leonard", "Master"),
    ("Aubart, Mme. Leontine Pauline", "Mrs"),
    ("Sagesser, Mlle. Emma", "Miss"),
    ("Reynaldo, Ms. Encarnacion", "Miss"),
    ("Uruchurtu, Don. Manuel E", "Rare"),
    ("Byles, Rev. Thomas Roussel Davids", "Rare"),
    ("Rothes, the Countess. of (Lucy Noel Martha Dyer-Edwards)", "Rare"),
    ("no title at all", "Rare"),
])
def test_title_from_the_name(name, title):
    assert title_of(name) == title


def test_family_size_alone_deck_fare_per_person():
    assert family_size(row(sibsp=1, parch=2)) == 4 and not is_alone(row(sibsp=1, parch=2))
    assert family_size(row()) == 1 and is_alone(row())
    assert [deck_of(c) for c in ("C85", "F G73", "", "T", " e10")] == ["C", "F", "U", "U", "E"]
    assert fare_per_person(40.0, 4) == 10.0 and fare_per_person(7.0, 0) == 7.0


def test_feature_columns_of_a_hand_made_row():
    rows = [row(1, "A, Mrs. B", 1, "female", "38", 1, 0, "71.2833", "C85", "C", 1),
            row(2, "C, Mr. D", 3, "male", "", 0, 0, "", "", "", 0),
            row(3, "E, Master. F", 3, "male", "4", 3, 1, "30", "", "Q", 0),
            row(4, "G, Mr. H", 3, "male", "20", 0, 0, "6", "", "S", 0),
            row(5, "I, Mr. J", 2, "male", "50", 0, 0, "13", "", "S", 0)]
    feats = TitanicFeatures().fit(rows)
    a = feats.columns(rows[0])
    assert a["female"] == 1 and a["class_1"] == 1 and a["class_2"] == 0 and a["age"] == 38
    assert a["title_Mrs"] == 1 and a["family_size"] == 2 and a["alone"] == 0
    assert a["deck_C"] == 1 and a["port_C"] == 1 and a["log_fare"] == pytest.approx(
        math.log1p(71.2833)) and a["log_fare_pp"] == pytest.approx(math.log1p(71.2833 / 2))
    b = feats.columns(rows[1])
    assert b["age_missing"] == 1 and b["age"] == 20.0        # the Mr of class 3 who has one
    assert b["deck_U"] == 1 and b["port_C"] == 0 and b["port_Q"] == 0   # the common port: S
    assert b["log_fare"] == pytest.approx(math.log1p(np.median([30, 6])))  # class-3 median
    c = feats.columns(rows[2])
    assert c["title_Master"] == 1 and c["child"] == 1 and c["large_family"] == 1
    assert c["port_Q"] == 1 and c["family_size"] == 5
    assert sum(v for k, v in c.items() if k.startswith("fare_q")) == 1   # one bin
    x = feats.transform(rows)
    assert x.shape == (5, len(feats.names)) and x.dtype == np.float32
    assert np.allclose(x.mean(0), 0, atol=1e-6)                 # standardised on these rows
    only = TitanicFeatures(groups=("sex", "title")).fit(rows)
    assert only.names == ["female", *(f"title_{t}" for t in ("Mr", "Mrs", "Miss", "Master",
                                                             "Rare"))]
    with pytest.raises(ValueError, match="unknown feature groups"):
        TitanicFeatures(groups=("sex", "shoe_size"))
    with pytest.raises(RuntimeError):
        TitanicFeatures().transform(rows)


def test_age_imputer_falls_back_from_title_and_class_to_title_to_everyone():
    rows = [row(1, "A, Mr. B", 1, age="40"), row(2, "A, Mr. C", 1, age="50"),
            row(3, "A, Mr. D", 3, age="20"), row(4, "A, Miss. E", 2, "female", age="10")]
    imp = AgeImputer().fit(rows)
    assert imp.by_title_class[("Mr", 1)] == 45 and imp.by_title["Mr"] == 40
    assert imp.age(row(name="X, Mr. Y", pclass=1, age="")) == 45
    assert imp.age(row(name="X, Mr. Y", pclass=2, age="")) == 40            # no (Mr, 2)
    assert imp.age(row(name="X, Master. Y", pclass=2, age="")) == 30        # everyone
    assert imp.age(row(age="7")) == 7                                       # given: kept


def _synthetic(n: int = 120, seed: int = 0) -> list[dict[str, str]]:
    """Rows where women and first class mostly survive."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        female, pclass = rng.random() < 0.4, int(rng.integers(1, 4))
        survived = int(rng.random() < (0.8 if female else 0.2) + (0.1 if pclass == 1 else 0))
        age = "" if rng.random() < 0.2 else str(int(rng.integers(1, 70)))
        title = ("Mrs" if rng.random() < 0.5 else "Miss") if female else "Mr"
        rows.append(row(i + 1, f"P{i}, {title}. Q", pclass, "female" if female else "male",
                        age, int(rng.integers(0, 3)), int(rng.integers(0, 3)),
                        f"{rng.uniform(5, 100):.2f}", "C12" if pclass == 1 else "",
                        "SCQ"[int(rng.integers(0, 3))], survived))
    return rows


def test_no_leakage_each_folds_features_are_fitted_on_its_training_rows_only():
    rows = _synthetic()
    recipe = KaggleTitanicRecipe(model="logreg", folds=4, epochs=5)
    result = cross_validate(recipe, rows)
    ids = np.array([r["PassengerId"] for r in rows])
    for feats, (tr, va) in zip(result.features, result.folds, strict=True):
        assert sorted(feats.imputer.fitted_on) == sorted(ids[tr])
        assert not set(feats.imputer.fitted_on) & set(ids[va])
    # by construction: wild ages in the validation rows change nothing their fold fitted
    wild = [dict(r) for r in rows]
    tr, va = result.folds[0]
    for i in va:
        wild[i]["Age"], wild[i]["Fare"] = "999", "1e6"
    again = cross_validate(recipe, wild)
    assert again.features[0].imputer == result.features[0].imputer
    assert np.array_equal(again.features[0].mean, result.features[0].mean)
    assert again.features[0].fare_edges == result.features[0].fare_edges
    # the leaky variant fits on every row: its medians differ from a fold's
    leaky = cross_validate(recipe, wild, fit_features_on="all")
    assert leaky.features[0].imputer.by_title != again.features[0].imputer.by_title
    assert len(leaky.features[0].imputer.fitted_on) == len(rows)


def test_stratified_folds_keep_the_class_ratio_and_partition_the_rows():
    y = np.array([1] * 342 + [0] * 549)
    folds = stratified_folds(y, 5, seed=3)
    val = np.concatenate([va for _, va in folds])
    assert sorted(val.tolist()) == list(range(len(y)))
    for tr, va in folds:
        assert not set(tr.tolist()) & set(va.tolist()) and len(tr) + len(va) == len(y)
        assert abs(y[va].mean() - y.mean()) < 0.01 and len(va) in (178, 179)
    assert not np.array_equal(folds[0][1], stratified_folds(y, 5, seed=4)[0][1])
    with pytest.raises(ValueError):
        stratified_folds(y, 1)


def test_models_are_dlfs_modules_and_learn_a_separable_rule():
    import torch

    import dlfs.nn as dnn

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    for model in (LogisticRegression(3), TabularMLP(3, 8, 0.0)):
        assert any(isinstance(m, dnn.Linear) for m in model.modules())
        train_binary(model, x, y, steps=200, lr=0.05, weight_decay=0.0)
        with torch.no_grad():
            pred = model(torch.from_numpy(x)) > 0
        assert pred.shape == (200,) and (pred.numpy() == y).mean() > 0.95


def test_a_nan_learning_rate_stops_with_the_guard():
    from dlfs.train import NonFiniteError

    x = np.ones((4, 2), np.float32) * 1e30
    with pytest.raises(NonFiniteError, match="non-finite"):
        train_binary(TabularMLP(2, 4, 0.0), x, np.array([0, 1, 0, 1]), steps=3, lr=1e30,
                     weight_decay=0.0)


def test_submission_format(tmp_path):
    path = write_submission(tmp_path / "s.csv", ["892", "893"], [0, 1])
    assert path.read_text() == "PassengerId,Survived\n892,0\n893,1\n"


def _write_csv(path: Path, rows: list[dict[str, str]], survived: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = COLUMNS if survived else [c for c in COLUMNS if c != "Survived"]
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def test_titanic_rows_reads_the_shipped_files_and_checks_cells(tmp_path):
    train, test, folder = titanic_rows()
    assert len(train) == 891 and len(test) == 418 and "Survived" not in test[0]
    assert train[0]["Name"] == "Braund, Mr. Owen Harris"
    from dlfs.data import DataFormatError

    rows = _synthetic(5)
    rows[2]["Age"] = "old"
    _write_csv(tmp_path / "train.csv", rows)
    _write_csv(tmp_path / "test.csv", rows, survived=False)
    with pytest.raises(DataFormatError, match="line 4, column 6"):
        titanic_rows(tmp_path)


def test_cli_quick_on_the_shipped_data_writes_and_scores_a_submission(tmp_path, capsys):
    assert main(["train", "kaggle-titanic", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "fold 2/2" in out and "(mean ± std over 2 folds)" in out
    cv = float(out.split("cross-validation: accuracy ")[1].split()[0])
    score = float(out.split("offline score ")[1].split()[0])
    assert cv > 0.78 and score > 0.75, out                 # even 60 steps beat the gender rule
    for fold in ("fold-1", "fold-2"):          # its own loop, in the same naming scheme
        assert f"curves: {tmp_path / fold / 'logreg' / 'curves.png'}" in out
        assert list((tmp_path / fold / "logreg" / "tensorboard").glob("events.out.*"))
    path = tmp_path / "submission.csv"
    lines = path.read_text().splitlines()
    assert lines[0] == "PassengerId,Survived" and len(lines) == 419
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(892, 1310))
    assert {line.split(",")[1] for line in lines[1:]} == {"0", "1"}
    assert main(["train", "kaggle-titanic", "--score", str(path)]) == 0
    again = capsys.readouterr().out
    correct = round(score * 418)
    assert again == f"score {correct / 418:.5f} ({correct}/418)\n"


def test_cli_on_given_csvs(tmp_path, capsys):
    rows = _synthetic(80)
    _write_csv(tmp_path / "in" / "train.csv", rows[:60])
    _write_csv(tmp_path / "in" / "test.csv", rows[60:], survived=False)
    argv = ["train", "kaggle-titanic", "--quick", "--data", str(tmp_path / "in"), "--out",
            str(tmp_path / "run")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "fold 2/2" in out and "±" in out and "offline score" not in out
    lines = (tmp_path / "run" / "submission.csv").read_text().splitlines()
    assert lines[0] == "PassengerId,Survived" and len(lines) == 21
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(61, 81))


def _one_line_exit_2(argv, capsys, fragment):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and fragment in err, (code, err)


def test_score_errors_are_one_line_exit_2(tmp_path, capsys):
    _one_line_exit_2(["train", "kaggle-titanic", "--score", str(tmp_path / "nope.csv")],
                     capsys, "expected a file, found no such path")
    for name, text in [("header.csv", "Id,Label\n892,0\n"),
                       ("short.csv", "PassengerId,Survived\n892,0\n"),
                       ("junk.csv", "\x00\x01garbage"),
                       ("value.csv", "PassengerId,Survived\n" + "".join(
                           f"{i},{'x' if i == 900 else 0}\n" for i in range(892, 1310)))]:
        (tmp_path / name).write_text(text)
        _one_line_exit_2(["train", "kaggle-titanic", "--score", str(tmp_path / name)],
                         capsys, "error")
    _one_line_exit_2(["train", "kaggle-titanic", "--data", str(tmp_path)], capsys,
                     "train.csv: No such file or directory")
