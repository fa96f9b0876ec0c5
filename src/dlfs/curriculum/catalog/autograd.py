"""Lessons about automatic differentiation: torch.autograd and the from-scratch engines."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="autograd-basics",
        title_en="Autograd: requires_grad, backward, detach",
        title_zh="Autograd 机制：requires_grad、backward 与 detach",
        path="ch02_autograd/autograd_basics.py",
        at=("pytorch:8", "autograd:02"),
    ),
)
