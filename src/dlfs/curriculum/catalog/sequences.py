"""Lessons of the sequences area (see ../../lessons/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = ()
