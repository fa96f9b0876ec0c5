"""Lessons about tensors: creation, shapes, broadcasting, indexing, einsum, NumPy interop."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="tensor-basics",
        title_en="Tensor basics and device management (CPU/GPU)",
        title_zh="Tensor 基础 + Device 管理",
        path="ch01_tensors/tensor_basics.py",
        at=("pytorch:1",),
    ),
)
