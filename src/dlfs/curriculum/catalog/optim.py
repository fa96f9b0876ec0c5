"""Lessons of the optim area (``src/dlfs/lessons/ch05_optim/``).

Losses and optimizers: what each loss expects, SGD to AdamW.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="loss-inputs",
        title_en="Loss function inputs: shape and dtype details",
        title_zh="Loss 函数的输入细节：形状与类型",
        path="ch05_optim/loss_inputs.py",
        at=("pytorch:9", "topics:losses"),
        checks=("tests/nn/test_losses.py",),
    ),
    Lesson(
        id="optimizers-and-grads",
        title_en="Optimizers and gradient management",
        title_zh="Optimizer 与梯度管理",
        path="ch05_optim/optimizers.py",
        at=("pytorch:10",),
        checks=("tests/optim/test_optimizers.py", "tests/optim/test_lr_scheduler.py"),
    ),
    Lesson(
        id="adamw-vs-adam",
        title_en="L2 penalty vs weight decay: Adam vs AdamW",
        title_zh="L2 正则与权重衰减：Adam 与 AdamW",
        path="ch05_optim/adamw_vs_adam.py",
        at=("book:3", "topics:engineering"),
        checks=("tests/optim/test_optimizers.py",),
    ),
)
