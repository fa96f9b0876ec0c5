"""The workbench: the learner writes each piece of the library, and the checker that proves
the library's own piece grades theirs (values and gradients against PyTorch, or the
invariant where PyTorch has no built-in), offline.

    dlfs exercise list | start ID | check ID | hint ID | solution ID --reveal | reset ID

In a notebook: ``from dlfs.exercises import check; check("gelu", my_gelu)``.

The names below are imported on first use, so ``dlfs --help`` does not import torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"all_exercises": "bank", "get_exercise": "bank", "check": "checking",
            "check_file": "checking", "Report": "grading", "format_report": "grading",
            "grade": "grading", "Case": "schema", "Exercise": "schema"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
