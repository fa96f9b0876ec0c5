"""CLIP-mini: a dual encoder that maps images and captions into one space (Radford et al.,
2021, "Learning Transferable Visual Models From Natural Language Supervision").

    images (B, 1, H, W) --ImageEncoder (CNN)--> (B, 4w) --W_i--> (B, E) --/||.||--> I
    tokens (B, T)       --TextEncoder (Transformer)--> h_EOS (B, C) --W_t--> (B, E) --/||.||--> U
    s = min(exp(t), s_max)          t learnable, t_0 = log(1 / 0.07), s_max = 100
    logits_per_image = s · I U^T    (B, B): row i scores image i against every caption
    logits_per_text  = (logits_per_image)^T

Training pairs image i with caption i; every other caption of the batch is a negative. The
loss is the symmetric InfoNCE, a cross-entropy over each row and over each column:

    L = ( CE(logits_per_image, [0..B-1]) + CE(logits_per_text, [0..B-1]) ) / 2

Both embeddings have unit length, so ``I U^T`` holds cosine similarities in [-1, 1] and the
learned scale ``s`` is the inverse temperature of the softmax: with s = 1 every row would be
almost uniform whatever the encoders do, so the model learns how sharp to be. ``t`` is the
logarithm of ``s`` (it stays positive and moves multiplicatively), and ``s`` is clamped at
100 as in the paper, so that the logits cannot grow without bound.

The text side reads characters (:class:`CaptionTokenizer`: English letters and Chinese
characters alike, ``<eos>`` appended, ``<pad>`` after it); a bidirectional Transformer
encoder (``dlfs.nn.TransformerEncoder``, pads masked out of the attention) and the hidden
state at ``<eos>`` summarise the caption. Legend: B batch, T caption length (with ``<eos>``
and pads), C text width, E shared embedding size, w image width, V vocabulary.

>>> tok = CaptionTokenizer.from_texts(["a handwritten seven", "数字七"])
>>> model = CLIP(ClipConfig(vocab_size=tok.vocab_size, embed_dim=8, image_width=4,
...                         text_width=8, text_heads=2, text_layers=1))
>>> logits_per_image, logits_per_text = model(torch.zeros(3, 1, 16, 16),
...                                           tok.batch(["seven", "七", "a seven"]))
>>> tuple(logits_per_image.shape), round(model.scale().item(), 4)
((3, 3), 14.2857)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..data.text.tokenizers import CharTokenizer
from ..nn import functional as F

__all__ = ["CLIP", "CaptionTokenizer", "ClipConfig", "ImageEncoder", "TextEncoder",
           "clip_loss", "l2_normalize"]


def l2_normalize(x: Tensor, dim: int = -1, eps: float = 1e-12) -> Tensor:
    """``x / max(||x||_2, eps)`` along ``dim`` (what ``torch.nn.functional.normalize`` does).

    >>> l2_normalize(torch.tensor([[3.0, 4.0]]))
    tensor([[0.6000, 0.8000]])
    """
    # clamping ||x||^2 at eps^2 before the root equals clamping ||x|| at eps, and keeps the
    # gradient of an all-zero row finite (the root's derivative at 0 is infinite)
    norm = (x * x).sum(dim, keepdim=True).clamp_min(eps * eps).sqrt()   # (..., 1, ...)
    return x / norm


def clip_loss(logits_per_image: Tensor, logits_per_text: Tensor) -> Tensor:
    """The symmetric InfoNCE of a batch of B matching pairs: the mean of the cross-entropy
    over each row of ``logits_per_image`` (B, B) (image i must pick caption i) and over
    each row of ``logits_per_text`` (B, B) (caption i must pick image i).

    >>> clip_loss(torch.zeros(4, 4), torch.zeros(4, 4))             # log(4): no preference
    tensor(1.3863)
    """
    if logits_per_image.dim() != 2 or logits_per_image.shape[0] != logits_per_image.shape[1]:
        raise ValueError(f"clip_loss: logits_per_image must be a square (B, B) matrix of "
                         f"matching pairs, got shape {tuple(logits_per_image.shape)}")
    if logits_per_text.shape != logits_per_image.shape:
        raise ValueError(f"clip_loss: logits_per_text must have the shape of "
                         f"logits_per_image {tuple(logits_per_image.shape)}, got "
                         f"{tuple(logits_per_text.shape)}")
    targets = torch.arange(logits_per_image.shape[0], device=logits_per_image.device)  # (B,)
    loss_image = F.cross_entropy(logits_per_image, targets)    # each image finds its caption
    loss_text = F.cross_entropy(logits_per_text, targets)      # each caption finds its image
    return (loss_image + loss_text) / 2


# ---- the tokenizer --------------------------------------------------------------------------

class CaptionTokenizer:
    """Characters of captions, with ``<pad>`` = 0, ``<eos>`` = 1 and ``<unk>`` = 2 before them.

    ``encode`` appends ``<eos>`` (the text encoder reads its hidden state) and maps a
    character it has never seen to ``<unk>`` — a held-out caption may use new ones. The
    characters are a :class:`dlfs.data.text.CharTokenizer` shifted by the three specials.

    >>> tok = CaptionTokenizer.from_texts(["ab", "数字"])
    >>> tok.encode("ba?"), tok.decode(tok.encode("b数")), tok.vocab_size
    ([4, 3, 2, 1], 'b数', 7)
    >>> tok.batch(["a", "ab"]).tolist()                            # padded to the longest
    [[3, 1, 0], [3, 4, 1]]
    """

    SPECIALS = ("<pad>", "<eos>", "<unk>")
    pad_id, eos_id, unk_id = 0, 1, 2

    def __init__(self, chars: Sequence[str]):
        self.chars = CharTokenizer(list(chars))

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> CaptionTokenizer:
        """The sorted set of characters in ``texts``."""
        return cls(sorted(set("".join(texts))))

    @property
    def vocab_size(self) -> int:
        """V: the specials and the characters."""
        return len(self.SPECIALS) + self.chars.vocab_size

    def encode(self, text: str) -> list[int]:
        """Ids of the characters (``<unk>`` for unseen ones), then ``<eos>``."""
        if not isinstance(text, str):
            raise TypeError(f"CaptionTokenizer.encode: expected a str, got "
                            f"{type(text).__name__}")
        shift = len(self.SPECIALS)
        return [self.chars.stoi[c] + shift if c in self.chars.stoi else self.unk_id
                for c in text] + [self.eos_id]

    def decode(self, ids: Iterable[int]) -> str:
        """The characters of ``ids``, stopping at ``<eos>`` (``<unk>`` shows as ``?``)."""
        out = []
        for i in ids:
            if i == self.eos_id:
                break
            out.append("?" if i == self.unk_id else "" if i == self.pad_id else
                       self.chars.decode([i - len(self.SPECIALS)]))
        return "".join(out)

    def batch(self, texts: Sequence[str], context_length: int | None = None) -> Tensor:
        """Encode and pad with ``<pad>`` to the longest caption: int64 (B, T). With
        ``context_length``, a caption (with its ``<eos>``) longer than that is refused."""
        if isinstance(texts, str) or not len(texts):
            raise ValueError("CaptionTokenizer.batch: expected a non-empty list of captions, "
                             f"got {texts!r}")
        ids = [self.encode(t) for t in texts]
        longest = max(len(row) for row in ids)
        if context_length is not None and longest > context_length:
            text = texts[max(range(len(ids)), key=lambda i: len(ids[i]))]
            raise ValueError(f"CaptionTokenizer.batch: caption {text!r} has {longest - 1} "
                             f"characters; with <eos> the model reads at most "
                             f"context_length={context_length}")
        tokens = torch.full((len(ids), longest), self.pad_id, dtype=torch.long)   # (B, T)
        for row, seq in enumerate(ids):
            tokens[row, :len(seq)] = torch.tensor(seq)
        return tokens

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (``from_dict`` rebuilds the tokenizer)."""
        return {"type": "caption-char", "chars": self.chars.itos}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaptionTokenizer:
        """The tokenizer :meth:`to_dict` described."""
        if data.get("type") != "caption-char":
            raise ValueError(f"CaptionTokenizer.from_dict: expected type 'caption-char', "
                             f"got {data.get('type')!r}")
        return cls(data["chars"])


# ---- the model ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClipConfig:
    """Sizes of a :class:`CLIP`. ``vocab_size`` comes from the tokenizer: a recipe nests this
    config with ``vocab_size=None`` and fills it in.

    >>> ClipConfig(text_width=30, text_heads=4)
    Traceback (most recent call last):
    ...
    ValueError: ClipConfig: text_width (30) must be divisible by text_heads (4)
    """

    vocab_size: int | None = field(default=None, metadata={
        "help": "V, the number of token ids", "internal": "set from the tokenizer"})
    context_length: int = field(default=64, metadata={
        "help": "T, the longest caption the text encoder reads (characters + <eos>)",
        "help_zh": "T，文本编码器能读的最长描述（字符数加 `<eos>`）"})
    embed_dim: int = field(default=64, metadata={
        "help": "E, the size of the shared image-text space",
        "help_zh": "E，图文共享空间的维数"})
    image_width: int = field(default=32, metadata={
        "help": "w, channels of the CNN's first stage (then 2w and 4w)",
        "help_zh": "w，CNN 第一阶段的通道数（之后为 2w 和 4w）"})
    text_width: int = field(default=64, metadata={
        "help": "C, the width of the text Transformer",
        "help_zh": "C，文本 Transformer 的宽度"})
    text_layers: int = field(default=2, metadata={"help": "text Transformer layers",
                                                  "help_zh": "文本 Transformer 的层数"})
    text_heads: int = field(default=4, metadata={
        "help": "attention heads per text layer (must divide text_width)",
        "help_zh": "每个文本层的注意力头数（必须整除 text_width）"})
    dropout: float = field(default=0.0, metadata={
        "help": "dropout probability inside the text Transformer",
        "help_zh": "文本 Transformer 内部的 Dropout 概率"})
    init_temperature: float = field(default=0.07, metadata={
        "help": "the softmax temperature 1/s at the start (the paper's 0.07)",
        "help_zh": "初始的 softmax 温度 1/s（论文中为 0.07）"})
    max_logit_scale: float = field(default=100.0, metadata={
        "help": "the clamp of the learned scale s = exp(t) (the paper's 100)",
        "help_zh": "学到的缩放 `s = exp(t)` 的上限（论文中为 100）"})
    fused: bool = field(default=False, metadata={
        "help": "the convolutions call torch's kernel (faster on a CPU; same results up "
                "to float rounding)",
        "help_zh": "卷积调用 torch 的内核（在 CPU 上更快；结果只差浮点舍入）"})

    def __post_init__(self) -> None:
        names = ("context_length", "embed_dim", "image_width", "text_width", "text_layers",
                 "text_heads")
        for name in names if self.vocab_size is None else ("vocab_size", *names):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ClipConfig: {name} must be a positive int, got {value!r}")
        if self.context_length < 2:
            raise ValueError(f"ClipConfig: context_length must be >= 2 (a character and "
                             f"<eos>), got {self.context_length}")
        if self.text_width % self.text_heads:
            raise ValueError(f"ClipConfig: text_width ({self.text_width}) must be divisible "
                             f"by text_heads ({self.text_heads})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"ClipConfig: dropout must be in [0, 1), got {self.dropout}")
        if not (self.init_temperature > 0
                and 1 / self.init_temperature <= self.max_logit_scale):
            raise ValueError(f"ClipConfig: need 0 < init_temperature and 1 / init_temperature"
                             f" <= max_logit_scale, got {self.init_temperature} and "
                             f"{self.max_logit_scale}")


class ImageEncoder(nn.Module):
    """Three conv stages and a global average: (B, 1, H, W) -> (B, 4w).

        [Conv3x3 -> BN -> ReLU -> MaxPool 2]   (B, w, H/2, W/2)
        [Conv3x3 -> BN -> ReLU -> MaxPool 2]   (B, 2w, H/4, W/4)
        [Conv3x3 -> BN -> ReLU] -> mean over H, W    (B, 4w)
    """

    def __init__(self, width: int, in_channels: int = 1, fused: bool = False):
        super().__init__()

        def stage(c_in: int, c_out: int, pool: bool) -> list[nn.Module]:
            return [dnn.Conv2d(c_in, c_out, 3, padding=1, bias=False, fused=fused),
                    dnn.BatchNorm2d(c_out), dnn.ReLU(), *([dnn.MaxPool2d(2)] if pool else [])]

        self.out_features = 4 * width
        self.net = dnn.Sequential(*stage(in_channels, width, True),
                                  *stage(width, 2 * width, True),
                                  *stage(2 * width, 4 * width, False),
                                  dnn.AdaptiveAvgPool2d(1), dnn.Flatten())

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)                                         # (B, 4w)


class TextEncoder(nn.Module):
    """Character embeddings + learned positions -> Pre-LN Transformer encoder (pads masked
    out of the attention) -> final LayerNorm -> the hidden state at ``<eos>``:
    tokens (B, T) -> (B, C)."""

    def __init__(self, config: ClipConfig, pad_id: int = CaptionTokenizer.pad_id,
                 eos_id: int = CaptionTokenizer.eos_id):
        super().__init__()
        if config.vocab_size is None:
            raise ValueError("TextEncoder: config.vocab_size is None; set it from the "
                             "tokenizer (CaptionTokenizer.vocab_size)")
        c = config.text_width
        self.pad_id, self.eos_id, self.context_length = pad_id, eos_id, config.context_length
        self.token_embedding = dnn.Embedding(config.vocab_size, c, padding_idx=pad_id)
        self.position_embedding = dnn.LearnedPositionalEmbedding(config.context_length, c)
        layer = dnn.TransformerEncoderLayer(c, config.text_heads, dim_feedforward=4 * c,
                                            dropout=config.dropout, activation="gelu",
                                            batch_first=True, norm_first=True)
        self.transformer = dnn.TransformerEncoder(layer, config.text_layers,
                                                  norm=dnn.LayerNorm(c))

    def forward(self, tokens: Tensor) -> Tensor:
        _check_tokens(tokens, self.context_length, self.eos_id)
        x = self.position_embedding(self.token_embedding(tokens))      # (B, T, C)
        x = self.transformer(x, src_key_padding_mask=tokens == self.pad_id)   # (B, T, C)
        eos = (tokens == self.eos_id).int().argmax(dim=1)              # (B,) first <eos>
        return x[torch.arange(tokens.shape[0], device=tokens.device), eos]   # (B, C)


def _check_tokens(tokens: Tensor, context_length: int, eos_id: int) -> None:
    if tokens.dim() != 2 or tokens.dtype != torch.long:
        raise ValueError(f"TextEncoder: tokens must be int64 (B, T), got {tokens.dtype} "
                         f"{tuple(tokens.shape)}")
    if tokens.shape[1] > context_length:
        raise ValueError(f"TextEncoder: tokens have T={tokens.shape[1]} positions, more than "
                         f"context_length={context_length}")
    if not bool((tokens == eos_id).any(dim=1).all()):
        raise ValueError(f"TextEncoder: every caption needs an <eos> (id {eos_id}); encode "
                         "with CaptionTokenizer.batch")


class CLIP(nn.Module):
    """The dual encoder: ``encode_image`` (B, 1, H, W) -> (B, E) and ``encode_text``
    (B, T) -> (B, E), both unit length; ``forward(images, tokens)`` -> (logits_per_image
    (B_i, B_t), logits_per_text (B_t, B_i)) = s · I U^T and its transpose."""

    def __init__(self, config: ClipConfig):
        super().__init__()
        self.config = config
        self.visual = ImageEncoder(config.image_width, fused=config.fused)
        self.text = TextEncoder(config)
        self.image_projection = dnn.Linear(self.visual.out_features, config.embed_dim,
                                           bias=False)
        self.text_projection = dnn.Linear(config.text_width, config.embed_dim, bias=False)
        # t = log s, so that s = exp(t) stays positive; s_0 = 1 / 0.07
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / config.init_temperature)))

    def scale(self) -> Tensor:
        """s = min(exp(t), max_logit_scale), a 0-d tensor (no gradient beyond the clamp)."""
        return self.logit_scale.exp().clamp(max=self.config.max_logit_scale)

    def encode_image(self, images: Tensor) -> Tensor:
        """I = W_i f(images) / ||.||: (B, 1, H, W) -> (B, E), unit rows."""
        if images.dim() != 4 or images.shape[1] != 1:
            raise ValueError(f"CLIP.encode_image: images must be (B, 1, H, W), got "
                             f"{tuple(images.shape)}")
        return l2_normalize(self.image_projection(self.visual(images)))    # (B, E)

    def encode_text(self, tokens: Tensor) -> Tensor:
        """U = W_t g(tokens) / ||.||: (B, T) -> (B, E), unit rows."""
        return l2_normalize(self.text_projection(self.text(tokens)))       # (B, E)

    def forward(self, images: Tensor, tokens: Tensor) -> tuple[Tensor, Tensor]:
        image_emb = self.encode_image(images)                              # (B_i, E)
        text_emb = self.encode_text(tokens)                                # (B_t, E)
        logits_per_image = self.scale() * image_emb @ text_emb.T           # (B_i, B_t)
        return logits_per_image, logits_per_image.T                        # (B_t, B_i)

    def num_params(self) -> int:
        """Number of parameters."""
        return sum(p.numel() for p in self.parameters())
