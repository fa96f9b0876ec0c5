"""What a running lesson needs to know about itself: its mode and where to write.

A lesson starts with::

    ctx = lesson_context("broadcasting")
    steps = 50 if ctx.quick else 2000

The mode comes from the runner (``dlfs run --quick``/``--full`` set ``DLFS_LESSON_MODE``),
or, when the file runs as ``python lesson.py [--quick|--full]``, from its own arguments.
Without either the lesson runs in full mode. Outputs go to ``runs/<lesson-id>/``, never into
the source tree.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..i18n import chosen_lang, title
from ..paths import runs_dir

MODE_ENV = "DLFS_LESSON_MODE"


def _in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (an executed notebook or docs page)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _mode_from_environment() -> str:
    mode = os.environ.get(MODE_ENV)
    if mode is None:
        if "--quick" in sys.argv[1:]:
            mode = "quick"
        elif "--full" in sys.argv[1:]:
            mode = "full"
        else:
            mode = "full"
    if mode not in ("quick", "full"):
        raise ValueError(f"{MODE_ENV} must be 'quick' or 'full', got {mode!r}")
    return mode


@dataclass(frozen=True)
class LessonContext:
    """Mode and output directory of one lesson run."""

    lesson_id: str
    quick: bool

    @property
    def in_kernel(self) -> bool:
        """Whether the lesson runs in a Jupyter kernel (a notebook or a page of the site),
        where figures are displayed and ``input()`` is a prompt in the notebook."""
        return _in_kernel()

    @property
    def out_dir(self) -> Path:
        """``runs/<lesson-id>/``, created on first use."""
        path = runs_dir() / self.lesson_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def path(self, name: str) -> Path:
        """Path of an output file inside :attr:`out_dir`."""
        return self.out_dir / name

    def savefig(self, fig: Any, name: str) -> Path:
        """Save a matplotlib figure as ``runs/<lesson-id>/<name>``, show it when the lesson
        runs in a notebook kernel (executed pages and notebooks then hold the image), close
        it, print the path."""
        import matplotlib.pyplot as plt

        target = self.path(name)
        fig.savefig(target, dpi=110, bbox_inches="tight")
        if self.in_kernel:
            from IPython.display import Image, display

            # the saved PNG itself: a Figure object shows as an image only under the inline
            # backend, not with Agg (what the site's kernels and MPLBACKEND=Agg give)
            display(Image(filename=str(target)))
        plt.close(fig)
        print(f"[figure] {target}")
        return target

    def notice(self, holds: bool, en: str, zh: str) -> None:
        """Say in one line what to look at in the output above (English and Chinese).

        ``holds`` is the check behind the sentence: a lesson never points at something that
        is not there, so a false ``holds`` fails the lesson with the sentence as the message.
        """
        if not holds:
            raise AssertionError(f"the lesson's note does not hold: {en}")
        print(f"→ {en}\n  {zh}" if chosen_lang() is None else f"→ {title(en, zh)}")


def lesson_context(lesson_id: str) -> LessonContext:
    """The context for the lesson ``lesson_id`` (quick or full mode, output directory)."""
    return LessonContext(lesson_id=lesson_id, quick=_mode_from_environment() == "quick")
