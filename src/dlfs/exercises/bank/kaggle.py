"""Exercises from the Kaggle track: one engineered Titanic feature and the stratified k-fold
split (the "Kaggle · Titanic" lesson and ``dlfs train kaggle-titanic``)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..cases import Case, watched
from ..schema import Exercise

# ---- the title feature -------------------------------------------------------------------

#: (name as in Kaggle's files, the folded title), one per way a name can be written
_NAMES = [
    ("Braund, Mr. Owen Harris", "Mr"),
    ("Heikkinen, Miss. Laina", "Miss"),
    ("Vander Planke, Miss. Augusta Maria", "Miss"),
    ("Cumings, Mrs. John Bradley (Florence Briggs Thayer)", "Mrs"),
    ("Palsson, Master. Gosta Leonard", "Master"),
    ("Aubart, Mme. Leontine Pauline", "Mrs"),
    ("Sagesser, Mlle. Emma", "Miss"),
    ("O'Donoghue, Ms. Bridget", "Miss"),
    ("Uruchurtu, Don. Manuel E", "Rare"),
    ("Oliva y Ocana, Dona. Fermina", "Rare"),
    ("Rothes, the Countess. of (Lucy Noel Martha Dyer-Edwards)", "Rare"),
    ("Reuchlin, Jonkheer. John George", "Rare"),
    ("Minahan, Dr. William Edward", "Rare"),
    ("Byles, Rev. Thomas Roussel Davids", "Rare"),
    ("Crosby, Capt. Edward Gifford", "Rare"),
    ("Duff Gordon, Sir. Cosmo Edmund (\"Mr Morgan\")", "Rare"),
    ("Mr. Nobody without a comma", "Rare"),
]
#: title counts over the 891 training passengers (from the shipped train.csv)
_TRAIN_COUNTS = {"Mr": 517, "Miss": 185, "Mrs": 126, "Master": 40, "Rare": 23}


def title_cases(impl):
    title_of = watched(impl)
    for name, want in _NAMES:
        def one(name=name, want=want) -> None:
            got = title_of(name)
            if got != want:
                raise AssertionError(f"title_of({name!r}) returned {got!r}, expected {want!r}")
        yield Case(f"{name!r} -> {want!r}", one)

    def all_train() -> None:
        from ...data.datasets.titanic import load_titanic

        got = Counter(title_of(n) for n in load_titanic().train.column("Name"))
        if dict(got) != _TRAIN_COUNTS:
            raise AssertionError(f"titles of the 891 training passengers: {dict(got)}, "
                                 f"expected {_TRAIN_COUNTS}")
    yield Case("the 891 training passengers: Mr 517, Miss 185, Mrs 126, Master 40, Rare 23",
               all_train)


def _title_unfolded(name):
    """Planted bug: Mlle, Ms and Mme are not folded into Miss and Mrs."""
    after = name.split(",", 1)[1] if "," in name else ""
    title = after.split(".", 1)[0].strip() if "." in after else ""
    return title if title in ("Mr", "Mrs", "Miss", "Master") else "Rare"


def _title_second_word(name):
    """Planted bug: the title is the word after the comma (wrong for "the Countess")."""
    parts = name.replace(",", " ").split()
    title = parts[1].rstrip(".") if len(parts) > 1 else ""
    title = {"Mlle": "Miss", "Ms": "Miss", "Mme": "Mrs"}.get(title, title)
    return title if title in ("Mr", "Mrs", "Miss", "Master") else "Rare"


# ---- stratified k-fold ---------------------------------------------------------------------

_LABELS = [("y of 9: six 0s, three 1s, k=3", [0] * 6 + [1] * 3, 3),
           ("y of 10: seven 0s, three 1s, k=2", [0] * 7 + [1] * 3, 2),
           ("y of 25 with three classes, k=4", [0] * 11 + [1] * 9 + [2] * 5, 4),
           ("the 891 Titanic labels (549 died, 342 survived), k=5", None, 5)]


def _check_folds(folds, y: np.ndarray, k: int) -> None:
    n = len(y)
    if len(folds) != k:
        raise AssertionError(f"{len(folds)} folds returned, expected k={k}")
    seen = np.zeros(n, dtype=int)
    for f, (train, val) in enumerate(folds):
        train, val = np.asarray(train), np.asarray(val)
        if np.intersect1d(train, val).size:
            raise AssertionError(f"fold {f}: rows {np.intersect1d(train, val)[:5].tolist()} "
                                 "are in both its training and its validation part")
        if sorted(np.concatenate([train, val]).tolist()) != list(range(n)):
            raise AssertionError(f"fold {f}: training + validation must be every row 0..{n - 1} "
                                 "exactly once")
        seen[val] += 1
    if (seen != 1).any():
        raise AssertionError(f"rows {np.flatnonzero(seen != 1)[:5].tolist()} are validated "
                             f"{seen[seen != 1][:5].tolist()} times; each must be validated once")
    sizes = [len(val) for _, val in folds]
    if max(sizes) - min(sizes) > 1:
        raise AssertionError(f"validation sizes {sizes}: they must differ by at most 1")
    for label in np.unique(y):
        counts = [int((y[np.asarray(val)] == label).sum()) for _, val in folds]
        if max(counts) - min(counts) > 1:
            raise AssertionError(f"class {label}: {counts} per validation fold; stratified "
                                 "folds differ by at most 1")


def folds_cases(impl):
    stratified_folds = watched(impl)
    for name, labels, k in _LABELS:
        def run(labels=labels, k=k) -> None:
            if labels is None:
                from ...data.datasets.titanic import load_titanic

                labels = load_titanic().train.numeric("Survived").astype(int).tolist()
            y = np.asarray(labels)
            _check_folds(stratified_folds(y, k, seed=0), y, k)
        yield Case(name, run)

    def seeded() -> None:
        y = np.asarray([0] * 12 + [1] * 8)
        a = [np.sort(np.asarray(v)).tolist() for _, v in stratified_folds(y, 4, seed=1)]
        b = [np.sort(np.asarray(v)).tolist() for _, v in stratified_folds(y, 4, seed=1)]
        c = [np.sort(np.asarray(v)).tolist() for _, v in stratified_folds(y, 4, seed=2)]
        if a != b:
            raise AssertionError("the same seed gave different folds")
        if a == c:
            raise AssertionError("seeds 1 and 2 gave the same folds: shuffle with the seed")
    yield Case("seed 1 twice gives the same folds, seed 2 others", seeded)

    def bad_k() -> None:
        for k in (1, 11):
            try:
                stratified_folds(np.zeros(10, dtype=int), k)
            except ValueError:
                continue
            raise AssertionError(f"k={k} with 10 rows must raise ValueError (2 <= k <= n)")
    yield Case("k=1 and k > n raise ValueError", bad_k)


def _folds_unstratified(y, k, seed=0):
    """Planted bug: contiguous folds of a shuffled order, classes ignored."""
    y = np.asarray(y)
    if not 2 <= k <= len(y):
        raise ValueError("bad k")
    order = np.arange(len(y))            # forgot to shuffle, and no stratification
    parts = np.array_split(order, k)
    return [(np.setdiff1d(order, p), p) for p in parts]


def _folds_restart_each_class(y, k, seed=0):
    """Planted bug: each class dealt from fold 0 again (fold sizes drift apart)."""
    y = np.asarray(y)
    if not 2 <= k <= len(y):
        raise ValueError("bad k")
    rng = np.random.default_rng(seed)
    fold_of = np.empty(len(y), dtype=int)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        fold_of[members] = np.arange(len(members)) % k
    return [(np.flatnonzero(fold_of != f), np.flatnonzero(fold_of == f)) for f in range(k)]


EXERCISES = [
    Exercise(
        id="titanic_title", entry="title_of", lesson="kaggle-titanic", at=("kaggle:titanic",),
        title=("The title feature of a Titanic name", "从泰坦尼克号乘客姓名中提取称谓"),
        task=("Return the title in a passenger's name, folded into five groups. Kaggle writes "
              "names as 'Surname, Title. Given names': the title is the text between the first "
              "comma and the next full stop ('the Countess' is one title). Mlle and Ms count as "
              "Miss, Mme as Mrs; Mr, Mrs, Miss and Master are kept; every other title, and a "
              "name without that pattern, is 'Rare'.",
              "返回乘客姓名里的称谓，并归入五类。Kaggle 的姓名写法是“姓, 称谓. 名字”：称谓是第一个"
              "逗号之后、下一个句点之前的文字（'the Countess' 是一个称谓）。Mlle 和 Ms 算作 Miss，"
              "Mme 算作 Mrs；Mr、Mrs、Miss、Master 保持不变；其余称谓以及不符合这个格式的姓名都"
              "归为 'Rare'。"),
        stub='''
            def title_of(name: str) -> str:
                """'Braund, Mr. Owen Harris' -> 'Mr'; one of Mr, Mrs, Miss, Master, Rare"""
        ''',
        imports=("import re",),
        reference="dlfs.recipes.titanic:title_of",
        cases=title_cases,
        mutants={"Mlle/Ms/Mme not folded": _title_unfolded,
                 "the word after the comma": _title_second_word},
        hints=(("re.search(r',\\s*([^.]+)\\.', name) captures everything between the comma "
                "and the next full stop.",
                "re.search(r',\\s*([^.]+)\\.', name) 能取出逗号与下一个句点之间的全部文字。"),
               ("A small dict maps Mlle/Ms to Miss and Mme to Mrs; anything not in the four "
                "kept titles becomes 'Rare'.",
                "用一个小字典把 Mlle、Ms 映射为 Miss，Mme 映射为 Mrs；不在四个保留称谓里的都归为 "
                "'Rare'。")),
    ),
    Exercise(
        id="stratified_folds", entry="stratified_folds", lesson="kaggle-titanic",
        at=("kaggle:titanic", "kaggle:digits"),
        title=("Stratified k-fold splits", "分层 k 折划分"),
        task=("Return k (train_indices, validation_indices) pairs over the rows of y (a 1-D "
              "array of class labels) such that every row is validated exactly once, each "
              "pair's two parts are disjoint and cover all rows, the validation sizes differ "
              "by at most 1, and every class is spread evenly (its count per validation fold "
              "differs by at most 1). Shuffle with numpy.random.default_rng(seed), so a seed "
              "gives the same folds every time. Raise ValueError unless 2 <= k <= len(y).",
              "返回 k 个 (训练下标, 验证下标) 对，覆盖 y（一维类别标签数组）的所有行，"
              "要求：每一行恰好被验证一次；每对的两部分不相交且合起来是全部行；"
              "各验证集大小最多相差 1；每个类别均匀分布（它在各验证折中的数量最多相差 1）。"
              "用 numpy.random.default_rng(seed) 打乱，同一个 seed 每次得到相同的划分。"
              "除非 2 <= k <= len(y)，否则抛出 ValueError。"),
        stub='''
            def stratified_folds(y, k: int, seed: int = 0) -> list:
                """-> [(train_idx, val_idx), ...] of length k (numpy int arrays)"""
        ''',
        imports=("import numpy as np",),
        reference="dlfs.recipes.titanic:stratified_folds",
        cases=folds_cases,
        mutants={"not stratified, not shuffled": _folds_unstratified,
                 "each class dealt from fold 0 again": _folds_restart_each_class},
        hints=(("Give every row a fold number: shuffle each class's row indices, then deal them "
                "out round-robin 0, 1, ..., k-1, 0, 1, ...",
                "给每一行分配一个折号：先打乱每个类别的行下标，"
                "再轮流发到 0, 1, ..., k-1, 0, 1, ..."),
               ("Let the next class continue the round-robin where the previous one stopped, "
                "or the fold sizes drift apart. Fold f: validation = rows with fold f, "
                "training = the rest.",
                "下一个类别要从上一个类别停下的位置接着轮流发，否则各折大小会越差越多。第 f 折："
                "验证集是折号为 f 的行，训练集是其余的行。")),
    ),
]
