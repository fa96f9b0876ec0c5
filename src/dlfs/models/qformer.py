"""The Q-Former (BLIP-2, Li et al. 2023): a fixed number of learned queries that read a frozen
image encoder's features and hand a language model a short, fixed-length summary.

    z_0 = Q                                                  learned queries (N, C), per batch
    z <- z + SelfAttn(LN(z))                                 the queries talk to each other
    z <- z + CrossAttn(LN(z), LN_img(f))                     ... and read the image patches
    z <- z + FFN(LN(z))                                      (repeated for each layer)
    Q-Former(f) = LN(z_L)                                    (B, N, C)

f are the image features (B, S, C_img): S patches of width C_img. The output has N rows
whatever S is (16 patches or 49): the language model's prefix keeps its length when the
image's resolution changes, and attention over the patches costs N x S, not S x S.

This is the BLIP-2 idea at miniature scale: pre-LayerNorm layers, cross-attention in every
layer, and no text branch (BLIP-2's first stage also trains the queries against captions
with contrastive and matching losses; here the captioning loss alone trains them).

Legend: B batch, N = n_queries, S image patches, C = d_model, C_img = d_image, F = d_ff.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..attention.cross_attention import CrossAttention

__all__ = ["QFormer", "QFormerConfig", "QFormerLayer"]


class QFormerLayer(nn.Module):
    """One Q-Former layer on queries z (B, N, C) and image features (B, S, C_img):
    self-attention, cross-attention to the image, feed-forward, each pre-LN and residual."""

    def __init__(self, d_model: int, n_heads: int, d_image: int, d_ff: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.ln_self = dnn.LayerNorm(d_model)
        self.self_attn = dnn.MultiheadAttention(d_model, n_heads, dropout=dropout,
                                                batch_first=True)
        self.ln_cross = dnn.LayerNorm(d_model)
        self.cross_attn = CrossAttention(d_model, n_heads, d_image, dropout=dropout)
        self.ln_ff = dnn.LayerNorm(d_model)
        self.ff = nn.Sequential(dnn.Linear(d_model, d_ff), dnn.GELU(), dnn.Linear(d_ff, d_model))

    def forward(self, z: Tensor, image: Tensor, key_padding_mask: Tensor | None = None
                ) -> Tensor:
        h = self.ln_self(z)                                                  # (B, N, C)
        z = z + self.self_attn(h, h, h, need_weights=False)[0]               # (B, N, C)
        z = z + self.cross_attn(self.ln_cross(z), image, key_padding_mask)   # (B, N, C)
        return z + self.ff(self.ln_ff(z))                                    # (B, N, C)


class QFormer(nn.Module):
    """``n_queries`` learned queries of width ``d_model`` read image features (B, S, d_image)
    through ``n_layers`` layers -> (B, n_queries, d_model), for any number S of patches.
    ``key_padding_mask`` (B, S), True = a padded patch to ignore.

    >>> qformer = QFormer(n_queries=4, d_model=16, n_layers=1, n_heads=2, d_image=64)
    >>> qformer(torch.randn(3, 16, 64)).shape, qformer(torch.randn(3, 49, 64)).shape
    (torch.Size([3, 4, 16]), torch.Size([3, 4, 16]))
    """

    def __init__(self, n_queries: int, d_model: int, n_layers: int, n_heads: int,
                 d_image: int, d_ff: int | None = None, dropout: float = 0.0) -> None:
        super().__init__()
        d_ff = 4 * d_model if d_ff is None else d_ff
        for name, value in (("n_queries", n_queries), ("d_model", d_model),
                            ("n_layers", n_layers), ("n_heads", n_heads),
                            ("d_image", d_image), ("d_ff", d_ff)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"QFormer: {name} must be a positive int, got {value!r}")
        if d_model % n_heads:
            raise ValueError(f"QFormer: d_model ({d_model}) must be divisible by n_heads "
                             f"({n_heads})")
        self.n_queries, self.d_model, self.d_image = n_queries, d_model, d_image
        self.query_tokens = nn.Parameter(0.02 * torch.randn(1, n_queries, d_model))  # Q
        self.ln_image = dnn.LayerNorm(d_image)
        self.layers = nn.ModuleList(QFormerLayer(d_model, n_heads, d_image, d_ff, dropout)
                                    for _ in range(n_layers))
        self.ln_out = dnn.LayerNorm(d_model)

    def forward(self, image_features: Tensor, key_padding_mask: Tensor | None = None
                ) -> Tensor:
        """image_features (B, S, d_image) -> (B, n_queries, d_model)."""
        if image_features.dim() != 3 or image_features.shape[-1] != self.d_image:
            raise ValueError(f"QFormer: image_features must be (B, S, d_image={self.d_image}),"
                             f" got {tuple(image_features.shape)}")
        B = image_features.shape[0]
        image = self.ln_image(image_features)                               # (B, S, C_img)
        z = self.query_tokens.expand(B, -1, -1)                             # (B, N, C)
        for layer in self.layers:
            z = layer(z, image, key_padding_mask)                           # (B, N, C)
        return self.ln_out(z)                                               # (B, N, C)


@dataclass(frozen=True)
class QFormerConfig:
    """The Q-Former's size; :meth:`build` makes one for image features of width d_image.

    >>> QFormerConfig(d_model=30, n_heads=4)
    Traceback (most recent call last):
    ...
    ValueError: QFormerConfig: d_model (30) must be divisible by n_heads (4)
    """

    n_queries: int = field(default=8, metadata={
        "help": "N, learned queries: the image becomes N prefix vectors for the GPT",
        "help_zh": "N，可学习的查询数：图像变成 GPT 的 N 个前缀向量"})
    d_model: int = field(default=64, metadata={"help": "width of the queries",
                                               "help_zh": "查询向量的宽度"})
    n_layers: int = field(default=2, metadata={
        "help": "layers of query self-attention, cross-attention to the image, FFN",
        "help_zh": "层数（每层：查询自注意力、对图像的交叉注意力、FFN）"})
    n_heads: int = field(default=4, metadata={"help": "attention heads (must divide d_model)",
                                              "help_zh": "注意力头数（必须整除 d_model）"})
    dropout: float = field(default=0.0, metadata={
        "help": "dropout on the attention weights",
        "help_zh": "注意力权重上的 Dropout", "min": 0, "below": 1})

    def __post_init__(self) -> None:
        for name in ("n_queries", "d_model", "n_layers", "n_heads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"QFormerConfig: {name} must be a positive int, got {value!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"QFormerConfig: d_model ({self.d_model}) must be divisible by "
                             f"n_heads ({self.n_heads})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"QFormerConfig: dropout must be in [0, 1), got {self.dropout}")

    def build(self, d_image: int) -> QFormer:
        """A new :class:`QFormer` of this size reading features of width ``d_image``."""
        return QFormer(self.n_queries, self.d_model, self.n_layers, self.n_heads, d_image,
                       dropout=self.dropout)
