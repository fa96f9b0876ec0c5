"""Lessons of the linear area (``src/dlfs/lessons/ch03_linear/``).

Linear models the d2l way: linear and softmax regression, from scratch and concise.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="d2l-linear-regression",
        title_en="Linear regression from scratch and concise (d2l style)",
        title_zh="线性回归：从零实现与简洁实现（d2l 风格）",
        path="ch03_linear/d2l_linear_regression.py",
        at=("topics:training",),
        checks=("tests/nn/test_nn_linear.py", "tests/nn/test_losses.py",
                "tests/optim/test_optimizers.py", "tests/data/test_data_loader.py"),
    ),
    Lesson(
        id="d2l-softmax-regression",
        title_en="Softmax regression from scratch and concise (d2l style)",
        title_zh="Softmax 回归：从零实现与简洁实现（d2l 风格）",
        path="ch03_linear/d2l_softmax_regression.py",
        at=("book:2", "topics:training"),
        checks=("tests/nn/test_nn_linear.py", "tests/nn/test_losses.py",
                "tests/optim/test_optimizers.py", "tests/data/test_data_loader.py"),
    ),
)
