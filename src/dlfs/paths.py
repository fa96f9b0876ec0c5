"""Where dlfs reads and writes on disk. Every location can be overridden by an environment
variable, which is how the tests keep their files in temporary directories.

=================  ==========================  ======================================
what               variable                    default
=================  ==========================  ======================================
lesson outputs     ``DLFS_RUNS_DIR``           ``./runs``
user state         ``DLFS_HOME``               ``$XDG_DATA_HOME/dlfs`` or ``~/.local/share/dlfs``
user data files    ``DLFS_DATA_DIR``           ``./data``
=================  ==========================  ======================================
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def runs_dir() -> Path:
    """Root directory for lesson and training outputs (figures, logs, checkpoints)."""
    return Path(os.environ.get("DLFS_RUNS_DIR", "runs")).resolve()


def data_home() -> Path:
    """Directory for the learner's own state: progress, judge history, review journal."""
    if "DLFS_HOME" in os.environ:
        return Path(os.environ["DLFS_HOME"]).resolve()
    if os.name == "nt" and "APPDATA" in os.environ:
        return Path(os.environ["APPDATA"]) / "dlfs"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "dlfs"


def data_dir() -> Path:
    """Directory where a user drops real data sets (``data/mnist/``, ``data/cifar10/`` …)."""
    return Path(os.environ.get("DLFS_DATA_DIR", "data")).resolve()


def repo_root() -> Path | None:
    """The source checkout this package was imported from, or None for a plain install.

    It is found by walking up from ``src/dlfs`` to a directory holding ``pyproject.toml`` and
    ``tests/``; that is where `dlfs check` finds the tests that back each lesson.
    """
    candidate = PACKAGE_DIR.parent.parent
    if (candidate / "pyproject.toml").is_file() and (candidate / "tests").is_dir():
        return candidate
    return None
