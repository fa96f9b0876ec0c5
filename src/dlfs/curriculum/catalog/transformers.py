"""Lessons of the transformers area (``src/dlfs/lessons/ch21_transformers/``).

Attention beyond the decoder: the Vision Transformer and BERT (masked-language-model pre-
training, then fine-tuning).
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="vision-transformer",
        title_en="The Vision Transformer: an image as a sequence of patches",
        title_zh="视觉 Transformer：把图像看成图块序列",
        path="ch21_transformers/vision_transformer.py",
        at=("book:8", "topics:architecture"),
        checks=("tests/models/test_vit.py",),
    ),
    Lesson(
        id="bert-mlm",
        title_en="BERT: masked-language-model pre-training, then fine-tuning",
        title_zh="BERT：掩码语言模型预训练，再微调",
        path="ch21_transformers/bert_mlm.py",
        at=("book:8", "topics:architecture"),
        checks=("tests/text/test_mlm.py", "tests/models/test_bert.py"),
    ),
)
