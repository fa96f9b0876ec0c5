"""Lessons of the losses area (``src/dlfs/lessons/ch17_losses/``).

Losses beyond the basics: divergences, distillation, contrastive and focal losses, calibration.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="knowledge-distillation",
        title_en="Knowledge distillation: a small student learns from a big teacher",
        title_zh="知识蒸馏：小学生向大老师学习",
        path="ch17_losses/distillation.py",
        at=("topics:losses",),
        checks=("tests/nn/test_distillation.py",),
    ),
    Lesson(
        id="contrastive-learning",
        title_en="Contrastive learning: InfoNCE and NT-Xent on digits",
        title_zh="对比学习：在手写数字上用 InfoNCE 与 NT-Xent",
        path="ch17_losses/contrastive.py",
        at=("topics:losses",),
        checks=("tests/nn/test_contrastive_losses.py",),
    ),
    Lesson(
        id="kl-forward-reverse",
        title_en="Forward vs reverse KL: mean-seeking and mode-seeking",
        title_zh="前向与反向 KL：求均值与求众数",
        path="ch17_losses/kl_directions.py",
        at=("topics:losses",),
        checks=("tests/nn/test_losses.py",),
    ),
    Lesson(
        id="focal-loss",
        title_en="Focal loss on an imbalanced task",
        title_zh="类别不平衡任务上的 Focal Loss",
        path="ch17_losses/focal_loss.py",
        at=("topics:losses",),
        checks=("tests/nn/test_focal_and_smoothing.py",),
    ),
    Lesson(
        id="label-smoothing-calibration",
        title_en="Label smoothing, calibration and temperature scaling",
        title_zh="标签平滑、校准与温度缩放",
        path="ch17_losses/calibration.py",
        at=("topics:losses",),
        checks=("tests/test_calibration.py", "tests/nn/test_focal_and_smoothing.py"),
    ),
)
