"""Lessons of the nn area (``src/dlfs/lessons/ch04_nn/``).

Building networks with ``dlfs.nn``: modules, train/eval modes, initialization.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="train-eval-modes",
        title_en="Side effects of train/eval mode (Dropout, BatchNorm)",
        title_zh="Train/Eval 模式的副作用（Dropout 与 BatchNorm）",
        path="ch04_nn/train_eval_modes.py",
        at=("pytorch:11", "book:3", "topics:module"),
        checks=("tests/nn/test_nn_dropout.py", "tests/nn/test_nn_normalization.py"),
    ),
    Lesson(
        id="conv-arithmetic",
        title_en="Convolution and pooling arithmetic: stride, padding, ceil_mode",
        title_zh="卷积与池化的尺寸计算：步幅、填充与 ceil_mode",
        path="ch04_nn/conv_arithmetic.py",
        at=("book:4", "liuer:10", "topics:module"),
        checks=("tests/nn/test_nn_conv.py", "tests/nn/test_nn_pooling.py"),
    ),
    Lesson(
        id="universal-approximation",
        title_en="Activations and the universal approximator",
        title_zh="激活函数与万能逼近",
        path="ch04_nn/universal_approximation.py",
        at=("book:2", "topics:module"),
        checks=("tests/nn/test_nn_activation.py", "tests/nn/test_nn_linear.py"),
    ),
    Lesson(
        id="module-basics",
        title_en="nn.Module building blocks: a minimal module, Sequential, a digits classifier",
        title_zh="nn.Module 基础组件：最小模块、Sequential 与手写数字分类",
        path="ch04_nn/module_basics.py",
        at=("topics:module", "liuer:9", "liuer:10"),
        checks=("tests/nn/test_nn_linear.py", "tests/nn/test_nn_conv.py",
                "tests/nn/test_nn_normalization.py"),
    ),
    Lesson(
        id="init-stability",
        title_en="Weight initialization and numerical stability",
        title_zh="权重初始化与数值稳定性",
        path="ch04_nn/init_stability.py",
        at=("book:3", "topics:engineering"),
        checks=("tests/nn/test_nn_activation.py",),
    ),
)
