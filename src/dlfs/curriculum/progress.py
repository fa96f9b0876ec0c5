"""The learner's progress: which checks passed, stored as a small JSON file.

The file lives in :func:`dlfs.paths.data_home` (override with ``DLFS_HOME``). Keys are
``"lesson:<id>"`` for lesson checks; other tools (the gym judge) add their own prefixes.
Writes are atomic (temp file + rename), so an interrupted write never loses earlier results.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..errors import DlfsError
from ..paths import data_home

STATE_VERSION = 1


class ProgressStore:
    """Read and update ``progress.json``.

    >>> import tempfile, pathlib
    >>> store = ProgressStore(pathlib.Path(tempfile.mkdtemp()) / "progress.json")
    >>> store.record("lesson:env-setup", passed=True)
    >>> store.status("lesson:env-setup"), store.status("lesson:other")
    ('passed', None)
    """

    def __init__(self, path: Path | None = None):
        self.path = path or data_home() / "progress.json"

    def load(self) -> dict:
        """The whole state; an absent file is an empty state."""
        if not self.path.exists():
            return {"version": STATE_VERSION, "checks": {}}
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DlfsError(
                f"progress file {self.path} is unreadable ({exc}); move it aside to start over"
            ) from exc
        state.setdefault("checks", {})
        return state

    def record(self, key: str, *, passed: bool, detail: str = "") -> None:
        """Store the newest result of check ``key``."""
        state = self.load()
        state["checks"][key] = {
            "status": "passed" if passed else "failed",
            "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "detail": detail,
        }
        self._write(state)

    def status(self, key: str) -> str | None:
        """``'passed'``, ``'failed'`` or None when never checked."""
        entry = self.load()["checks"].get(key)
        return entry["status"] if entry else None

    def _write(self, state: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".progress-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(state, f, indent=1, ensure_ascii=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
