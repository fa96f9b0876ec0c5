"""The curriculum: the lesson registry, tracks, the lesson runner and progress.

>>> from dlfs.curriculum import get_lesson, get_track
>>> get_track("pytorch").entries[0].title_zh
'环境搭建与 utils 工具库封装'
"""

from .checks import NOT_CHECKED, NOT_WRITTEN, CheckResult, check_lesson, lesson_status
from .context import LessonContext, lesson_context
from .progress import ProgressStore
from .registry import (
    LESSONS_DIR,
    all_lessons,
    all_tracks,
    get_lesson,
    get_track,
    lesson_file,
    lessons_at,
    lessons_for,
    lessons_in,
    suggest,
)
from .runner import LessonResult, run_lesson
from .schema import Lesson, Track, TrackEntry

__all__ = [
    "LESSONS_DIR", "NOT_CHECKED", "NOT_WRITTEN", "CheckResult", "Lesson", "LessonContext",
    "LessonResult", "ProgressStore", "Track", "TrackEntry", "all_lessons", "all_tracks",
    "check_lesson", "get_lesson", "get_track", "lesson_context", "lesson_file",
    "lesson_status", "lessons_at", "lessons_for", "lessons_in", "run_lesson", "suggest",
]
