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
)
