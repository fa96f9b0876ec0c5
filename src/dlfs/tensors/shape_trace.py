"""A shape trace: one row per tensor on the way through a model, with named axes.

A model that takes ``trace: list[TraceRow] | None`` appends a row at each step (``record``
does nothing when the trace is None); the caller prints :func:`format_trace` of it. The
model itself never prints — Day 27's "explain every tensor shape".

>>> import torch
>>> rows: list[TraceRow] = []
>>> record(rows, "x", torch.zeros(2, 5, 8), "B,T,C", "the input")
>>> print(format_trace(rows))
x                          (B=2, T=5, C=8)          float32  the input
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor

__all__ = ["TraceRow", "format_trace", "record"]


@dataclass(frozen=True)
class TraceRow:
    """One tensor on the way through the model."""

    name: str
    shape: tuple[int, ...]
    axes: str
    dtype: str
    note: str

    def __str__(self) -> str:
        dims = "(" + ", ".join(f"{a}={n}" for a, n in zip(self.axes.split(","), self.shape)) + ")"
        return f"{self.name:<26} {dims:<24} {self.dtype:<8} {self.note}"


def format_trace(rows: list[TraceRow]) -> str:
    """The trace as aligned lines, for the caller to print."""
    return "\n".join(str(r) for r in rows)


def record(trace: list[TraceRow] | None, name: str, t: Tensor, axes: str, note: str) -> None:
    """Append ``t``'s row to ``trace`` (``axes`` names its dims, e.g. "B,H,T,D")."""
    if trace is not None:
        trace.append(TraceRow(name, tuple(t.shape), axes, str(t.dtype).replace("torch.", ""),
                              note))
