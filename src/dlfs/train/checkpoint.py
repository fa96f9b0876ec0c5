"""Checkpoint files: atomic writes, a checksum, keep-last-N, best, newest-good-one lookup.

A file holds ``{"format", "sha256", "payload"}`` where ``payload`` is the ``torch.save`` bytes
of the real content (model, optimizer, scheduler, scaler, counters, RNG states, data
position, config, versions) and ``sha256`` their checksum. Writing goes to a temporary file
in the same directory, is flushed and fsync'ed, then renamed over the target with
``os.replace`` — a crash leaves the old file or the new one, never half of one. Reading uses
``torch.load(..., weights_only=True)`` twice (outer and payload) and checks the checksum, so a
truncated or bit-flipped file is caught and named (:class:`CorruptCheckpointError`).

:class:`Checkpointer` is the minimal version for a hand-written loop (model, optimizer, step,
torch's random state in one file); ``fit`` uses :class:`CheckpointManager` with the full
payload of :func:`dlfs.train.resume.checkpoint_payload`.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import re
import tempfile
from pathlib import Path
from typing import Any

import torch

from ..errors import DlfsError
from ..i18n import t

__all__ = ["CheckpointManager", "Checkpointer", "CorruptCheckpointError", "atomic_save",
           "atomic_write_text", "load_checkpoint", "save_checkpoint"]

FORMAT = "dlfs-checkpoint-v1"
_STEP_RE = re.compile(r"^step-(\d+)\.pt$")


class CorruptCheckpointError(DlfsError):
    """A checkpoint file that cannot be read back intact (truncated, altered, foreign)."""

    def __init__(self, path: Path | str, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(t("train.checkpoint.unusable", path=path, reason=reason))


def atomic_save(obj: Any, path: Path | str) -> Path:
    """``torch.save(obj, path)`` so that ``path`` is never seen half-written.

    temp file in the same directory → write → flush → fsync → ``os.replace`` → fsync dir.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)  # atomic on POSIX and Windows within one file system
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_text(path: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` so that it is never seen half-written: the same
    temp file → fsync → ``os.replace`` sequence as :func:`atomic_save`.

    >>> import tempfile, pathlib
    >>> p = atomic_write_text(pathlib.Path(tempfile.mkdtemp()) / "run.json", "{}")
    >>> p.read_text(), [f.name for f in p.parent.iterdir()]
    ('{}', ['run.json'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    return path


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX only; a no-op where directories can't be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save_checkpoint(payload: dict[str, Any], path: Path | str) -> Path:
    """Write ``payload`` (tensors and plain containers only) with its checksum, atomically."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    data = buffer.getvalue()
    outer = {"format": FORMAT, "sha256": hashlib.sha256(data).hexdigest(),
             "payload": torch.frombuffer(bytearray(data), dtype=torch.uint8)}
    return atomic_save(outer, path)


def load_checkpoint(path: Path | str, map_location: Any = "cpu") -> dict[str, Any]:
    """Read a file written by :func:`save_checkpoint`; raise :class:`CorruptCheckpointError`.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.pt"
    >>> _ = save_checkpoint({"step": 3, "w": torch.ones(2)}, p)
    >>> load_checkpoint(p)["step"]
    3
    """
    path = Path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise CorruptCheckpointError(path, t("train.checkpoint.empty"))
    outer = _safe_load(path, path, "cpu")
    if (not isinstance(outer, dict) or outer.get("format") != FORMAT
            or not isinstance(outer.get("payload"), torch.Tensor)
            or not isinstance(outer.get("sha256"), str)):
        raise CorruptCheckpointError(path, t("train.checkpoint.foreign", format=FORMAT))
    data = outer["payload"].numpy().tobytes()
    if hashlib.sha256(data).hexdigest() != outer["sha256"]:
        raise CorruptCheckpointError(path, t("train.checkpoint.checksum"))
    return _safe_load(io.BytesIO(data), path, map_location)


def _safe_load(source: Path | io.BytesIO, path: Path, map_location: Any) -> Any:
    """``torch.load(..., weights_only=True)``; any failure but a missing file becomes a
    :class:`CorruptCheckpointError` with a one-line reason."""
    try:
        return torch.load(source, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise
    except pickle.UnpicklingError as exc:  # weights_only refused it: never unpickle it
        raise CorruptCheckpointError(path, t("train.checkpoint.unsafe")) from exc
    except Exception as exc:  # truncated zip, garbage bytes, a wrong inner format
        raise CorruptCheckpointError(path, t("train.checkpoint.unreadable",
                                             error=_first_line(exc))) from exc


def _first_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (200 characters at most; some have none)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0][:200] if text else 'no details'}"


class CheckpointManager:
    """The ``step-XXXXXXXX.pt`` files and ``best.pt`` of one directory.

    Args:
        directory: where the files live (created on first save).
        keep_last: how many step files to keep; older ones are deleted after each save.
    """

    def __init__(self, directory: Path | str, keep_last: int = 3):
        if keep_last < 1:
            raise ValueError(f"CheckpointManager: keep_last must be >= 1, got {keep_last}")
        self.directory, self.keep_last = Path(directory), keep_last

    @property
    def best_path(self) -> Path:
        return self.directory / "best.pt"

    def step_path(self, step: int) -> Path:
        return self.directory / f"step-{step:08d}.pt"

    def step_files(self) -> list[Path]:
        """Step checkpoints, newest (highest step) first; temp files are ignored."""
        if not self.directory.is_dir():
            return []
        found = [(int(m.group(1)), p) for p in self.directory.iterdir()
                 if (m := _STEP_RE.match(p.name))]
        return [p for _, p in sorted(found, reverse=True)]

    def save(self, payload: dict[str, Any], step: int) -> Path:
        """Write the checkpoint of ``step`` and delete step files beyond ``keep_last``."""
        path = save_checkpoint(payload, self.step_path(step))
        for old in self.step_files()[self.keep_last:]:
            old.unlink(missing_ok=True)
        return path

    def save_best(self, payload: dict[str, Any]) -> Path:
        return save_checkpoint(payload, self.best_path)

    def load_latest(self) -> tuple[Path | None, dict[str, Any] | None, list[str]]:
        """The newest step checkpoint that reads back intact.

        Returns ``(path, payload, problems)``: ``problems`` describes every newer file that
        was skipped; ``(None, None, problems)`` when no usable file exists.
        """
        problems: list[str] = []
        for path in self.step_files():
            try:
                return path, load_checkpoint(path), problems
            except CorruptCheckpointError as exc:
                problems.append(str(exc))
        return None, None, problems


class Checkpointer:
    """The smallest checkpoint that resumes a hand-written loop exactly: the model's and the
    optimizer's ``state_dict``, the step, and torch's CPU random state (dropout draws from
    it), in one file.

    Loaded into freshly built objects, ``k`` steps + save + load + ``m`` steps give weights
    equal, bit for bit, to ``k + m`` uninterrupted steps. The file is written atomically
    (:func:`atomic_save`) and read with ``weights_only=True``. What ``fit`` saves is the
    same idea at full size: :class:`CheckpointManager` with keep-last-N files and a checksum,
    and a payload that adds the scheduler, the GradScaler, every RNG (Python, NumPy, CUDA)
    and the data loader's position (:mod:`dlfs.train.resume`).
    """

    def save(self, path: Path | str, model: torch.nn.Module, optimizer: Any,
             step: int) -> None:
        """Write everything needed to continue training after ``step`` steps to ``path``."""
        atomic_save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                     "step": step, "rng": torch.get_rng_state()}, path)

    def load(self, path: Path | str, model: torch.nn.Module, optimizer: Any) -> int:
        """Restore model, optimizer and random state from ``path``; return the step."""
        payload = torch.load(path, weights_only=True)
        model.load_state_dict(payload["model"])
        optimizer.load_state_dict(payload["optimizer"])    # Adam's moments, step counts
        torch.set_rng_state(payload["rng"])        # dropout masks continue where they were
        return int(payload["step"])
