"""Lessons of the nn area (see ../../lessons/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = ()
