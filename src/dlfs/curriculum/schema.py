"""The shapes of the curriculum: a track is a roadmap of entries (days, chapters, lectures);
a lesson is one runnable file that fills one or more entries.

Both are frozen dataclasses that validate themselves, so a typo in the catalog fails at
import time with a message that names the offending lesson.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..i18n import t

_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PLACE_RE = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9.-]+$")


@dataclass(frozen=True)
class TrackEntry:
    """One step of a roadmap: ``key`` is the day/chapter/lecture number as shown ("3", "1.2")."""

    key: str
    title_en: str
    title_zh: str


@dataclass(frozen=True)
class Track:
    """A roadmap over lessons, e.g. the 28-day PyTorch plan.

    ``unit`` is the word shown before each key ("Day", "Chapter", "Lecture").
    """

    id: str
    title_en: str
    title_zh: str
    unit: str
    entries: tuple[TrackEntry, ...]

    def entry(self, key: str) -> TrackEntry | None:
        """The entry with this key, or None."""
        for e in self.entries:
            if e.key == key:
                return e
        return None

    def label(self, key: str) -> str:
        """Human label of an entry in the learner's language, e.g. ``Day 3`` / ``第 3 天``."""
        return t(f"unit.{self.unit.lower()}", key=key)


@dataclass(frozen=True)
class Lesson:
    """A runnable lesson file under ``src/dlfs/lessons/``.

    Attributes:
        id: unique kebab-case id typed by learners (``dlfs run broadcasting``).
        title_en, title_zh: bilingual title.
        path: file path relative to the ``dlfs/lessons`` package directory.
        at: the track entries this lesson fills, as ``"track:key"`` strings.
        checks: pytest targets (relative to the repository root) that back the lesson's
            claims, in addition to running the lesson itself in quick mode.
    """

    id: str
    title_en: str
    title_zh: str
    path: str
    at: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            raise ValueError(f"lesson id {self.id!r}: expected kebab-case like 'tensor-basics'")
        if not self.path.endswith(".py") or self.path.startswith("/"):
            raise ValueError(
                f"lesson {self.id!r}: path must be a relative .py path, got {self.path!r}"
            )
        for place in self.at:
            if not _PLACE_RE.match(place):
                raise ValueError(
                    f"lesson {self.id!r}: place {place!r} must look like 'pytorch:3'"
                )
        if not self.title_en or not self.title_zh:
            raise ValueError(f"lesson {self.id!r}: both title_en and title_zh are required")

    @property
    def places(self) -> tuple[tuple[str, str], ...]:
        """``at`` split into (track_id, key) pairs."""
        return tuple(tuple(p.split(":", 1)) for p in self.at)  # type: ignore[misc]
