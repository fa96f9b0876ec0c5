"""Kaggle-style CSV files: a header row, then one record per row (quoted fields allowed).

:func:`read_csv` keeps every field as text and remembers the line each record started on,
so that a later conversion error can say exactly where it happened::

    train.csv: line 7, column 6 ('Age'): expected a number or an empty field, found 'abc'

:func:`csv_dataset` turns chosen numeric columns into a :class:`~dlfs.data.TensorDataset`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ...i18n import t
from ..dataset import TensorDataset
from ..errors import DataFormatError

__all__ = ["CsvTable", "csv_dataset", "read_csv"]


@dataclass
class CsvTable:
    """A parsed CSV: ``columns`` (header names), ``rows`` (lists of strings), ``lines``."""

    path: Path
    columns: list[str]
    rows: list[list[str]]
    lines: list[int] = field(default_factory=list)  # line number where each row starts

    def __len__(self) -> int:
        return len(self.rows)

    def index(self, name: str) -> int:
        """Position of column ``name``; an unknown name lists the known ones."""
        if name not in self.columns:
            raise DataFormatError(self.path, t("library.data.at.header_line"),
                                  t("library.data.want.column", name=name),
                                  t("library.data.got.columns", columns=self.columns))
        return self.columns.index(name)

    def column(self, name: str) -> list[str]:
        """The raw text of one column."""
        j = self.index(name)
        return [row[j] for row in self.rows]

    def numeric(self, name: str, missing: float = math.nan) -> np.ndarray:
        """One column as float64 ``(N,)``; empty fields become ``missing``.

        A field that is not a number raises an error naming its line and column.
        """
        j = self.index(name)
        out = np.empty(len(self.rows))
        for i, row in enumerate(self.rows):
            text = row[j].strip()
            try:
                out[i] = float(text) if text else missing
            except ValueError:
                raise DataFormatError(self.path, t("library.data.at.cell", line=self.lines[i],
                                                        column=j + 1, name=name),
                                      t("library.data.want.number_or_empty"),
                                      repr(row[j])) from None
        return out

    def categories(self, name: str) -> tuple[np.ndarray, list[str]]:
        """One text column as integer codes ``(N,)`` and the sorted category names."""
        values = self.column(name)
        names = sorted(set(values))
        lookup = {v: k for k, v in enumerate(names)}
        return np.array([lookup[v] for v in values], dtype=np.int64), names


def _utf8_text(path: Path) -> str:
    """The file as text (a UTF-8 byte-order mark dropped); a byte sequence that is not UTF-8
    is a :class:`DataFormatError` naming its line and byte offset."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise DataFormatError(path, t("library.data.at.line_byte", line=line, byte=exc.start),
                              t("library.data.want.utf8"),
                              t("library.data.got.not_utf8",
                                bytes=raw[exc.start:exc.start + 4])) from None


def read_csv(path: str | Path, required: Sequence[str] = (), delimiter: str = ",") -> CsvTable:
    """Read a CSV with a header; every record must have as many fields as the header.

    ``required`` columns must appear in the header. Blank lines are skipped. The file must
    be UTF-8 (a byte-order mark is allowed).
    """
    path = Path(path)
    with io.StringIO(_utf8_text(path), newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise DataFormatError(path, t("library.data.at.line", n=1),
                                      t("library.data.want.header_row"),
                                      t("library.data.got.empty_file"))
            columns = [h.strip() for h in header]
            rows, lines = [], []
            start = reader.line_num + 1
            for row in reader:
                if row:
                    if len(row) != len(columns):
                        raise DataFormatError(path, t("library.data.at.line", n=start),
                                              t("library.data.want.fields", n=len(columns)),
                                              f"{len(row)}")
                    rows.append(row)
                    lines.append(start)
                start = reader.line_num + 1
        except csv.Error as exc:
            raise DataFormatError(path, t("library.data.at.line", n=reader.line_num),
                                  t("library.data.want.csv"), str(exc)) from exc
    table = CsvTable(path, columns, rows, lines)
    for name in required:
        table.index(name)
    return table


def csv_dataset(path: str | Path, target: str | None, features: Sequence[str] | None = None,
                missing: float = math.nan) -> TensorDataset:
    """Numeric columns as x float32 ``(N, F)`` and ``target`` as y ``(N,)``.

    ``features`` defaults to every column but the target. y is int64 when every target value
    is a whole number, else float32. ``target=None`` (a Kaggle test file) gives x only.
    """
    table = read_csv(path, required=[c for c in [target, *(features or [])] if c])
    names = list(features) if features is not None else [c for c in table.columns if c != target]
    x = np.stack([table.numeric(c, missing) for c in names], axis=1) if names else \
        np.zeros((len(table), 0))
    xt = torch.tensor(x, dtype=torch.float32)  # (N, F)
    if target is None:
        return TensorDataset(xt)
    y = table.numeric(target)
    if np.isnan(y).any():
        row = int(np.flatnonzero(np.isnan(y))[0])
        raise DataFormatError(table.path, t("library.data.at.cell", line=table.lines[row],
                                               column=table.index(target) + 1, name=target),
                              t("library.data.want.target"), t("library.data.got.empty_field"))
    whole = np.all(np.mod(y, 1) == 0)
    yt = torch.tensor(y, dtype=torch.int64 if whole else torch.float32)
    return TensorDataset(xt, yt)
