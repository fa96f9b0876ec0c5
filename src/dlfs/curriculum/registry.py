"""The lesson registry: the single list of lessons and tracks, and lookups over it.

``LESSONS`` comes from the explicit catalog modules (one per library area) and ``TRACKS``
from :mod:`dlfs.curriculum.tracks`. Consistency (unique ids and files, every place naming a
real track entry) is checked once, when this module is imported, so a broken catalog can
never reach the command line.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UnknownLessonError, UnknownTrackError, closest
from .catalog import LESSONS
from .schema import Lesson, Track
from .tracks import TRACKS

#: Directory that holds the lesson files (``src/dlfs/lessons``).
LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"

_BY_ID: dict[str, Lesson] = {}
_BY_TRACK: dict[str, Track] = {t.id: t for t in TRACKS}


def _validate() -> None:
    paths: dict[str, str] = {}
    for lesson in LESSONS:
        if lesson.id in _BY_ID:
            raise ValueError(f"lesson id {lesson.id!r} is registered twice")
        if lesson.path in paths:
            raise ValueError(
                f"lessons {paths[lesson.path]!r} and {lesson.id!r} share the file {lesson.path}"
            )
        for track_id, key in lesson.places:
            track = _BY_TRACK.get(track_id)
            if track is None or track.entry(key) is None:
                raise ValueError(f"lesson {lesson.id!r}: no track entry {track_id}:{key}")
        _BY_ID[lesson.id] = lesson
        paths[lesson.path] = lesson.id


_validate()


def all_lessons() -> tuple[Lesson, ...]:
    """Every registered lesson, in catalog order."""
    return LESSONS


def all_tracks() -> tuple[Track, ...]:
    """Every track, in display order."""
    return TRACKS


def get_track(track_id: str) -> Track:
    """The track with this id; raises :class:`UnknownTrackError` listing the known ids."""
    try:
        return _BY_TRACK[track_id]
    except KeyError:
        raise UnknownTrackError(track_id, list(_BY_TRACK)) from None


def lesson_file(lesson: Lesson) -> Path:
    """Absolute path of a lesson's source file."""
    return LESSONS_DIR / lesson.path


def lessons_at(track_id: str, key: str) -> list[Lesson]:
    """Lessons that fill the entry ``track_id:key``, in catalog order."""
    return [lesson for lesson in LESSONS if (track_id, key) in lesson.places]


def lessons_in(track_id: str) -> list[Lesson]:
    """Lessons of one track, in the track's entry order."""
    track = get_track(track_id)
    out: list[Lesson] = []
    for entry in track.entries:
        out.extend(x for x in lessons_at(track_id, entry.key) if x not in out)
    return out


def suggest(ref: str, n: int = 3) -> list[str]:
    """The registered ids closest to ``ref`` (for "did you mean" messages)."""
    return closest(ref, _BY_ID, n=n)


def lessons_for(ref: str) -> list[Lesson]:
    """The lessons ``ref`` names: an id (one lesson), ``track:key`` (every lesson of that
    entry, in catalog order) or ``track:key.N`` (the N-th of them, from 1).

    >>> [x.id for x in lessons_for("pytorch:0")]
    ['env-setup']
    >>> len(lessons_for("book:7")) > 1, lessons_for("book:7.2") == lessons_for("book:7")[1:2]
    (True, True)
    """
    if ref in _BY_ID:
        return [_BY_ID[ref]]
    if ":" in ref:
        track_id, key = ref.split(":", 1)
        index = None
        if "." in key and key.rsplit(".", 1)[1].isdigit():
            key, n = key.rsplit(".", 1)
            index = int(n)
        if track_id in _BY_TRACK:
            found = lessons_at(track_id, key) or lessons_at(track_id, key.lstrip("0") or "0")
            if found and index is None:
                return found
            if found and 1 <= index <= len(found):
                return [found[index - 1]]
    raise UnknownLessonError(ref, suggest(ref))


def get_lesson(ref: str) -> Lesson:
    """Find a lesson by id, or by ``track:key`` (``pytorch:0`` is Day 0 of the PyTorch track;
    the first lesson of an entry that has several, ``track:key.N`` the N-th).

    >>> get_lesson("env-setup").title_en
    'Environment setup and the utils toolbox'
    >>> get_lesson("pytorch:0").id
    'env-setup'
    """
    return lessons_for(ref)[0]
