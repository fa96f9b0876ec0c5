"""Lessons of the autograd area (``src/dlfs/lessons/ch02_autograd/``).

Autograd: torch.autograd explored, and the two from-scratch engines of
``dlfs.autograd`` narrated beside it (book chapter 1).
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="autograd-playground",
        title_en="Autograd playground: environment check and a first Jacobian",
        title_zh="自动求导实验场：环境检查与第一个雅可比矩阵",
        path="ch02_autograd/autograd_playground.py",
        at=("autograd:00",),
    ),
    Lesson(
        id="manual-gd",
        title_en="Manual gradient descent for y = 2x + 1",
        title_zh="手动梯度下降拟合 y = 2x + 1",
        path="ch02_autograd/manual_gd.py",
        at=("autograd:01",),
    ),
    Lesson(
        id="autograd-basics",
        title_en="Autograd: requires_grad, backward, detach",
        title_zh="Autograd 机制：requires_grad、backward 与 detach",
        path="ch02_autograd/autograd_basics.py",
        at=("pytorch:8", "autograd:02"),
    ),
    Lesson(
        id="graph-leaves-detach",
        title_en="grad_fn, leaves, retain_graph, detach",
        title_zh="grad_fn、叶子节点、retain_graph 与 detach",
        path="ch02_autograd/graph_leaves_detach.py",
        at=("autograd:03",),
    ),
    Lesson(
        id="hooks",
        title_en="Tensor and module hooks",
        title_zh="张量钩子与模块钩子",
        path="ch02_autograd/hooks.py",
        at=("autograd:04",),
    ),
    Lesson(
        id="jacobian-hessian",
        title_en="VJP, Jacobian and Hessian",
        title_zh="向量-雅可比积、雅可比矩阵与黑塞矩阵",
        path="ch02_autograd/jacobian_hessian.py",
        at=("autograd:05",),
    ),
    Lesson(
        id="grad-management",
        title_en="Gradient accumulation, clipping, gradcheck, freezing",
        title_zh="梯度累积、裁剪、数值检验与冻结",
        path="ch02_autograd/grad_management.py",
        at=("autograd:06",),
    ),
    Lesson(
        id="custom-function",
        title_en="Custom autograd Functions: ReLU, straight-through estimator, multi-input",
        title_zh="自定义 autograd Function：ReLU、直通估计器与多输入函数",
        path="ch02_autograd/custom_function.py",
        at=("autograd:07",),
    ),
    Lesson(
        id="tensor-interop",
        title_en="Tensor operations, GPU and NumPy interop under autograd",
        title_zh="张量操作、GPU 与 NumPy 互操作（自动求导视角）",
        path="ch02_autograd/tensor_interop.py",
        at=("autograd:08",),
    ),
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
