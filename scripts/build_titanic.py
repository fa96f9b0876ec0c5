"""Rebuild the Kaggle Titanic files shipped in ``src/dlfs/data/datasets/titanic/``.

Not imported by the package; run it by hand when the shipped CSVs must be regenerated::

    python -m venv /tmp/ttv && /tmp/ttv/bin/pip install h5py numpy   # h5py only for this script
    /tmp/ttv/bin/python scripts/build_titanic.py \\
        --vaex-wheel /tmp/wheels/vaex_core-4.19.0-cp311-cp311-manylinux_2_28_x86_64.whl \\
        --explainer-wheel /tmp/wheels/explainerdashboard-0.5.8-py3-none-any.whl

Inputs
------
* ``vaex/datasets/titanic.hdf5`` inside the vaex-core wheel (MIT): the 1,309-passenger
  "titanic3" table. Every value written comes from this table.
* ``explainerdashboard/datasets/titanic_{train,test}.csv`` inside the explainerdashboard wheel
  (MIT): Kaggle's 891 training passengers (names kept), cut into two parts of 691 and 200 rows,
  each part in Kaggle's row order. It tells which 891 of the 1,309 are Kaggle's training set.
* ``scripts/titanic_kaggle_order.txt``: Kaggle's row order, recorded as one surname per
  training row and one "Surname, Title. Given" key per test row. It decides how the two
  explainerdashboard parts interleave (PassengerId 1..891) and the order of the 418 test rows
  (PassengerId 892..1309).

Outputs: ``train.csv``, ``test.csv``, ``gender_submission.csv``, ``test_labels.csv`` in Kaggle's
column names and number formats; the script prints their SHA-256 sums.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "src" / "dlfs" / "data" / "datasets" / "titanic"
ORDER_FILE = Path(__file__).resolve().parent / "titanic_kaggle_order.txt"

TRAIN_COLUMNS = ["PassengerId", "Survived", "Pclass", "Name", "Sex", "Age", "SibSp", "Parch",
                 "Ticket", "Fare", "Cabin", "Embarked"]


def read_titanic3(hdf5_bytes: bytes) -> list[dict]:
    """Read vaex's HDF5 export: numbers are plain datasets; strings are a byte blob plus
    ``indices`` (n+1 offsets) and an optional ``null_bitmap`` (bit set = value present, LSB first).
    """
    import h5py
    import numpy as np

    with tempfile.NamedTemporaryFile(suffix=".hdf5") as tmp:
        tmp.write(hdf5_bytes)
        tmp.flush()
        with h5py.File(tmp.name, "r") as f:
            cols = f["table/columns"]
            order = cols.attrs["column_order"].split(",")
            table = {}
            for key in order:
                g = cols[key]
                if "indices" in g:
                    blob = g["data"][()].tobytes()
                    ix = g["indices"][()]
                    vals = [blob[ix[i]:ix[i + 1]].decode("utf-8") for i in range(len(ix) - 1)]
                    if "null_bitmap" in g:
                        bits = np.unpackbits(g["null_bitmap"][()], bitorder="little")
                        vals = [v if b else None for v, b in zip(vals, bits[:len(vals)])]
                else:
                    vals = g["data"][()].tolist()
                table[key] = vals
    n = len(table["name"])
    return [{k: table[k][i] for k in order} for i in range(n)]


def read_order() -> tuple[list[str], list[str]]:
    section, train, test = None, [], []
    for line in ORDER_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line in ("[train]", "[test]"):
            section = line
        elif section == "[train]":
            train.extend(line.split("|"))
        else:
            test.append(line)
    return train, test


def norm(name: str) -> str:
    return " ".join(re.sub(r'["()]', " ", name).split()).lower()


def surname(name: str) -> str:
    return name.split(",")[0].strip().lower()


def merge_parts(part_a: list[str], part_b: list[str], surnames: list[str]) -> list[tuple[str, int]]:
    """Interleave two order-preserving parts so that the surnames follow ``surnames``.

    Dynamic programming over (rows taken from a, rows taken from b); fails unless exactly one
    interleaving fits.
    """
    na, nb = len(part_a), len(part_b)
    assert na + nb == len(surnames), (na, nb, len(surnames))
    want = [s.lower() for s in surnames]
    # ways[i][j]: number of ways to finish from state (i, j), capped at 2
    ways = [[0] * (nb + 1) for _ in range(na + 1)]
    ways[na][nb] = 1
    for i in range(na, -1, -1):
        for j in range(nb, -1, -1):
            if i == na and j == nb:
                continue
            k, w = i + j, 0
            if i < na and surname(part_a[i]) == want[k]:
                w += ways[i + 1][j]
            if j < nb and surname(part_b[j]) == want[k]:
                w += ways[i][j + 1]
            ways[i][j] = min(w, 2)
    if ways[0][0] != 1:
        raise SystemExit(f"train order: {ways[0][0]} interleavings fit (need exactly 1)")
    out, i, j = [], 0, 0
    while i + j < na + nb:
        if i < na and surname(part_a[i]) == want[i + j] and ways[i + 1][j]:
            out.append(("a", i))
            i += 1
        else:
            out.append(("b", j))
            j += 1
    return out


def fmt_num(x: float, places: int) -> str:
    s = f"{x:.{places}f}".rstrip("0").rstrip(".")
    return s if s != "-0" else "0"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vaex-wheel", required=True)
    ap.add_argument("--explainer-wheel", required=True)
    ap.add_argument("--out", default=str(OUT_DIR))
    args = ap.parse_args()

    with zipfile.ZipFile(args.vaex_wheel) as z:
        rows = read_titanic3(z.read("vaex/datasets/titanic.hdf5"))
    parts = {}
    with zipfile.ZipFile(args.explainer_wheel) as z:
        for part in ("train", "test"):
            text = z.read(f"explainerdashboard/datasets/titanic_{part}.csv").decode("utf-8")
            parts[part] = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1309 and len(parts["train"]) == 691 and len(parts["test"]) == 200

    # 1. Which titanic3 row is each explainerdashboard row? By name; the two names that occur
    #    twice in titanic3 are told apart by fare and age.
    by_name: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_name.setdefault(r["name"], []).append(i)

    def locate(ed: dict) -> int:
        cands = by_name[ed["Name"]]
        if len(cands) == 1:
            return cands[0]
        fare, age = float(ed["Fare"]), float(ed["Age"])
        fit = [i for i in cands if abs(rows[i]["fare"] - fare) < 1e-3
               and (age == -999 or abs(rows[i]["age"] - age) < 0.01)]
        assert len(fit) == 1, (ed["Name"], fit)
        return fit[0]

    loc = {p: [locate(r) for r in parts[p]] for p in parts}
    train_surnames, test_keys = read_order()
    merged = merge_parts([r["Name"] for r in parts["train"]], [r["Name"] for r in parts["test"]],
                         train_surnames)
    train_idx = [loc["train" if p == "a" else "test"][k] for p, k in merged]
    assert len(set(train_idx)) == 891

    # 2. The other 418 titanic3 rows are Kaggle's test set; order them by the recorded keys.
    pool = sorted(set(range(len(rows))) - set(train_idx))
    assert len(pool) == 418 and len(test_keys) == 418
    test_idx, used = [], set()
    for n, key in enumerate(test_keys, start=892):
        k = norm(key)
        fit = [i for i in pool if i not in used
               and (norm(rows[i]["name"]) == k or norm(rows[i]["name"]).startswith(k + " "))]
        if len(fit) != 1:
            names = [rows[i]["name"] for i in fit]
            raise SystemExit(f"test PassengerId {n}: key {key!r} fits {names}")
        used.add(fit[0])
        test_idx.append(fit[0])

    def record(i: int, pid: int) -> dict:
        r = rows[i]
        return {
            "PassengerId": str(pid),
            "Survived": str(int(r["survived"])),
            "Pclass": str(r["pclass"]),
            "Name": r["name"],
            "Sex": r["sex"],
            "Age": "" if r["age"] != r["age"] else fmt_num(r["age"], 2),
            "SibSp": str(r["sibsp"]),
            "Parch": str(r["parch"]),
            "Ticket": r["ticket"] or "",
            "Fare": "" if r["fare"] != r["fare"] else fmt_num(r["fare"], 4),
            "Cabin": r["cabin"] or "",
            "Embarked": r["embarked"] or "",
        }

    train = [record(i, pid) for pid, i in enumerate(train_idx, start=1)]
    test = [record(i, pid) for pid, i in enumerate(test_idx, start=892)]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    def write(name: str, columns: list[str], recs: list[dict]) -> None:
        with open(out / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(columns)
            for rec in recs:
                w.writerow([rec[c] for c in columns])

    write("train.csv", TRAIN_COLUMNS, train)
    write("test.csv", [c for c in TRAIN_COLUMNS if c != "Survived"], test)
    write("gender_submission.csv", ["PassengerId", "Survived"],
          [{"PassengerId": t["PassengerId"], "Survived": "1" if t["Sex"] == "female" else "0"}
           for t in test])
    write("test_labels.csv", ["PassengerId", "Survived"], test)

    right = sum((t["Sex"] == "female") == (t["Survived"] == "1") for t in test)
    print(f"gender baseline on the rebuilt labels: {right}/418 = {right / 418:.5f}")
    for name in ("train.csv", "test.csv", "gender_submission.csv", "test_labels.csv"):
        data = (out / name).read_bytes()
        print(f"{hashlib.sha256(data).hexdigest()}  {len(data):6d}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
