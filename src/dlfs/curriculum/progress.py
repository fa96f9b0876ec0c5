"""The learner's progress, stored as a small JSON file.

The file lives in :func:`dlfs.paths.data_home` (override with ``DLFS_HOME``). ``checks``
holds results by key: ``"lesson:<id>"`` for a contributor's `dlfs check`, ``"run:<id>"`` for
a lesson the learner ran, ``"gym:<problem>"`` for the gym judge. ``exercises`` holds the
workbench state of each exercise the learner touched (``status``, ``hints`` used,
``revealed``), and ``history`` every graded attempt. Writes are atomic (temp file +
rename), so an interrupted write never loses earlier results.
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
            return {"version": STATE_VERSION, "checks": {}, "exercises": {}, "history": []}
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DlfsError(
                f"progress file {self.path} is unreadable ({exc}); move it aside to start over"
            ) from exc
        state.setdefault("checks", {})
        state.setdefault("exercises", {})
        state.setdefault("history", [])
        return state

    def record(self, key: str, *, passed: bool, detail: str = "") -> None:
        """Store the newest result of check ``key``."""
        state = self.load()
        state["checks"][key] = {
            "status": "passed" if passed else "failed",
            "at": _now(),
            "detail": detail,
        }
        self._write(state)

    def status(self, key: str) -> str | None:
        """``'passed'``, ``'failed'`` or None when never checked."""
        entry = self.load()["checks"].get(key)
        return entry["status"] if entry else None

    # ---- the workbench -------------------------------------------------------------------

    def exercise(self, exercise_id: str) -> dict:
        """``{"status": "new" | "failing" | "solved", "revealed": bool, "hints": int,
        "solved_after_reveal": bool}`` of one exercise."""
        entry = self.load()["exercises"].get(exercise_id, {})
        return {"status": entry.get("status", "new"), "revealed": entry.get("revealed", False),
                "hints": entry.get("hints", 0),
                "solved_after_reveal": entry.get("solved_after_reveal", False)}

    def _update_exercise(self, exercise_id: str, **changes: object) -> dict:
        state = self.load()
        entry = state["exercises"].setdefault(exercise_id, {})
        entry.update(changes)
        self._write(state)
        return entry

    def record_attempt(self, exercise_id: str, verdict: str, *, cases: str = "",
                       source: str = "cli") -> None:
        """One graded attempt: appended to the history; the exercise becomes ``solved``
        (and stays so) on a solved verdict, ``failing`` otherwise unless solved before."""
        state = self.load()
        entry = state["exercises"].setdefault(exercise_id, {})
        now = _now()
        if verdict == "solved":
            if entry.get("status") != "solved":
                entry["solved_after_reveal"] = bool(entry.get("revealed"))
                entry["solved_at"] = now
            entry["status"] = "solved"
        elif entry.get("status") != "solved":
            entry["status"] = "failing"
        state["history"].append({"at": now, "exercise": exercise_id, "verdict": verdict,
                                 "cases": cases, "hints": entry.get("hints", 0),
                                 "source": source})
        self._write(state)

    def use_hint(self, exercise_id: str) -> int:
        """Count one more hint seen; returns how many have been seen now."""
        hints = self.exercise(exercise_id)["hints"] + 1
        self._update_exercise(exercise_id, hints=hints)
        return hints

    def mark_revealed(self, exercise_id: str) -> None:
        self._update_exercise(exercise_id, revealed=True)

    def history(self) -> list[dict]:
        return list(self.load()["history"])

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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
