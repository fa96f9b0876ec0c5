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
from ..i18n import t
from .checkpoint import CheckpointManager, load_checkpoint
from .config import TrainConfig
from .history import History
from .rng import capture_rng_state, restore_rng_state
from .state import TrainState

if TYPE_CHECKING:
    from .loop import Trainer

__all__ = ["CheckpointWarning", "apply_hyperparameters", "checkpoint_payload", "hyperparameters",
           "load_resume_payload", "restore_trainer"]


class CheckpointWarning(UserWarning):
    """A checkpoint was skipped (damaged) or none was found; training goes on without it."""


def load_resume_payload(config: TrainConfig) -> tuple[Path | None, dict[str, Any] | None,
                                                      list[str]]:
    """``(path, payload, notes)`` for ``config.resume``; payload None means start fresh."""
    if isinstance(config.resume, str):
        path = Path(config.resume)
        return path, load_checkpoint(path), [t("train.resume.from_file", path=path)]
    manager = CheckpointManager(config.checkpoint_dir, config.keep_last)
    path, payload, problems = manager.load_latest()
    notes = []
    for problem in problems:
        note = t("train.resume.skipped", problem=problem)
        warnings.warn(note, CheckpointWarning, stacklevel=3)
        notes.append(note)
    if payload is None:
        note = t("train.resume.none", directory=manager.directory)
        if problems:
            warnings.warn(note, CheckpointWarning, stacklevel=3)
        notes.append(note)
        return None, None, notes
    notes.append(t("train.resume.from_step", path=path, step=payload["trainer"]["step"]))
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


def restore_trainer(trainer: Trainer, payload: dict[str, Any]) -> list[str]:
    """Put a :func:`checkpoint_payload` back into ``trainer`` (the data position is applied
    when the epoch is reopened). With ``resume_hparams="given"`` the optimizer and the
    scheduler keep the hyper-parameters they were built with; returns what that changed."""
    given = hyperparameters(trainer) if trainer.config.resume_hparams == "given" else None
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
    return [] if given is None else apply_hyperparameters(trainer, given)


def _base_lr(group: dict[str, Any]) -> float:
    """A group's scheduled base rate (``initial_lr``, set by a scheduler), else its ``lr``."""
    return group.get("initial_lr", group["lr"])


def hyperparameters(trainer: Trainer) -> list[dict[str, Any]]:
    """Each param group's settings without its parameters; ``lr`` is the base rate."""
    return [{**{k: v for k, v in g.items() if k != "params"}, "lr": _base_lr(g)}
            for g in trainer.optimizer.param_groups]


def _scheduled_lrs(scheduler: Any, old_lrs: list[float], ratios: list[float]) -> list[float]:
    """The rates at the scheduler's position for its (new) base rates: the closed form where
    the schedule has one (``LambdaLR``: ``base * f(t)``), else the old rates rescaled."""
    if hasattr(scheduler, "lr_lambdas"):
        return [base * f(scheduler.last_epoch)
                for f, base in zip(scheduler.lr_lambdas, scheduler.base_lrs)]
    if hasattr(scheduler, "_get_closed_form_lr"):
        return list(scheduler._get_closed_form_lr())
    return [lr * r for lr, r in zip(old_lrs, ratios)]


def apply_hyperparameters(trainer: Trainer, given: list[dict[str, Any]]) -> list[str]:
    """Put the ``given`` group settings back over the loaded ones (the optimizer's state,
    e.g. Adam's moments, stays); the scheduler's base rates follow. Returns the changes as
    ``"group 0 lr: 0.001 -> 0.0001"`` lines."""
    groups, scheduler = trainer.optimizer.param_groups, trainer.scheduler
    notes, old_lrs, ratios = [], [g["lr"] for g in groups], []
    for i, (group, want) in enumerate(zip(groups, given)):
        old_base = _base_lr(group)
        for key, value in want.items():
            old = old_base if key == "lr" else group.get(key)
            if key != "initial_lr" and old != value:
                notes.append(t("train.resume.as_given", group=i, key=key, old=old,
                               value=value))
            if key not in ("lr", "initial_lr"):
                group[key] = value
        ratios.append(want["lr"] / old_base if old_base else 1.0)
        if "initial_lr" in group:
            group["initial_lr"] = want["lr"]
    if scheduler is not None and hasattr(scheduler, "base_lrs"):
        scheduler.base_lrs = [want["lr"] for want in given]
        lrs = _scheduled_lrs(scheduler, old_lrs, ratios)
        scheduler._last_lr = list(lrs)
    else:
        lrs = [want["lr"] for want in given]
    for group, lr in zip(groups, lrs):
        group["lr"] = lr
    return notes
