"""Lessons of the tensors area (``src/dlfs/lessons/ch01_tensors/``).

Tensors: creation, views, broadcasting, indexing, einsum, NumPy interop.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="tensor-basics",
        title_en="Tensor basics and device management (CPU/GPU)",
        title_zh="Tensor 基础 + Device 管理",
        path="ch01_tensors/tensor_basics.py",
        at=("pytorch:1",),
    ),
    Lesson(
        id="reshape-view",
        title_en="Reshaping: reshape / view / permute / contiguous",
        title_zh="维度变换大通关：reshape / view / permute / contiguous",
        path="ch01_tensors/reshape_view.py",
        at=("pytorch:2",),
        checks=("tests/tensors/test_cheatsheet_docs.py",),  # the sheet re-checks these claims
    ),
    Lesson(
        id="broadcasting",
        title_en="Broadcasting, in depth",
        title_zh="广播机制深度解析",
        path="ch01_tensors/broadcasting.py",
        at=("pytorch:3",),
        checks=("tests/tensors/test_broadcast.py",),
    ),
    Lesson(
        id="indexing-masks",
        title_en="Advanced indexing and masks",
        title_zh="高级索引与 Mask",
        path="ch01_tensors/indexing_masks.py",
        at=("pytorch:4",),
        checks=("tests/tensors/test_cheatsheet_docs.py",),  # the sheet re-checks these claims
    ),
    Lesson(
        id="einsum",
        title_en="Einsum, from scratch",
        title_zh="Einsum 爱因斯坦求和约定（从零实现）",
        path="ch01_tensors/einsum_from_scratch.py",
        at=("pytorch:5",),
        checks=("tests/tensors/test_einsum.py",),
    ),
    Lesson(
        id="numpy-interop",
        title_en="NumPy <-> PyTorch conversion traps",
        title_zh="NumPy 与 PyTorch 的互转陷阱",
        path="ch01_tensors/numpy_interop.py",
        at=("pytorch:6",),
        checks=("tests/tensors/test_cheatsheet_docs.py",),  # the sheet re-checks these claims
    ),
    Lesson(
        id="shape-cheatsheet",
        title_en="Review: the shape-transformation cheat sheet",
        title_zh="复盘：维度变换速查表",
        path="ch01_tensors/shape_cheatsheet.py",
        at=("pytorch:7",),
        checks=("tests/tensors/test_cheatsheet_docs.py",),
    ),
)
