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
    Lesson(
        id="gated-cross-attention",
        title_en="Gated cross-attention: how text reads an image (Flamingo)",
        title_zh="门控交叉注意力：文字如何读图（Flamingo）",
        path="ch19_multimodal/gated_cross_attention.py",
        at=("topics:multimodal",),
        checks=("tests/multimodal/test_cross_attention.py",),
    ),
    Lesson(
        id="qformer-captioner",
        title_en="A Q-Former teaches a frozen GPT to caption images (a miniature BLIP-2)",
        title_zh="Q-Former 教冻结的 GPT 给图片写描述（迷你 BLIP-2）",
        path="ch19_multimodal/qformer_captioner.py",
        at=("topics:multimodal",),
        checks=("tests/multimodal/test_captioner.py",),
    ),
)
