"""Lessons of the gpt area (``src/dlfs/lessons/ch12_gpt/``).

The GPT capstone: the language-model loop, every tensor shape, decoding.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="lm-training-loop",
        title_en="The language-model training loop",
        title_zh="语言模型训练闭环",
        path="ch12_gpt/lm_training_loop.py",
        at=("pytorch:25",),
        checks=("tests/recipes/test_gpt_recipe.py", "tests/text/test_tokenizers.py",
                "tests/nn/test_nn_normalization.py", "tests/nn/test_nn_activation.py",
                "tests/nn/test_attention_parity.py"),
    ),
    Lesson(
        id="capstone-shapes",
        title_en="Capstone: a minimal LM and every tensor shape",
        title_zh="验收：手写最小 LM 并解释 Tensor Shape",
        path="ch12_gpt/capstone_shapes.py",
        at=("pytorch:27",),
        checks=("tests/models/test_gpt.py", "tests/generate/test_sampling.py"),
    ),
    Lesson(
        id="interview-drill",
        title_en="Theory interview questions",
        title_zh="理论面试题准备",
        path="ch12_gpt/interview_drill.py",
        at=("pytorch:26",),
        checks=("tests/test_interview_questions_docs.py",),
    ),
    Lesson(
        id="decoding-strategies",
        title_en="Evaluation and inference: decoding strategies",
        title_zh="评估与推理：解码策略",
        path="ch12_gpt/decoding_strategies.py",
        at=("topics:inference",),
        checks=("tests/generate/test_sampling.py", "tests/generate/test_beam.py",
                "tests/models/test_gpt.py"),
    ),
)
