"""Lessons of the optim area (see ../../lessons/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="loss-inputs",
        title_en="Loss function inputs: shape and dtype details",
        title_zh="Loss 函数的输入细节：形状与类型",
        path="ch03_optim/loss_inputs.py",
        at=("pytorch:9", "topics:losses"),
        checks=("tests/nn/test_losses.py",),
    ),
)
