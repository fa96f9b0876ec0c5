"""Lessons of the training area (``src/dlfs/lessons/ch07_training/``).

The training loop and its tools: templates, save/resume, NaN hunting, AMP,
profiling, memory; and training engineering: number formats, loss scaling, gradient
checkpointing, data parallelism, ring all-reduce, ZeRO.
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
        at=("pytorch:17", "topics:engineering"),
        checks=("tests/train/test_train_fit.py", "tests/train/test_loss_scaler.py"),
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
    Lesson(
        id="number-formats",
        title_en="Number formats: float32, bfloat16, float16 and mixed precision",
        title_zh="数值格式与混合精度",
        path="ch07_training/number_formats.py",
        at=("pytorch:17", "topics:engineering"),
        checks=("tests/train/test_loss_scaler.py",),
    ),
    Lesson(
        id="loss-scaling",
        title_en="Loss scaling: float16 training without vanishing gradients",
        title_zh="损失缩放：让 float16 训练不丢梯度",
        path="ch07_training/loss_scaling.py",
        at=("pytorch:17", "topics:engineering"),
        checks=("tests/train/test_loss_scaler.py",),
    ),
    Lesson(
        id="grad-checkpointing",
        title_en="Gradient checkpointing: trading compute for memory",
        title_zh="梯度检查点：用计算换显存",
        path="ch07_training/grad_checkpointing.py",
        at=("pytorch:16", "topics:engineering"),
        checks=("tests/train/test_recompute.py",),
    ),
    Lesson(
        id="data-parallel",
        title_en="Data parallelism: DataParallel vs DistributedDataParallel",
        title_zh="数据并行：DataParallel 与 DDP",
        path="ch07_training/data_parallel.py",
        at=("topics:engineering",),
        checks=("tests/distributed/test_sampler.py", "tests/distributed/test_ddp_equality.py"),
    ),
    Lesson(
        id="ring-allreduce",
        title_en="Ring all-reduce, step by step",
        title_zh="环形 all-reduce，一步一步来",
        path="ch07_training/ring_allreduce.py",
        at=("topics:engineering",),
        checks=("tests/distributed/test_collectives.py",),
    ),
    Lesson(
        id="zero-stages",
        title_en="ZeRO stages 1-3: sharding what data parallelism copies",
        title_zh="ZeRO 1-3 阶段：切分数据并行中重复的部分",
        path="ch07_training/zero_stages.py",
        at=("topics:engineering",),
        checks=("tests/distributed/test_collectives.py",),
    ),
)
