"""Lessons of the data area (see ../../lessons/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = ()
