"""Lessons of the attention area (``src/dlfs/lessons/ch11_attention/``).

Attention and the Transformer: embeddings and positions, self-attention, blocks.
"""

from ..schema import Lesson

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="embedding-positional",
        title_en="Embedding + positional encoding (sinusoidal, learned, RoPE, ALiBi)",
        title_zh="Embedding 与位置编码（正弦、可学习、RoPE、ALiBi）",
        path="ch11_attention/embedding_positional.py",
        at=("pytorch:22",),
        checks=("tests/nn/test_positional.py",),
    ),
    Lesson(
        id="self-attention",
        title_en="Self-attention: Q, K, V from scratch, multi-head, causal mask",
        title_zh="Self-Attention 实现：从零写 Q、K、V，多头与因果掩码",
        path="ch11_attention/self_attention.py",
        at=("pytorch:23", "book:7"),
        checks=("tests/nn/test_attention_parity.py",),
    ),
    Lesson(
        id="transformer-block",
        title_en="The Transformer block: residual + LayerNorm, Post-LN vs Pre-LN",
        title_zh="Transformer Block：残差与 LayerNorm，Post-LN 与 Pre-LN",
        path="ch11_attention/transformer_block.py",
        at=("pytorch:24", "book:8"),
        checks=("tests/nn/test_transformer_parity.py",),
    ),
    Lesson(
        id="vanilla-transformer",
        title_en="The vanilla Transformer: encoder-decoder on dates and sorting",
        title_zh="原始 Transformer：编码器–解码器（日期规范化与排序）",
        path="ch11_attention/vanilla_transformer.py",
        at=("book:8",),
        checks=("tests/sequences/test_transformer_seq2seq.py",),
    ),
    Lesson(
        id="architecture-building-blocks",
        title_en="Model architecture: attention, positions, residual paths and normalization "
                 "layers",
        title_zh="模型架构：注意力、位置编码、残差通路与归一化层",
        path="ch11_attention/architecture_blocks.py",
        at=("topics:architecture",),
        checks=("tests/nn/test_attention_parity.py", "tests/nn/test_positional.py",
                "tests/nn/test_nn_normalization.py", "tests/models/test_cnn_forward.py",
                "tests/models/test_cnn_params.py"),
    ),
)
