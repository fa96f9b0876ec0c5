"""Finding the checkpoint a resumed run starts from, and saying what was skipped.

``resume=True`` takes the newest ``step-*.pt`` in ``checkpoint_dir`` that reads back intact;
each newer file that is truncated or damaged is reported with a :class:`CheckpointWarning`
(and in ``History.events``) and the previous good one is used. ``resume="file.pt"`` takes
that file and fails with :class:`CorruptCheckpointError` if it is damaged.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from .checkpoint import CheckpointManager, load_checkpoint
from .config import TrainConfig

__all__ = ["CheckpointWarning", "load_resume_payload"]


class CheckpointWarning(UserWarning):
    """A checkpoint was skipped (damaged) or none was found; training goes on without it."""


def load_resume_payload(config: TrainConfig) -> tuple[Path | None, dict[str, Any] | None,
                                                      list[str]]:
    """``(path, payload, notes)`` for ``config.resume``; payload None means start fresh."""
    if isinstance(config.resume, str):
        path = Path(config.resume)
        return path, load_checkpoint(path), [f"resumed from {path}"]
    manager = CheckpointManager(config.checkpoint_dir, config.keep_last)
    path, payload, problems = manager.load_latest()
    notes = []
    for problem in problems:
        note = f"{problem}; skipped it and tried the previous checkpoint"
        warnings.warn(note, CheckpointWarning, stacklevel=3)
        notes.append(note)
    if payload is None:
        note = f"no usable checkpoint in {manager.directory}; starting a fresh run"
        if problems:
            warnings.warn(note, CheckpointWarning, stacklevel=3)
        notes.append(note)
        return None, None, notes
    notes.append(f"resumed from {path} (step {payload['trainer']['step']})")
    return path, payload, notes
