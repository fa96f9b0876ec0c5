"""The trainer's options as one frozen, validated dataclass.

``fit`` takes either a :class:`TrainConfig` or the same names as keywords
(``fit(..., epochs=3, amp="bf16")``); both end up here, so a bad value fails before any
training with a message that names the option.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

__all__ = ["TrainConfig"]

_AMP_CHOICES = (None, "bf16", "fp16")
_RESUME_HPARAMS = ("checkpoint", "given")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that shapes a training run except the objects (model, data, optimizer).

    Attributes:
        epochs: passes over the training data; ``None`` means "until ``max_steps``".

        max_steps: stop after this many optimizer steps (counted over the whole run,
            including steps done before a resume).

        device: ``"auto"`` (CUDA, then MPS, then CPU) or a device name like ``"cpu"``.

        grad_accum_steps: micro-batches whose gradients are summed before one optimizer
            step; the loss of each is divided by this number, so 4 micro-batches of 8 give
            the gradient of one batch of 32.

        clip_grad_norm: if set, rescale all gradients so their global L2 norm is at most this.

        amp: ``None`` (full precision), ``"bf16"`` (autocast to bfloat16; the CPU choice) or
            ``"fp16"`` (autocast to float16 with a dynamic loss scaler; on CPU too, where it
            is slower than bf16 and is there to learn loss scaling).

        log_dir: TensorBoard event files go here (adds a TensorBoardLogger).

        checkpoint_dir: checkpoints go here (``step-000012.pt`` files and ``best.pt``).

        checkpoint_every: also checkpoint every this many optimizer steps (``None``: only
            at the end of each epoch and when training stops).

        keep_last: how many ``step-*.pt`` files to keep (older ones are deleted).

        monitor: the epoch metric that picks ``best.pt`` (``None``: ``"val/loss"`` when
            there is validation data, else ``"train/loss"``).

        monitor_mode: ``"min"`` or ``"max"``: which direction is better for ``monitor``.

        resume: ``False``; ``True`` (continue from the newest good checkpoint in
            ``checkpoint_dir`` when there is one); or the path of a checkpoint file.

        resume_hparams: on resume, whose hyper-parameters the optimizer and scheduler keep:
            ``"checkpoint"`` (the saved ones, as ``optimizer.load_state_dict`` does) or
            ``"given"`` (those of the optimizer and scheduler passed to ``fit`` — learning
            rate, weight decay, betas, the schedule's base rates — while their state, such
            as Adam's moments and the schedule's position, comes from the checkpoint; so a
            run can continue with a lower learning rate). Changes are noted in
            ``History.events``.

        seed: seeds Python, NumPy and torch at the start of a fresh run, and fixes the data
            order of epoch ``e`` to ``seed + e`` for loaders that have a ``generator``.

        scheduler_interval: call ``scheduler.step()`` after every optimizer ``"step"`` or
            once per ``"epoch"``.

        log_every: record the step loss in callbacks' step logs every this many steps
            (the History keeps every step).

        nan_guard: stop at the first non-finite loss, gradient or weight with a
            :class:`~dlfs.train.NonFiniteError` naming the module where it began (adds a
            :class:`~dlfs.train.NaNGuard` first, unless one is given). Its checks cost
            under 2 % of a step; the module is found by replaying the bad batch.

        deterministic: run under :func:`dlfs.runtime.deterministic_algorithms`, so two runs
            with the same seed are bitwise equal on any (fixed) number of threads. On the
            CPU this only changes the backward of indexing with repeated indices (embedding
            lookups), which otherwise adds with thread-timing-dependent atomic adds.

        compile: train through ``torch.compile`` of the model (TorchInductor; on the CPU it
            writes and builds C++ kernels, so a compiler must be installed). The first step
            traces and compiles (tens of seconds; ``TORCHINDUCTOR_CACHE_DIR`` keeps the
            kernels for later runs), the following ones run the compiled graph. Only the
            training forward and backward are compiled: evaluation, the NaN guard's replay,
            checkpoints and everything after ``fit`` use the model itself, whose weights the
            compiled one shares.

    >>> TrainConfig(epochs=2).grad_accum_steps
    1
    >>> TrainConfig()
    Traceback (most recent call last):
    ...
    ValueError: TrainConfig: give epochs or max_steps (or both); neither was given
    """

    epochs: int | None = None
    max_steps: int | None = None
    device: str = "auto"
    grad_accum_steps: int = 1
    clip_grad_norm: float | None = None
    amp: str | None = None
    log_dir: str | None = None
    checkpoint_dir: str | None = None
    checkpoint_every: int | None = None
    keep_last: int = 3
    monitor: str | None = None
    monitor_mode: str = "min"
    resume: bool | str = False
    seed: int = 0
    scheduler_interval: str = "step"
    log_every: int = 1
    resume_hparams: str = "checkpoint"
    nan_guard: bool = False
    deterministic: bool = False
    compile: bool = False

    def __post_init__(self) -> None:
        for name in ("log_dir", "checkpoint_dir"):
            value = getattr(self, name)
            if isinstance(value, Path):  # accept paths, store plain strings
                object.__setattr__(self, name, str(value))
        if isinstance(self.resume, Path):
            object.__setattr__(self, "resume", str(self.resume))
        _check_lengths(self)
        _check_choices(self)
        if self.resume and self.checkpoint_dir is None and not isinstance(self.resume, str):
            raise ValueError("TrainConfig: resume=True needs checkpoint_dir (where to look for "
                             "checkpoints), or pass resume='path/to/checkpoint.pt'")

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """Names accepted as keywords by ``fit``."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def to_dict(self) -> dict[str, Any]:
        """The options as a plain dict (stored in checkpoints)."""
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some options changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _positive_int(cfg: TrainConfig, name: str, allow_none: bool) -> None:
    value = getattr(cfg, name)
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"TrainConfig: {name} must be an int >= 1, got {value!r}")


def _check_lengths(cfg: TrainConfig) -> None:
    if cfg.epochs is None and cfg.max_steps is None:
        raise ValueError("TrainConfig: give epochs or max_steps (or both); neither was given")
    for name in ("epochs", "max_steps", "checkpoint_every"):
        _positive_int(cfg, name, allow_none=True)
    for name in ("grad_accum_steps", "keep_last", "log_every"):
        _positive_int(cfg, name, allow_none=False)
    if cfg.clip_grad_norm is not None and not cfg.clip_grad_norm > 0:
        raise ValueError(f"TrainConfig: clip_grad_norm must be > 0, got {cfg.clip_grad_norm!r}")
    if isinstance(cfg.seed, bool) or not isinstance(cfg.seed, int) or not 0 <= cfg.seed < 2**32:
        raise ValueError(f"TrainConfig: seed must be an int in [0, 2**32), got {cfg.seed!r}")


def _check_choices(cfg: TrainConfig) -> None:
    if cfg.amp not in _AMP_CHOICES:
        raise ValueError(f"TrainConfig: amp must be one of {_AMP_CHOICES}, got {cfg.amp!r}")
    if cfg.monitor_mode not in ("min", "max"):
        raise ValueError(f"TrainConfig: monitor_mode must be 'min' or 'max', "
                         f"got {cfg.monitor_mode!r}")
    if cfg.scheduler_interval not in ("step", "epoch"):
        raise ValueError(f"TrainConfig: scheduler_interval must be 'step' or 'epoch', "
                         f"got {cfg.scheduler_interval!r}")
    if cfg.resume_hparams not in _RESUME_HPARAMS:
        raise ValueError(f"TrainConfig: resume_hparams must be one of {_RESUME_HPARAMS}, "
                         f"got {cfg.resume_hparams!r}")
    try:
        if cfg.device != "auto":
            torch.device(cfg.device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"TrainConfig: device {cfg.device!r} is not a device name "
                         "(try 'auto', 'cpu', 'cuda', 'cuda:1', 'mps')") from exc
