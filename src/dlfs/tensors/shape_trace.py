"""A shape trace: one row per tensor on the way through a model, with named axes.

A model that takes ``trace: list[TraceRow] | None`` appends a row at each step (``record``
does nothing when the trace is None); the caller prints :func:`format_trace` of it. The
model itself never prints — Day 27's "explain every tensor shape". A row's note is a message
key of :mod:`dlfs.i18n` (with its fields), looked up only when a trace is recorded.

>>> import torch
>>> rows: list[TraceRow] = []
>>> record(rows, "x", torch.zeros(2, 5, 8), "B,T,C", "library.trace.token_ids")
>>> rows[0].note
'token ids'
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

from .. import i18n
from ..textui import table

__all__ = ["TraceRow", "format_trace", "record"]


@dataclass(frozen=True)
class TraceRow:
    """One tensor on the way through the model."""

    name: str
    shape: tuple[int, ...]
    axes: str
    dtype: str
    note: str

    def cells(self) -> list[str]:
        """Name, named dims, dtype and note: one row of :func:`format_trace`."""
        dims = "(" + ", ".join(f"{a}={n}" for a, n in zip(self.axes.split(","), self.shape)) + ")"
        return [self.name, dims, self.dtype, self.note]

    def __str__(self) -> str:
        return "  ".join(self.cells())


def format_trace(rows: list[TraceRow]) -> str:
    """The trace as aligned lines, for the caller to print."""
    return "\n".join(table([r.cells() for r in rows]))


def record(trace: list[TraceRow] | None, name: str, x: Tensor, axes: str, note: str,
           **fields: object) -> None:
    """Append ``x``'s row to ``trace`` (``axes`` names its dims, e.g. "B,H,T,D"); ``note`` is
    the message key that describes the step, filled with ``fields``."""
    if trace is not None:
        trace.append(TraceRow(name, tuple(x.shape), axes, str(x.dtype).replace("torch.", ""),
                              i18n.t(note, **fields)))
