"""Lessons of the liuer area (``src/dlfs/lessons/ch15_liuer/``).

Liu Er's lecture series (lectures 2-9; later lectures live with their topic).
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="liuer-linear-model",
        title_en="Linear model: exhaustive search over w, the MSE-vs-w curve, "
                 "the cost surface of w·x + b",
        title_zh="线性模型：穷举搜索 w、MSE 随 w 变化的曲线、w·x + b 的代价曲面",
        path="ch15_liuer/lecture02_linear_model.py",
        at=("liuer:2",),
    ),
    Lesson(
        id="liuer-gradient-descent",
        title_en="Gradient descent vs stochastic gradient descent, gradients by hand",
        title_zh="梯度下降与随机梯度下降：手推梯度",
        path="ch15_liuer/lecture03_gradient_descent.py",
        at=("liuer:3",),
    ),
    Lesson(
        id="liuer-backprop",
        title_en="Back propagation on a computational graph, by hand and by autograd",
        title_zh="计算图上的反向传播：手算与自动求导",
        path="ch15_liuer/lecture04_backprop.py",
        at=("liuer:4",),
        checks=("tests/autograd/test_value.py",),
    ),
    Lesson(
        id="liuer-linear-regression",
        title_en="Linear regression with PyTorch: the four-step recipe, eight optimizers compared",
        title_zh="用 PyTorch 实现线性回归：四步套路与八种优化器对比",
        path="ch15_liuer/lecture05_linear_regression.py",
        at=("liuer:5",),
        checks=("tests/nn/test_nn_linear.py", "tests/nn/test_losses.py",
                "tests/optim/test_optimizers.py"),
    ),
    Lesson(
        id="liuer-logistic-regression",
        title_en="Logistic regression: sigmoid, BCE, hours studied -> pass",
        title_zh="逻辑斯蒂回归：Sigmoid、二元交叉熵、学习时长 -> 是否通过",
        path="ch15_liuer/lecture06_logistic_regression.py",
        at=("liuer:6",),
        checks=("tests/nn/test_losses.py", "tests/nn/test_nn_activation.py"),
    ),
    Lesson(
        id="liuer-multi-dim-input",
        title_en="Multi-dimensional input: a 10 -> 6 -> 4 -> 1 network on a diabetes table",
        title_zh="处理多维特征的输入：糖尿病数据上的 10 -> 6 -> 4 -> 1 网络",
        path="ch15_liuer/lecture07_multi_dim_input.py",
        at=("liuer:7",),
        checks=("tests/data/test_data_datasets.py", "tests/nn/test_nn_linear.py",
                "tests/nn/test_losses.py"),
    ),
    Lesson(
        id="liuer-titanic-dataloader",
        title_en="Dataset and DataLoader: the Titanic homework, from table to scored submission",
        title_zh="加载数据集：泰坦尼克号作业，从数据表到离线评分的提交文件",
        path="ch15_liuer/lecture08_titanic_dataloader.py",
        at=("liuer:8",),
        checks=("tests/data/test_titanic.py", "tests/data/test_data_loader.py"),
    ),
    Lesson(
        id="liuer-softmax-classifier",
        title_en="Softmax classifier on handwritten digits: cross-entropy, softmax regression "
                 "and an MLP",
        title_zh="多分类问题：手写数字上的 Softmax 分类器、交叉熵、Softmax 回归与多层感知机",
        path="ch15_liuer/lecture09_softmax_classifier.py",
        at=("liuer:9",),
        checks=("tests/nn/test_losses.py", "tests/nn/test_nn_activation.py",
                "tests/data/test_data_loader.py"),
    ),
)
