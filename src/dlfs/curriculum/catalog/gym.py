"""Lessons of the Python algorithm gym (Track B)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="gym-deque",
        title_en="deque: queues, BFS, sliding windows",
        title_zh="deque 队列/BFS/滑窗",
        path="gym/day03_deque.py",
        at=("gym:3",),
        checks=("tests/test_playground.py",),
    ),
)
