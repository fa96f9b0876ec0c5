"""Kaggle's Titanic end to end: CSV rows in, engineered features, k-fold models, a submission.

The competition ships ``train.csv`` (891 passengers with ``Survived``) and ``test.csv`` (418
without) and scores ``submission.csv`` (``PassengerId,Survived``) by accuracy. The pipeline:

1. **features** (:class:`TitanicFeatures`, a fit/transform object): the raw columns (class,
   sex, age, siblings/spouses, parents/children, fare, port) plus engineered ones — the
   title in the name (Mr, Mrs, Miss, Master, Rare), family size and travelling alone, the
   deck letter of the cabin, the fare per person and its quartile bin, and the survival of
   the *other* passengers on the same ticket (leave-one-out). Everything learned from data —
   the age medians per (title, class), the most common port, the fare median per class, the
   fare bin edges, the ticket groups' labels, the means and standard deviations of the
   standardisation — is learned by ``fit`` on the rows it is given, and only on them. The
   recipe's default, ``--features selected``, keeps the groups that measured best;
2. **stratified k-fold cross-validation** (:func:`stratified_folds`, :func:`cross_validate`):
   fold ``f`` fits the features *and* the model on the other folds and measures accuracy on
   fold ``f``; each class keeps its share in every fold;
3. **models** written with :mod:`dlfs.nn` and :mod:`dlfs.optim`: a logistic regression
   (:class:`LogisticRegression`), a small MLP (:class:`TabularMLP`) and their ensemble (the
   mean of both probabilities), trained full-batch with AdamW (:func:`train_binary`);
4. the submission **averages the k fold models' probabilities** on ``test.csv`` and writes
   ``PassengerId,Survived`` (:func:`write_submission`).

Rows are dicts of the CSV's text (``{"Name": "Braund, Mr. Owen Harris", "Age": "22", …}``),
so every feature can be tried on a hand-made row.
"""

from __future__ import annotations

import csv
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..i18n import t
from .options import check_fields, flat_values
from .registry import RecipeCommand

# torch and dlfs.nn are imported inside the model functions: the feature code stays light.

__all__ = ["ALL_GROUPS", "COMMAND", "FEATURE_SETS", "QUICK", "SELECTED_GROUPS", "AgeImputer",
           "CVResult", "KaggleTitanicRecipe", "LogisticRegression", "Row", "TabularMLP",
           "TitanicFeatures", "cross_validate", "deck_of", "fare_per_person", "family_size",
           "is_alone", "labels_of", "run_kaggle_titanic", "stratified_folds", "title_of",
           "titanic_rows", "train_binary", "write_submission"]

Row = Mapping[str, str]

INPUT_COLUMNS = ("PassengerId", "Pclass", "Name", "Sex", "Age", "SibSp", "Parch", "Ticket",
                 "Fare", "Cabin", "Embarked")
TITLES = ("Mr", "Mrs", "Miss", "Master", "Rare")
DECKS = ("A", "B", "C", "D", "E", "F", "G", "U")       # U: no cabin recorded (or deck T)
PORTS = ("S", "C", "Q")
_SAME_TITLE = {"Mlle": "Miss", "Ms": "Miss", "Mme": "Mrs"}

#: feature groups: the raw columns first, then the engineered ones (the lesson adds them
#: one at a time); `TitanicFeatures(groups=...)` picks any subset
RAW_GROUPS = ("pclass", "sex", "age", "sibsp_parch", "fare", "embarked")
ENGINEERED_GROUPS = ("title", "family", "deck", "fare_pp", "fare_bin", "ticket_group")
ALL_GROUPS = RAW_GROUPS + ENGINEERED_GROUPS
#: the recipe's default: what measured best (5-fold CV and offline score, seeds 0-3);
#: the port, the raw fare, the deck and the fare bins each cost a little on both
SELECTED_GROUPS = ("pclass", "sex", "age", "title", "family", "ticket_group")
FEATURE_SETS = {"selected": SELECTED_GROUPS, "all": ALL_GROUPS, "raw": RAW_GROUPS}


# --- the features of one row -------------------------------------------------------------

def title_of(name: str) -> str:
    """The title in a Titanic name, folded into Mr, Mrs, Miss, Master or Rare.

    >>> title_of("Braund, Mr. Owen Harris"), title_of("Oliva y Ocana, Dona. Fermina")
    ('Mr', 'Rare')
    >>> title_of("Aubart, Mme. Leontine Pauline"), title_of("Rothes, the Countess. of")
    ('Mrs', 'Rare')
    """
    found = re.search(r",\s*([^.]+)\.", name)
    title = found.group(1).strip() if found else ""
    title = _SAME_TITLE.get(title, title)
    return title if title in TITLES else "Rare"


def _number(text: str) -> float:
    """A numeric cell; an empty one is NaN."""
    text = text.strip()
    return float(text) if text else math.nan


def family_size(row: Row) -> int:
    """The passenger plus the siblings/spouses and parents/children aboard."""
    return int(_number(row["SibSp"])) + int(_number(row["Parch"])) + 1


def is_alone(row: Row) -> bool:
    """No relative aboard (family size 1)."""
    return family_size(row) == 1


def deck_of(cabin: str) -> str:
    """The deck letter of a cabin ("C85" -> "C", "F G73" -> "F"); "U" when none is known
    (an empty cabin, or the single cabin on the boat deck, "T")."""
    letter = cabin.strip()[:1].upper()
    return letter if letter in DECKS else "U"


def fare_per_person(fare: float, size: int) -> float:
    """The ticket's fare shared over the family travelling on it."""
    return fare / max(size, 1)


def _group_keys(row: Row) -> tuple[str, ...]:
    """Who travelled together: the same ticket, or the same surname and fare."""
    surname = row["Name"].split(",")[0].strip()
    return ("ticket " + row["Ticket"].strip().upper(),
            f"family {surname} {row['Fare'].strip()}")


def titanic_rows(data_dir: str | Path | None = None
                 ) -> tuple[list[dict[str, str]], list[dict[str, str]], Path]:
    """``train.csv`` and ``test.csv`` as lists of dicts of text, and their folder, read and
    checked cell by cell by :func:`dlfs.data.datasets.titanic.load_titanic` (``data_dir``,
    else ``data/titanic/`` when it holds Kaggle's files, else the copy shipped with dlfs)."""
    from dlfs.data.datasets.titanic import load_titanic

    train, test = load_titanic(data_dir)
    return ([dict(zip(train.columns, r, strict=True)) for r in train.rows],
            [dict(zip(test.columns, r, strict=True)) for r in test.rows], train.path.parent)


def labels_of(rows: Sequence[Row]) -> np.ndarray:
    """The ``Survived`` column as int64 ``(N,)`` (0 or 1)."""
    return np.array([int(r["Survived"]) for r in rows], dtype=np.int64)


# --- fitted pieces: what is learned from the training rows, and only from them ------------

@dataclass
class AgeImputer:
    """Fill a missing age with the median age of the passengers of the same title and class
    (then of the same title, then of everyone) among the rows it was fitted on."""

    by_title_class: dict[tuple[str, int], float] = field(default_factory=dict)
    by_title: dict[str, float] = field(default_factory=dict)
    overall: float = math.nan
    fitted_on: tuple[str, ...] = ()                # PassengerIds of the rows it saw

    def fit(self, rows: Sequence[Row]) -> AgeImputer:
        groups: dict[tuple[str, int], list[float]] = {}
        for r in rows:
            age = _number(r["Age"])
            if not math.isnan(age):
                groups.setdefault((title_of(r["Name"]), int(r["Pclass"])), []).append(age)
        titles: dict[str, list[float]] = {}
        for (title, _), ages in groups.items():
            titles.setdefault(title, []).extend(ages)
        self.by_title_class = {k: float(np.median(v)) for k, v in groups.items()}
        self.by_title = {k: float(np.median(v)) for k, v in titles.items()}
        every = [a for v in groups.values() for a in v]
        self.overall = float(np.median(every)) if every else 30.0
        self.fitted_on = tuple(r["PassengerId"] for r in rows)
        return self

    def age(self, row: Row) -> float:
        """The row's age, or the fitted median for its group when it is missing."""
        age = _number(row["Age"])
        if not math.isnan(age):
            return age
        title = title_of(row["Name"])
        key = (title, int(row["Pclass"]))
        return self.by_title_class.get(key, self.by_title.get(title, self.overall))


@dataclass
class TitanicFeatures:
    """Rows -> a standardised float32 matrix ``(N, D)``; ``fit`` learns every statistic from
    the rows it is given (one fold's training rows), ``transform`` only applies them.

    ``groups`` picks the feature groups (:data:`ALL_GROUPS`); ``names`` lists the columns.
    The ticket group's survival is the mean ``Survived`` of the *other* fitted passengers on
    the same ticket (or of the same surname and fare); ``leave_one_out=False`` lets a row's
    own label in, the target leak the lesson measures.
    """

    groups: tuple[str, ...] = ALL_GROUPS
    imputer: AgeImputer = field(default_factory=AgeImputer)
    port: str = "S"
    fare_by_class: dict[int, float] = field(default_factory=dict)
    fare_edges: tuple[float, ...] = ()
    leave_one_out: bool = True           # a row's own label never enters its group feature
    ticket_survival: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        unknown = set(self.groups) - set(ALL_GROUPS)
        if unknown:
            raise ValueError(f"unknown feature groups {sorted(unknown)}; known: {ALL_GROUPS}")

    def fit(self, rows: Sequence[Row]) -> TitanicFeatures:
        self.imputer = AgeImputer().fit(rows)
        ports = Counter(r["Embarked"].strip() for r in rows if r["Embarked"].strip())
        self.port = ports.most_common(1)[0][0] if ports else "S"
        fares: dict[int, list[float]] = {}
        for r in rows:
            fare = _number(r["Fare"])
            if not math.isnan(fare):
                fares.setdefault(int(r["Pclass"]), []).append(fare)
        self.fare_by_class = {k: float(np.median(v)) for k, v in fares.items()}
        per_person = [fare_per_person(self._fare(r), family_size(r)) for r in rows]
        self.fare_edges = tuple(float(q) for q in np.quantile(per_person, [0.25, 0.5, 0.75]))
        self.ticket_survival = {}
        for r in rows:
            if r.get("Survived", "").strip():
                for key in _group_keys(r):
                    self.ticket_survival.setdefault(key, []).append(
                        (r["PassengerId"], int(r["Survived"])))
        raw = self._raw(rows)                                    # (N, D)
        self.mean = raw.mean(0)
        std = raw.std(0)
        self.std = np.where(std > 1e-8, std, 1.0)
        return self

    def transform(self, rows: Sequence[Row]) -> np.ndarray:
        if self.mean is None or self.std is None:
            raise RuntimeError("TitanicFeatures: call fit(rows) before transform(rows)")
        return ((self._raw(rows) - self.mean) / self.std).astype(np.float32)

    def fit_transform(self, rows: Sequence[Row]) -> np.ndarray:
        return self.fit(rows).transform(rows)

    def _fare(self, row: Row) -> float:
        fare = _number(row["Fare"])
        if math.isnan(fare):
            fare = self.fare_by_class.get(int(row["Pclass"]), 14.45)
        return fare

    def columns(self, row: Row) -> dict[str, float]:
        """One row's unstandardised features, by name (the groups chosen)."""
        g, out = self.groups, {}
        if "pclass" in g:
            pclass = int(row["Pclass"])
            out.update({"class_1": pclass == 1, "class_2": pclass == 2})
        if "sex" in g:
            out["female"] = row["Sex"].strip() == "female"
        if "age" in g:
            age = self.imputer.age(row)
            out.update({"age": age, "age_missing": row["Age"].strip() == "",
                        "child": age < 14})
        if "sibsp_parch" in g:
            out.update({"sibsp": _number(row["SibSp"]), "parch": _number(row["Parch"])})
        if "fare" in g:
            out["log_fare"] = math.log1p(self._fare(row))
        if "embarked" in g:
            port = row["Embarked"].strip() or self.port
            out.update({f"port_{p}": port == p for p in PORTS[1:]})
        if "title" in g:
            title = title_of(row["Name"])
            out.update({f"title_{t}": title == t for t in TITLES})
        if "family" in g:
            size = family_size(row)
            out.update({"family_size": size, "alone": size == 1, "large_family": size >= 5})
        if "deck" in g:
            deck = deck_of(row["Cabin"])
            out.update({f"deck_{d}": deck == d for d in DECKS})
        if "fare_pp" in g:
            out["log_fare_pp"] = math.log1p(fare_per_person(self._fare(row), family_size(row)))
        if "fare_bin" in g and self.fare_edges:
            pp = fare_per_person(self._fare(row), family_size(row))
            b = int(np.searchsorted(self.fare_edges, pp, side="right"))
            out.update({f"fare_q{i + 1}": b == i for i in range(len(self.fare_edges) + 1)})
        if "ticket_group" in g:
            mates = {pid: s for key in _group_keys(row)
                     for pid, s in self.ticket_survival.get(key, [])}
            others = [s for pid, s in mates.items()
                      if pid != row["PassengerId"] or not self.leave_one_out]
            survival = float(np.mean(others)) if others else 0.5
            woman_or_child = title_of(row["Name"]) != "Mr"
            out.update({"group_known": bool(others), "group_survival": survival,
                        "wc_group_survival": (survival - 0.5) * woman_or_child})
        return {k: float(v) for k, v in out.items()}

    def _raw(self, rows: Sequence[Row]) -> np.ndarray:
        table = [self.columns(r) for r in rows]
        self.names = list(table[0]) if table else []
        return np.array([[t[n] for n in self.names] for t in table], dtype=np.float64)


# --- folds --------------------------------------------------------------------------------

def stratified_folds(y: Sequence[int] | np.ndarray, k: int, seed: int = 0
                     ) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, validation) index pairs in which every class keeps its share: each
    class's indices are shuffled (seeded) and dealt round-robin into the k folds.

    >>> [(len(a), len(b)) for a, b in stratified_folds([0] * 6 + [1] * 3, 3)]
    [(6, 3), (6, 3), (6, 3)]
    """
    y = np.asarray(y)
    if not 2 <= k <= len(y):
        raise ValueError(f"k-fold needs 2 <= k <= n, got k={k}, n={len(y)}")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=np.int64)
    start = 0
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        fold_of[members] = (start + np.arange(len(members))) % k
        start += len(members)                 # the next class starts where this one ended
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


# --- models, with dlfs.nn and dlfs.optim --------------------------------------------------

def _torch_modules() -> tuple[Any, Any]:
    import torch

    import dlfs.nn as dnn

    return torch, dnn


def LogisticRegression(n_features: int) -> Any:  # noqa: N802 (reads as a class)
    """One ``dlfs.nn.Linear`` to one logit: p(survived) = sigmoid(w·x + b)."""
    _, dnn = _torch_modules()
    return dnn.Sequential(dnn.Linear(n_features, 1), dnn.Flatten(0))


def TabularMLP(n_features: int, hidden: int = 32, dropout: float = 0.2) -> Any:  # noqa: N802
    """Linear -> ReLU -> Dropout -> Linear, one logit per row."""
    _, dnn = _torch_modules()
    return dnn.Sequential(dnn.Linear(n_features, hidden), dnn.ReLU(), dnn.Dropout(dropout),
                          dnn.Linear(hidden, 1), dnn.Flatten(0))


def train_binary(model: Any, x: np.ndarray, y: np.ndarray, *, steps: int, lr: float,
                 weight_decay: float, seed: int = 0, log: Any = None,
                 val: tuple[np.ndarray, np.ndarray] | None = None) -> Any:
    """Full-batch AdamW (``dlfs.optim``) on the binary cross-entropy of the logits
    (``dlfs.nn.BCEWithLogitsLoss``); returns the model in eval mode. A non-finite loss or
    gradient stops training with :class:`dlfs.train.NonFiniteError`, before the step.
    ``log`` (a :class:`dlfs.train.run_report.LoopLog`): every step's loss, rate, gradient
    norm and speed, and the loss on ``val`` (x, y) 30 times over the run, in eval mode
    (neither changes the training)."""
    import time

    torch, dnn = _torch_modules()
    import dlfs.optim as optim
    from dlfs.train import NonFiniteError
    from dlfs.train.loop import total_grad_norm

    torch.manual_seed(seed)
    xt = torch.as_tensor(x, dtype=torch.float32)            # (N, D)
    yt = torch.as_tensor(y, dtype=torch.float32)            # (N,)
    loss_fn = dnn.BCEWithLogitsLoss()
    opt = optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    val_every = max(1, steps // 30)
    for step in range(1, steps + 1):
        began = time.perf_counter()
        loss = loss_fn(model(xt), yt)
        if not torch.isfinite(loss):
            raise NonFiniteError("loss", step, step - 1, None,
                                 t("recipes.titanic.nan_loss", value=loss.item()))
        opt.zero_grad()
        loss.backward()
        bad = next((n for n, p in model.named_parameters()
                    if p.grad is not None and not torch.isfinite(p.grad).all()), None)
        if bad is not None:
            raise NonFiniteError("gradient", step, step - 1, bad, t("recipes.titanic.nan_grad"))
        norm = float(total_grad_norm(model.parameters())) if log is not None else None
        opt.step()
        if log is not None:
            log.step(step, loss=loss.item(), lr=lr, grad_norm=norm, samples=len(xt),
                     seconds=time.perf_counter() - began)
            if val is not None and (step % val_every == 0 or step == steps):
                with torch.no_grad():
                    model.eval()
                    log.val(step, loss_fn(model(torch.as_tensor(val[0], dtype=torch.float32)),
                                          torch.as_tensor(val[1], dtype=torch.float32)).item())
                    model.train()
    return model.eval()


def predict_proba(model: Any, x: np.ndarray) -> np.ndarray:
    """p(survived) float64 ``(N,)``."""
    torch, _ = _torch_modules()
    with torch.no_grad():
        return torch.sigmoid(model(torch.as_tensor(x, dtype=torch.float32))).double().numpy()


# --- the recipe ---------------------------------------------------------------------------

@dataclass(frozen=True)
class KaggleTitanicRecipe:
    """One Titanic run (defaults: stratified 5-fold logistic regression on the selected
    features; every run averages its k fold models' probabilities for the submission)."""

    model: Literal["logreg", "mlp", "ensemble"] = field(default="logreg", metadata={
        "help": "logreg (one dlfs.nn.Linear), mlp (a small dlfs.nn MLP) or ensemble (the mean "
                "of both probabilities)",
        "help_zh": "`logreg`（一个 dlfs.nn.Linear）、`mlp`（一个用 "
                   "dlfs.nn 搭的小 MLP）或 `ensemble`（两者概率的平均）"})
    features: Literal["selected", "all", "raw"] = field(default="selected", metadata={
        "help": "selected (class, sex, age, title, family, ticket group), all (every "
                "engineered feature too) or raw (the CSV's own columns only)",
        "help_zh": "`selected`（舱位等级、性别、年龄、称谓、家庭、同票号分组）、"
                   "`all`（再加上所有构造的特征）或 `raw`（只用 CSV 自带的列）"})
    folds: int = field(default=5, metadata={"help": "k of stratified k-fold cross-validation",
                                            "help_zh": "分层 k 折交叉验证的 k",
                                            "min": 2, "max": 100})
    epochs: int = field(default=300, metadata={
        "help": "full-batch epochs per model and fold (one AdamW step each)",
        "help_zh": "每个模型每折的全批量训练轮数（每轮一个 AdamW 步）", "min": 1,
        "max": 100_000})
    lr: float = field(default=0.03, metadata={"help": "AdamW learning rate",
                                              "help_zh": "AdamW 学习率", "above": 0})
    weight_decay: float = field(default=0.01, metadata={
        "help": "AdamW weight decay (on the logistic regression too)",
        "help_zh": "AdamW 权重衰减（逻辑回归也用）", "min": 0, "max": 10})
    hidden: int = field(default=32, metadata={"help": "width of the MLP's hidden layer",
                                              "help_zh": "MLP 隐藏层的宽度",
                                              "min": 1, "max": 4096})
    dropout: float = field(default=0.3, metadata={"help": "dropout of the MLP's hidden layer",
                                                  "help_zh": "MLP 隐藏层的 Dropout",
                                                  "min": 0, "below": 1})
    seed: int = field(default=0, metadata={"help": "seed of the folds and of the training",
                                           "help_zh": "折划分和训练的随机种子",
                                           "min": 0, "below": 2**32})
    threads: int = field(default=1, metadata={
        "help": "torch CPU threads (one is fastest: the matrices are tiny)",
        "help_zh": "torch 的 CPU 线程数（矩阵很小，一个线程最快）", "min": 1,
        "max": 256})
    data: str | None = field(default=None, metadata={
        "help": "folder with train.csv and test.csv (default: the copy shipped with dlfs)",
        "help_zh": "存放 train.csv 和 test.csv 的文件夹（默认：dlfs 自带的那份）",
        "metavar": "DIR", "path": "in-dir"})
    score: str | None = field(default=None, metadata={
        "help": "score this submission.csv against the rebuilt test labels and stop (no "
                "training)",
        "help_zh": "用重建的测试标签为这个 submission.csv "
                   "评分后停止（不训练）", "metavar": "FILE", "path": "in-file"})
    out_dir: str = field(default="runs/kaggle-titanic", metadata={
        "help": "run directory (submission.csv)",
        "help_zh": "运行目录（submission.csv）", "aliases": ("--out",), "metavar": "DIR",
        "path": "out-dir"})

    def __post_init__(self) -> None:
        check_fields(self)


#: `--quick`: a seconds-long run (what the tests use)
QUICK = {"folds": 2, "epochs": 60}


@dataclass
class CVResult:
    """Outcome of :func:`cross_validate`."""

    fold_accuracies: list[float]
    oof: np.ndarray                       # out-of-fold p(survived) of every training row (N,)
    test: np.ndarray | None               # fold-averaged p(survived) of the test rows (M,)
    features: list[TitanicFeatures]       # each fold's fitted feature pipeline
    folds: list[tuple[np.ndarray, np.ndarray]]

    @property
    def mean(self) -> float:
        return float(np.mean(self.fold_accuracies))

    @property
    def std(self) -> float:
        return float(np.std(self.fold_accuracies))


def _fit_models(recipe: KaggleTitanicRecipe, x: np.ndarray, y: np.ndarray, seed: int,
                log_to: Path | None = None, val: tuple[np.ndarray, np.ndarray] | None = None,
                echo: Callable[[str], None] | None = None) -> list[Any]:
    from dlfs.train.run_report import LoopLog

    def log(kind: str) -> Any:            # <log_to>/<kind>: TensorBoard and curves.png
        return None if log_to is None else LoopLog(
            log_to / kind, hparams=flat_values(recipe), echo=echo,
            title=f"dlfs train kaggle-titanic: {kind}, {log_to.name}")

    models = []
    for kind in ("logreg", "mlp"):
        if recipe.model not in (kind, "ensemble"):
            continue
        model = LogisticRegression(x.shape[1]) if kind == "logreg" else \
            TabularMLP(x.shape[1], recipe.hidden, recipe.dropout)
        logger = log(kind)
        models.append(train_binary(model, x, y, steps=recipe.epochs, lr=recipe.lr,
                                   weight_decay=recipe.weight_decay, seed=seed, log=logger,
                                   val=val))
        if logger is not None:
            logger.close()
    return models


def cross_validate(recipe: KaggleTitanicRecipe, train_rows: Sequence[Row],
                   test_rows: Sequence[Row] | None = None, *,
                   groups: tuple[str, ...] | None = None,
                   fit_features_on: Literal["fold", "all"] = "fold",
                   leave_one_out: bool = True,
                   report: Callable[[int, float], None] | None = None,
                   log_to: str | Path | None = None,
                   echo: Callable[[str], None] | None = None) -> CVResult:
    """Stratified k-fold: fold ``f`` fits the features and the model(s) on the other folds,
    then scores its validation rows. ``test_rows`` get the mean of the k folds'
    probabilities. ``groups`` overrides ``recipe.features``. ``fit_features_on="all"`` is
    the *leaky* variant the lesson measures: the features are fitted once on every training
    row, validation rows included. ``log_to``: each fold's models log their training (and
    the loss on the fold's validation rows) to ``<log_to>/fold-<k>/<model>``, TensorBoard
    and ``curves.png``; ``echo`` gets the line naming each ``curves.png``."""
    groups = FEATURE_SETS[recipe.features] if groups is None else groups
    y = labels_of(train_rows)
    folds = stratified_folds(y, recipe.folds, recipe.seed)
    oof = np.zeros(len(train_rows))
    test = np.zeros(len(test_rows)) if test_rows is not None else None
    accs, fitted = [], []
    def make() -> TitanicFeatures:
        return TitanicFeatures(groups, leave_one_out=leave_one_out)

    everything = make().fit(train_rows) if fit_features_on == "all" else None
    for f, (tr, va) in enumerate(folds):
        feats = everything or make().fit([train_rows[i] for i in tr])
        x_tr = feats.transform([train_rows[i] for i in tr])
        x_va = feats.transform([train_rows[i] for i in va])
        models = _fit_models(recipe, x_tr, y[tr], recipe.seed + f,
                             None if log_to is None else Path(log_to) / f"fold-{f + 1}",
                             (x_va, y[va]), echo)
        oof[va] = np.mean([predict_proba(m, x_va) for m in models], axis=0)
        accs.append(float(((oof[va] > 0.5) == y[va]).mean()))
        if test is not None and test_rows is not None:
            x_te = feats.transform(test_rows)
            test += np.mean([predict_proba(m, x_te) for m in models], axis=0) / len(folds)
        fitted.append(feats)
        if report is not None:
            report(f, accs[-1])
    return CVResult(accs, oof, test, fitted, folds)


def write_submission(path: str | Path, passenger_ids: Iterable[str],
                     survived: Iterable[int]) -> Path:
    """Write Kaggle's ``PassengerId,Survived`` file, one row per test passenger."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["PassengerId", "Survived"])
        for pid, s in zip(passenger_ids, survived, strict=True):
            w.writerow([str(pid).strip(), int(s)])
    return path


# --- the command line: `dlfs train kaggle-titanic` ----------------------------------------

def score_file(path: str | Path) -> tuple[float, int, int]:
    """(accuracy, correct, total) of a submission against the rebuilt test labels; a
    malformed file is a one-line :class:`~dlfs.errors.DlfsError`."""
    from dlfs.data.datasets.titanic import score_submission
    from dlfs.errors import DlfsError

    try:
        return score_submission(path)
    except DlfsError:
        raise
    except (ValueError, KeyError, IndexError, OSError, UnicodeDecodeError) as exc:
        raise DlfsError(t("recipes.titanic.not_submission", path=path, exc=exc)) from None


def run_kaggle_titanic(recipe: KaggleTitanicRecipe, quick: bool = False) -> int:
    """`dlfs train kaggle-titanic`: the whole pipeline with progress lines (or, with
    ``--score FILE``, only the score of that file), on ``recipe.threads`` torch threads."""
    if recipe.score is not None:
        acc, correct, total = score_file(recipe.score)
        print(t("recipes.score", accuracy=acc, correct=correct, total=total))
        return 0
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(recipe.threads)
    try:
        return _run_and_report(recipe, quick)
    finally:
        torch.set_num_threads(threads)


def _run_and_report(recipe: KaggleTitanicRecipe, quick: bool) -> int:
    start = time.perf_counter()
    train_rows, test_rows, folder = titanic_rows(recipe.data)
    if len(train_rows) < recipe.folds:
        from dlfs.errors import DlfsError

        raise DlfsError(t("recipes.titanic.few_rows", folds=recipe.folds,
                          file=folder / "train.csv", n=len(train_rows)))
    labels_of(train_rows)
    print("dlfs train kaggle-titanic" + (t("recipes.quick") if quick else ""))
    print(t("recipes.titanic.data", folder=folder, train=len(train_rows), test=len(test_rows)))
    print(t("recipes.titanic.features", features=recipe.features,
            groups=", ".join(FEATURE_SETS[recipe.features])))
    print(t("recipes.titanic.model", model=recipe.model, folds=recipe.folds,
            epochs=recipe.epochs), flush=True)
    result = cross_validate(recipe, train_rows, test_rows, log_to=recipe.out_dir,
                            echo=lambda line: print(line, flush=True), report=lambda f, a: print(
        t("recipes.titanic.fold", fold=f + 1, folds=recipe.folds, accuracy=a), flush=True))
    print(t("recipes.titanic.cv", mean=result.mean, std=result.std, folds=recipe.folds))
    assert result.test is not None
    path = write_submission(Path(recipe.out_dir) / "submission.csv",
                            [r["PassengerId"] for r in test_rows],
                            (result.test > 0.5).astype(int))
    print(t("recipes.wrote_submission", path=path, n=len(test_rows),
            header="PassengerId,Survived"))
    if recipe.data is None:
        acc, correct, total = score_file(path)
        print(t("recipes.titanic.offline_score", accuracy=acc, correct=correct, total=total))
    print(t("recipes.titanic.time", seconds=time.perf_counter() - start))
    return 0


#: `dlfs train kaggle-titanic` (see :mod:`dlfs.recipes.registry`)
COMMAND = RecipeCommand(KaggleTitanicRecipe, QUICK, run_kaggle_titanic)
