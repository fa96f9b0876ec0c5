"""Lessons of the cnn area (``src/dlfs/lessons/ch08_cnn/``).

Convolutional networks: the classic and modern zoo, Liu Er's advanced CNNs, and
saving / transfer learning.
"""

from ..schema import Lesson

_ZOO_TESTS = ("tests/models/test_cnn_params.py", "tests/models/test_cnn_forward.py",
              "tests/models/test_cnn_registry.py", "tests/models/test_cnn_state_dict.py")

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="classic-cnns",
        title_en="Classic CNNs: LeNet, AlexNet, VGG, NiN",
        title_zh="经典卷积神经网络：LeNet、AlexNet、VGG、NiN",
        path="ch08_cnn/classic_cnns.py",
        at=("book:4", "liuer:10"),
        checks=_ZOO_TESTS,
    ),
    Lesson(
        id="modern-cnns",
        title_en="ResNet and modern CNNs: GoogLeNet, ResNet, DenseNet, MobileNet, EfficientNet",
        title_zh="ResNet 与现代卷积网络：GoogLeNet、ResNet、DenseNet、MobileNet、EfficientNet",
        path="ch08_cnn/modern_cnns.py",
        at=("book:5",),
        checks=_ZOO_TESTS,
    ),
    Lesson(
        id="liuer-advanced-cnn",
        title_en="Liu Er lecture 11: Inception block and residual block",
        title_zh="刘二大人第 11 讲：Inception 块与残差块",
        path="ch08_cnn/liuer_advanced_cnn.py",
        at=("liuer:11",),
        checks=("tests/models/test_cnn_forward.py", "tests/models/test_cnn_params.py"),
    ),
    Lesson(
        id="saving-transfer",
        title_en="Saving, loading and transfer learning",
        title_zh="模型保存、加载与迁移学习",
        path="ch08_cnn/saving_transfer.py",
        at=("topics:saving",),
        checks=("tests/models/test_cnn_state_dict.py", "tests/recipes/test_vision_recipes.py",
                "tests/recipes/test_mnist_finetune.py"),
    ),
)
