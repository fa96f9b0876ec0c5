"""The Vision Transformer (ViT): an image read as a sequence of patches, built from ``dlfs.nn``.

    patches   x (B, Cin, H, W) -> N = (H/P)(W/P) patches of Cin*P*P pixels each
    embed     z_i = W_E p_i + b_E                     one vector of width C per patch
    tokens    h_0 = [x_cls; z_1; ...; z_N] + E_pos     a learned class token, learned positions
    encoder   h_l = h_{l-1} + MSA(LN(h_{l-1}));  h_l = h_l + MLP(LN(h_l))     Pre-LN blocks
    head      logits = W_head LN(h_L)[0]               read out at the class token only

The patch embedding exists twice, to show they are one map: :class:`PatchEmbedConv` is a
convolution whose kernel equals its stride (each output pixel sees exactly one patch), and
:class:`PatchEmbedUnfold` cuts the patches out with :func:`patchify` (reshape + permute) and
applies a linear map (:func:`patch_embedding`, the same as a function of the weights). With
``linear.weight = conv.weight.flatten(1)`` they agree exactly (:func:`conv_to_unfold_state`).
The encoder is :class:`dlfs.nn.TransformerEncoder` (``norm_first=True``, GELU), unchanged;
:meth:`ViT.attention_maps` re-runs its layers to return every layer's attention weights over
the N + 1 tokens.

Legend: B batch, Cin image channels, H, W image size, P patch size, N patches, T = N + 1
tokens, C width, L layers, nh heads, K classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..nn import functional as F

__all__ = ["PatchEmbedConv", "PatchEmbedUnfold", "ViT", "ViTConfig", "conv_to_unfold_state",
           "patch_embedding", "patchify"]


@dataclass(frozen=True)
class ViTConfig:
    """Hyper-parameters of :class:`ViT`; validated at construction.

    >>> ViTConfig(image_size=16, patch_size=5)
    Traceback (most recent call last):
    ...
    ValueError: ViTConfig: image_size (16) must be divisible by patch_size (5)
    """

    image_size: int = field(default=16, metadata={
        "help": "H = W, the side of the (square) input images",
        "help_zh": "H = W，（方形）输入图像的边长"})
    patch_size: int = field(default=4, metadata={
        "help": "P, the side of a patch; the image becomes (H/P)^2 tokens",
        "help_zh": "P，图像块的边长；图像变成 (H/P)^2 个词元"})
    in_channels: int = field(default=1, metadata={
        "help": "Cin, channels of the images", "internal": "set from the data"})
    num_classes: int = field(default=10, metadata={
        "help": "K, the classes", "internal": "set from the data"})
    d_model: int = field(default=32, metadata={
        "help": "C, the width of every token vector",
        "help_zh": "C，每个词元向量的宽度"})
    n_layer: int = field(default=2, metadata={"help": "L, Pre-LN encoder layers",
                                              "help_zh": "L，`Pre-LN` 编码器的层数"})
    n_head: int = field(default=4, metadata={
        "help": "attention heads per layer (must divide d_model)",
        "help_zh": "每层的注意力头数（必须整除 d_model）"})
    dim_feedforward: int = field(default=80, metadata={
        "help": "hidden width of each layer's MLP",
        "help_zh": "每层 MLP 的隐藏宽度"})
    dropout: float = field(default=0.0, metadata={
        "help": "dropout on the token embeddings, attention weights and sublayer outputs",
        "help_zh": "词元嵌入、注意力权重和子层输出上的 Dropout"})
    patch_embedding: Literal["conv", "unfold"] = field(default="conv", metadata={
        "help": "how patches become vectors: a strided convolution, or unfold + Linear "
                "(the same map)",
        "help_zh": "图像块如何变成向量：带步幅的卷积，或 `unfold` + Linear（同一个映射）"})

    def __post_init__(self) -> None:
        for name in ("image_size", "patch_size", "in_channels", "num_classes", "d_model",
                     "n_layer", "n_head", "dim_feedforward"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"ViTConfig: {name} must be a positive int, got {value!r}")
        if self.image_size % self.patch_size:
            raise ValueError(f"ViTConfig: image_size ({self.image_size}) must be divisible "
                             f"by patch_size ({self.patch_size})")
        if self.d_model % self.n_head:
            raise ValueError(f"ViTConfig: d_model ({self.d_model}) must be divisible by "
                             f"n_head ({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"ViTConfig: dropout must be in [0, 1), got {self.dropout}")
        if self.patch_embedding not in ("conv", "unfold"):
            raise ValueError("ViTConfig: patch_embedding must be 'conv' or 'unfold', got "
                             f"{self.patch_embedding!r}")

    @property
    def num_patches(self) -> int:
        """N = (H/P)^2."""
        return (self.image_size // self.patch_size) ** 2


def _check_images(x: Tensor, patch_size: int, who: str) -> None:
    if not isinstance(x, Tensor) or x.dim() != 4 or not x.is_floating_point():
        got = (f"{x.dtype} {tuple(x.shape)}" if isinstance(x, Tensor)
               else type(x).__name__)
        raise ValueError(f"{who}: expected float images x of shape (B, Cin, H, W), got {got}")
    H, W = x.shape[-2:]
    if H % patch_size or W % patch_size:
        raise ValueError(f"{who}: image size {H}x{W} is not divisible by the patch size "
                         f"{patch_size}")


def patchify(x: Tensor, patch_size: int) -> Tensor:
    """Cut images into non-overlapping P x P patches, row by row:
    (B, Cin, H, W) -> (B, N, Cin*P*P), each patch flattened channel-first (c, i, j), the
    order of a Conv2d kernel's ``weight.flatten(1)`` and of ``unfold``'s columns.

    >>> x = torch.arange(16.).view(1, 1, 4, 4)
    >>> patchify(x, 2)[0]
    tensor([[ 0.,  1.,  4.,  5.],
            [ 2.,  3.,  6.,  7.],
            [ 8.,  9., 12., 13.],
            [10., 11., 14., 15.]])
    """
    _check_images(x, patch_size, "patchify")
    B, Cin, H, W = x.shape
    P = patch_size
    x = x.view(B, Cin, H // P, P, W // P, P)               # (B, Cin, H/P, P, W/P, P)
    x = x.permute(0, 2, 4, 1, 3, 5)                        # (B, H/P, W/P, Cin, P, P)
    return x.reshape(B, (H // P) * (W // P), Cin * P * P)  # (B, N, Cin*P*P)


def patch_embedding(x: Tensor, weight: Tensor, bias: Tensor | None, patch_size: int) -> Tensor:
    """z_i = W_E p_i + b_E for every patch p_i: images (B, Cin, H, W), ``weight`` (C, Cin*P*P),
    ``bias`` (C,) or None -> (B, N, C). Equal to a convolution with kernel = stride = P whose
    kernel is ``weight.view(C, Cin, P, P)``.

    >>> patch_embedding(torch.ones(1, 1, 4, 4), torch.ones(3, 4), None, 2)[0]
    tensor([[4., 4., 4.],
            [4., 4., 4.],
            [4., 4., 4.],
            [4., 4., 4.]])
    """
    p = patchify(x, patch_size)                              # (B, N, Cin*P*P)
    if weight.dim() != 2 or weight.shape[1] != p.shape[-1]:
        raise ValueError(f"patch_embedding: weight must be (C, Cin*P*P) = (C, {p.shape[-1]}), "
                         f"got {tuple(weight.shape)}")
    return F.linear(p, weight, bias)                         # (B, N, C)


class PatchEmbedConv(nn.Module):
    """Patch embedding as a convolution with kernel = stride = P: (B, Cin, H, W) -> (B, N, C).

    >>> PatchEmbedConv(1, 4, 8)(torch.zeros(2, 1, 16, 16)).shape
    torch.Size([2, 16, 8])
    """

    def __init__(self, in_channels: int, patch_size: int, d_model: int) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.proj = dnn.Conv2d(in_channels, d_model, patch_size, stride=patch_size)

    def forward(self, x: Tensor) -> Tensor:
        _check_images(x, self.patch_size, type(self).__name__)
        z = self.proj(x)                                   # (B, C, H/P, W/P)
        return z.flatten(2).transpose(1, 2)                # (B, N, C), patches row by row


class PatchEmbedUnfold(nn.Module):
    """Patch embedding as patchify + Linear: (B, Cin, H, W) -> (B, N, C).

    >>> PatchEmbedUnfold(1, 4, 8)(torch.zeros(2, 1, 16, 16)).shape
    torch.Size([2, 16, 8])
    """

    def __init__(self, in_channels: int, patch_size: int, d_model: int) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.proj = dnn.Linear(in_channels * patch_size * patch_size, d_model)

    def forward(self, x: Tensor) -> Tensor:
        return patch_embedding(x, self.proj.weight, self.proj.bias, self.patch_size)


def conv_to_unfold_state(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """A state dict with :class:`PatchEmbedConv` weights (``...proj.weight`` of shape
    (C, Cin, P, P)) rewritten for :class:`PatchEmbedUnfold` ((C, Cin*P*P)): the kernel of
    output channel c, flattened in (c, i, j) order, is row c of the Linear weight."""
    out = {}
    for key, value in state.items():
        is_patch_kernel = key.endswith("proj.weight") and value.dim() == 4
        out[key] = value.flatten(1) if is_patch_kernel else value
    return out


class ViT(nn.Module):
    """The Vision Transformer: images (B, Cin, H, W) -> logits (B, K).

    >>> model = ViT(ViTConfig(image_size=8, patch_size=4, d_model=8, n_head=2))
    >>> model(torch.zeros(3, 1, 8, 8)).shape
    torch.Size([3, 10])
    >>> model.attention_maps(torch.zeros(3, 1, 8, 8)).shape     # (L, B, nh, T, T), T = 4 + 1
    torch.Size([2, 3, 2, 5, 5])
    """

    def __init__(self, config: ViTConfig) -> None:
        super().__init__()
        self.config = c = config
        embed = PatchEmbedConv if c.patch_embedding == "conv" else PatchEmbedUnfold
        self.patch_embed = embed(c.in_channels, c.patch_size, c.d_model)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c.d_model))
        self.pos_embed = dnn.LearnedPositionalEmbedding(c.num_patches + 1, c.d_model)
        self.drop = dnn.Dropout(c.dropout)
        layer = dnn.TransformerEncoderLayer(c.d_model, c.n_head, c.dim_feedforward, c.dropout,
                                            activation="gelu", batch_first=True,
                                            norm_first=True)
        self.encoder = dnn.TransformerEncoder(layer, c.n_layer, norm=dnn.LayerNorm(c.d_model))
        self.head = dnn.Linear(c.d_model, c.num_classes)
        nn.init.normal_(self.cls_token, std=0.02)

    def num_params(self) -> int:
        """Every parameter, the class token and the positions included."""
        return sum(p.numel() for p in self.parameters())

    def tokens(self, x: Tensor) -> Tensor:
        """The encoder's input: (B, Cin, H, W) -> h_0 (B, T, C), the class token first."""
        c = self.config
        if x.dim() != 4 or tuple(x.shape[1:]) != (c.in_channels, c.image_size, c.image_size):
            raise ValueError(f"ViT: expected images x of shape (B, {c.in_channels}, "
                             f"{c.image_size}, {c.image_size}), got {tuple(x.shape)}")
        z = self.patch_embed(x)                                    # (B, N, C)
        cls = self.cls_token.expand(x.shape[0], -1, -1)            # (B, 1, C)
        h = torch.cat([cls, z], dim=1)                             # (B, T, C)
        return self.drop(self.pos_embed(h))                        # + E_pos[0..T-1]

    def forward(self, x: Tensor) -> Tensor:
        h = self.encoder(self.tokens(x))                           # (B, T, C), final LN
        return self.head(h[:, 0])                                  # class token -> (B, K)

    @torch.no_grad()
    def attention_maps(self, x: Tensor) -> Tensor:
        """Every layer's attention weights, per head: (L, B, nh, T, T); row t of a map is
        what token t reads (row 0: the class token; columns 1..N: the patches, row by
        row). Runs the encoder's own layers, in the model's current mode."""
        h = self.tokens(x)                                         # (B, T, C)
        maps = []
        for layer in self.encoder.layers:
            a = layer.norm1(h)                                     # Pre-LN: attention sees LN(h)
            _, w = layer.self_attn(a, a, a, need_weights=True,
                                   average_attn_weights=False)     # (B, nh, T, T)
            maps.append(w)
            h = layer(h)                                           # (B, T, C)
        return torch.stack(maps)                                   # (L, B, nh, T, T)
