"""Lessons of the training area (``src/dlfs/lessons/ch07_training/``).

The training loop and its tools: templates, save/resume, NaN hunting, AMP,
profiling, memory.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="save-load-resume",
        title_en="Saving, loading and resuming training",
        title_zh="模型保存、加载与断点续训",
        path="ch07_training/save_resume.py",
        at=("pytorch:13", "topics:saving"),
        checks=("tests/train/test_train_checkpoint.py", "tests/train/test_train_resume.py"),
    ),
    Lesson(
        id="train-template",
        title_en="The minimal runnable training template",
        title_zh="复盘：最小可运行训练模板",
        path="ch07_training/train_template.py",
        at=("pytorch:14",),
        checks=("tests/train/test_train_fit.py",),
    ),
    Lesson(
        id="nan-hunting",
        title_en="Locating and fixing NaN / exploding loss",
        title_zh="NaN / Loss 爆炸的定位与修复",
        path="ch07_training/nan_hunting.py",
        at=("pytorch:15",),
        checks=("tests/train/test_train_callbacks.py",),
    ),
    Lesson(
        id="amp-bf16",
        title_en="Mixed precision (AMP): bfloat16 on the CPU",
        title_zh="混合精度训练初探",
        path="ch07_training/amp_bf16.py",
        at=("pytorch:17",),
        checks=("tests/train/test_train_fit.py",),
    ),
    Lesson(
        id="profiling",
        title_en="Simple profiling with torch.profiler",
        title_zh="简单的性能分析",
        path="ch07_training/profiling.py",
        at=("pytorch:19",),
        checks=("tests/train/test_train_callbacks.py",),
    ),
    Lesson(
        id="memory-batch-size",
        title_en="Memory management and batch-size tuning",
        title_zh="显存管理与 Batch Size 调优",
        path="ch07_training/memory_batch_size.py",
        at=("pytorch:16",),
        checks=("tests/train/test_train_callbacks.py", "tests/train/test_train_fit.py"),
    ),
)
