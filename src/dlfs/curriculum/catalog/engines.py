"""Lessons of the engines area (see ../../lessons/): the two from-scratch autograd engines
of ``dlfs.autograd``, narrated side by side with torch.autograd (book chapter 1)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="engines-scalar",
        title_en="A scalar autograd engine, side by side with torch.autograd",
        title_zh="从零实现标量自动微分引擎（与 torch.autograd 对照）",
        path="ch02_autograd/engines_scalar.py",
        at=("book:1",),
        checks=("tests/autograd/test_value.py", "tests/autograd/test_gradcheck.py"),
    ),
    Lesson(
        id="engines-tensor",
        title_en="A NumPy tensor autograd engine, side by side with torch.autograd",
        title_zh="从零实现 NumPy 张量自动微分引擎（与 torch.autograd 对照）",
        path="ch02_autograd/engines_tensor.py",
        at=("book:1",),
        checks=(
            "tests/autograd/test_tensor_engine.py",
            "tests/autograd/test_tensor_behaviour.py",
            "tests/autograd/test_gradcheck.py",
            "tests/autograd/test_digits_mlp.py",
        ),
    ),
)
