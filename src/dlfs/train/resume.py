"""Resuming: what a checkpoint of a run holds, finding the newest good one, restoring it.

``resume=True`` takes the newest ``step-*.pt`` in ``checkpoint_dir`` that reads back intact;
each newer file that is truncated or damaged is reported with a :class:`CheckpointWarning`
(and in ``History.events``) and the previous good one is used. ``resume="file.pt"`` takes
that file and fails with :class:`CorruptCheckpointError` if it is damaged.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .. import __version__
from .checkpoint import CheckpointManager, load_checkpoint
from .config import TrainConfig
from .history import History
from .rng import capture_rng_state, restore_rng_state
from .state import TrainState

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["CheckpointWarning", "checkpoint_payload", "load_resume_payload", "restore_trainer"]


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


def checkpoint_payload(trainer: Trainer) -> dict[str, Any]:
    """Everything a resume needs, as tensors and plain containers (weights_only-safe):
    model, optimizer, scheduler, scaler, counters, RNG states (now and at the epoch start),
    the loader's position (if it has ``state_dict``), history, config and versions."""
    loader = trainer.train_loader
    optional = {"scheduler": trainer.scheduler, "scaler": trainer.scaler}
    return {
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        **{k: (v.state_dict() if v is not None else None) for k, v in optional.items()},
        "trainer": trainer.state.to_dict(), "extra": dict(trainer.checkpoint_extra),
        "rng": capture_rng_state(), "epoch_rng": trainer.epoch_rng,
        "loader": loader.state_dict() if hasattr(loader, "state_dict") else None,
        "history": trainer.history.to_dict(), "config": trainer.config.to_dict(),
        "versions": {"dlfs": __version__, "torch": str(torch.__version__)},
    }


def restore_trainer(trainer: Trainer, payload: dict[str, Any]) -> None:
    """Put a :func:`checkpoint_payload` back into ``trainer`` (the data position is applied
    when the epoch is reopened)."""
    trainer.model.load_state_dict(payload["model"])
    trainer.optimizer.load_state_dict(payload["optimizer"])
    for obj, key in ((trainer.scheduler, "scheduler"), (trainer.scaler, "scaler")):
        if obj is not None and payload[key] is not None:
            obj.load_state_dict(payload[key])
    trainer.state = TrainState.from_dict(payload["trainer"])
    trainer.checkpoint_extra = dict(payload["extra"])
    trainer.history = History.from_dict(payload["history"])
    trainer.epoch_rng = payload["epoch_rng"]
    restore_rng_state(payload["rng"])
