"""Lessons of the vision area (see ../../lessons/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = ()
