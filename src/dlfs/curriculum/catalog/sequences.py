"""Lessons of the sequences area (see ../../lessons/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="liuer-basic-rnn",
        title_en='Basic RNN: RNNCell vs RNN, "hello" -> "ohlol", Embedding',
        title_zh='循环神经网络（基础篇）：RNNCell 与 RNN，"hello" -> "ohlol"，嵌入层',
        path="ch07_rnn/liuer_hello_rnn.py",
        at=("liuer:12",),
        checks=("tests/nn/test_rnn_parity.py", "tests/nn/test_rnn_cells_packed.py"),
    ),
)
