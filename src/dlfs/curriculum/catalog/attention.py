"""Lessons of the attention area (see ../../lessons/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = ()
