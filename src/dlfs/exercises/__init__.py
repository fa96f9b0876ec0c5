"""The workbench: the learner writes each piece of the library, and the checker that proves
the library's own piece grades theirs (values and gradients against PyTorch, or the
invariant where PyTorch has no built-in), offline.

    dlfs exercise list | start ID | check ID | hint ID | solution ID --reveal | reset ID

In a notebook: ``from dlfs.exercises import check; check("gelu", my_gelu)``.
"""

from __future__ import annotations

from .bank import all_exercises, get_exercise
from .checking import check, check_file
from .grading import Report, format_report, grade
from .schema import Case, Exercise

__all__ = ["Case", "Exercise", "Report", "all_exercises", "check", "check_file",
           "format_report", "get_exercise", "grade"]
