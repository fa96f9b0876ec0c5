"""Lessons of the vision area (see ../../lessons/)."""

from ..schema import Lesson

_ZOO_TESTS = ("tests/models/test_cnn_params.py", "tests/models/test_cnn_forward.py",
              "tests/models/test_cnn_registry.py", "tests/models/test_cnn_state_dict.py")

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="classic-cnns",
        title_en="Classic CNNs: LeNet, AlexNet, VGG, NiN",
        title_zh="经典卷积神经网络：LeNet、AlexNet、VGG、NiN",
        path="ch04_cnn/classic_cnns.py",
        at=("book:4", "liuer:10"),
        checks=_ZOO_TESTS,
    ),
    Lesson(
        id="modern-cnns",
        title_en="ResNet and modern CNNs: GoogLeNet, ResNet, DenseNet, MobileNet, EfficientNet",
        title_zh="ResNet 与现代卷积网络：GoogLeNet、ResNet、DenseNet、MobileNet、EfficientNet",
        path="ch04_cnn/modern_cnns.py",
        at=("book:5",),
        checks=_ZOO_TESTS,
    ),
    Lesson(
        id="liuer-advanced-cnn",
        title_en="Liu Er lecture 11: Inception block and residual block",
        title_zh="刘二大人第 11 讲：Inception 块与残差块",
        path="ch04_cnn/liuer_advanced_cnn.py",
        at=("liuer:11",),
        checks=("tests/models/test_cnn_forward.py", "tests/models/test_cnn_params.py"),
    ),
)
