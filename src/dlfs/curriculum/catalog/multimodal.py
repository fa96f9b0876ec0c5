"""Lessons of the multimodal area (``src/dlfs/lessons/ch19_multimodal/``).

Multimodal models: CLIP, cross-attention, gated cross-attention and a Q-Former captioner.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="clip-zero-shot",
        title_en="CLIP: contrastive image–text pre-training and zero-shot classification",
        title_zh="CLIP：图文对比预训练与零样本分类",
        path="ch19_multimodal/clip.py",
        at=("topics:multimodal",),
        checks=("tests/multimodal/test_clip.py",),
    ),
)
