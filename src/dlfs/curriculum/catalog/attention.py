"""Lessons of the attention area (see ../../lessons/)."""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="embedding-positional",
        title_en="Embedding + positional encoding (sinusoidal, learned, RoPE, ALiBi)",
        title_zh="Embedding 与位置编码（正弦、可学习、RoPE、ALiBi）",
        path="ch08_attention/embedding_positional.py",
        at=("pytorch:22",),
        checks=("tests/nn/test_positional.py",),
    ),
)
