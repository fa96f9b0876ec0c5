"""Lessons of the setup area (``src/dlfs/lessons/ch00_setup/``).

Setting up: the environment tour (Day 0).
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="env-setup",
        title_en="Environment setup and the utils toolbox",
        title_zh="环境搭建与 utils 工具库封装",
        path="ch00_setup/env_tour.py",
        at=("pytorch:0", "autograd:00", "liuer:1"),
        checks=("tests/test_playground.py",),
    ),
)
