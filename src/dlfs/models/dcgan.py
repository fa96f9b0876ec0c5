"""DCGAN-style generator and discriminator/critic for small images, and tiny MLPs for 2-D data,
all composed from ``dlfs.nn`` layers.

Generator (noise to image; Radford et al.'s DCGAN recipe, shrunk), with S = image_size,
W = g_width, k = log2(S / 4) upsamplings::

    z (B, z_dim) -> Linear -> (B, W, 4, 4) -> [BN] -> ReLU
      -> [ConvTranspose 4x4 stride 2 -> [BN] -> ReLU]  x (k - 1)   channels halve, size doubles
      -> ConvTranspose 4x4 stride 2 -> (B, C, S, S) -> Tanh        pixels in [-1, 1]

Discriminator / critic (image to one logit or score), w = d_width::

    x (B, C, S, S) -> Conv 4x4 stride 2 -> LeakyReLU(0.2)               (B, w, S/2, S/2)
      -> [Conv 4x4 stride 2 -> [Norm] -> LeakyReLU(0.2)] x (k - 1)     channels double
      -> Flatten -> Linear -> (B,)

A 4x4 kernel with stride 2 and padding 1 maps n pixels to n/2 (and its transpose n to 2n):
floor((n + 2 - 4) / 2) + 1 = n / 2, and (n - 1) 2 - 2 + 4 = 2n.

Normalization: BatchNorm in the discriminator mixes the samples of a batch, so the critic's
score of one image depends on the others. WGAN-GP needs the gradient of each score with
respect to its own input only, so its critic uses ``d_norm="group"`` (GroupNorm: per sample)
or ``"none"``; :class:`DCGANConfig` offers no BatchNorm for the discriminator at all.
GroupNorm is also built from elementary operations, so the penalty's double backward runs
through it (dlfs' LayerNorm has a hand-written, once-differentiable backward).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from torch import Tensor

from .. import nn

__all__ = ["DCGANConfig", "DCGANDiscriminator", "DCGANGenerator", "MLPCritic", "MLPGenerator"]


@dataclass(frozen=True)
class DCGANConfig:
    """Sizes of :class:`DCGANGenerator` and :class:`DCGANDiscriminator`; validated here.

    >>> DCGANConfig(image_size=12)
    Traceback (most recent call last):
    ...
    ValueError: DCGANConfig: image_size must be 4 times a power of two (8, 16, 32, ...), got 12
    """

    image_size: int = field(default=16, metadata={
        "help": "S, the height and width of the images (8, 16, 32, ...)",
        "help_zh": "S，图像的高和宽（8、16、32……）"})
    channels: int = field(default=1, metadata={"help": "C, channels of an image",
                                               "internal": "set by the data"})
    z_dim: int = field(default=32, metadata={"help": "size of the noise vector z",
                                             "help_zh": "噪声向量 z 的维数"})
    g_width: int = field(default=64, metadata={
        "help": "channels of the generator's first 4x4 map (halved at each upsampling)",
        "help_zh": "生成器第一张 4x4 特征图的通道数（每次上采样减半）"})
    d_width: int = field(default=32, metadata={
        "help": "channels of the discriminator's first conv (doubled at each downsampling)",
        "help_zh": "判别器第一个卷积的通道数（每次下采样翻倍）"})
    g_norm: Literal["batch", "none"] = field(default="batch", metadata={
        "help": "normalization in the generator: BatchNorm or none",
        "help_zh": "生成器中的归一化：BatchNorm 或 `none`"})
    d_norm: Literal["group", "none"] = field(default="none", metadata={
        "help": "normalization in the discriminator/critic: GroupNorm (per sample) or none; "
                "never BatchNorm (it would couple the samples the gradient penalty treats "
                "one by one)",
        "help_zh": "判别器/评论器中的归一化：GroupNorm（逐样本）或 `none`；"
                   "绝不用 BatchNorm（它会把梯度惩罚逐个处理的样本耦合在一起）"})
    fused: bool = field(default=False, metadata={
        "help": "the discriminator's convolutions call torch's kernel (faster, same "
                "results up to float rounding)",
        "help_zh": "判别器的卷积调用 torch 的内核（更快，结果只差浮点舍入）"})

    def __post_init__(self) -> None:
        for name in ("image_size", "channels", "z_dim", "g_width", "d_width"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"DCGANConfig: {name} must be a positive int, got {value!r}")
        k = self.upsamplings
        if self.image_size < 8 or 4 * 2 ** k != self.image_size:
            raise ValueError("DCGANConfig: image_size must be 4 times a power of two "
                             f"(8, 16, 32, ...), got {self.image_size}")
        if self.g_width % 2 ** (k - 1):
            raise ValueError(f"DCGANConfig: g_width ({self.g_width}) must be divisible by "
                             f"{2 ** (k - 1)}: it is halved {k - 1} time(s)")
        if self.g_norm not in ("batch", "none") or self.d_norm not in ("group", "none"):
            raise ValueError(f"DCGANConfig: g_norm must be 'batch' or 'none' and d_norm "
                             f"'group' or 'none', got {self.g_norm!r}, {self.d_norm!r}")

    @property
    def upsamplings(self) -> int:
        """k = log2(image_size / 4): stride-2 layers in each network."""
        return max(round(math.log2(max(self.image_size, 1) / 4)), 0)


def _group_norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with groups of (about) 8 channels, at most ``channels`` groups."""
    return nn.GroupNorm(max(1, channels // 8), channels)


class DCGANGenerator(nn.Module):
    """z ``(B, z_dim)`` -> images ``(B, C, S, S)`` in [-1, 1] (see the module docstring).

    >>> import torch
    >>> DCGANGenerator(DCGANConfig())(torch.zeros(3, 32)).shape
    torch.Size([3, 1, 16, 16])
    """

    def __init__(self, config: DCGANConfig) -> None:
        super().__init__()
        self.config = config
        c, w, k = config, config.g_width, config.upsamplings
        bn = c.g_norm == "batch"
        layers: list[nn.Module] = [
            nn.Linear(c.z_dim, w * 16, bias=not bn),           # (B, W*16)
            nn.Unflatten(1, (w, 4, 4)),                        # (B, W, 4, 4)
            nn.BatchNorm2d(w) if bn else nn.Identity(), nn.ReLU()]
        for _ in range(k - 1):                                 # (B, W/2, 2n, 2n) each
            layers += [nn.ConvTranspose2d(w, w // 2, 4, stride=2, padding=1, bias=not bn),
                       nn.BatchNorm2d(w // 2) if bn else nn.Identity(), nn.ReLU()]
            w //= 2
        layers += [nn.ConvTranspose2d(w, c.channels, 4, stride=2, padding=1),  # (B, C, S, S)
                   nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.config.z_dim:
            raise ValueError(f"DCGANGenerator: z must be (B, z_dim={self.config.z_dim}), got "
                             f"{tuple(z.shape)}")
        return self.net(z)


class DCGANDiscriminator(nn.Module):
    """Images ``(B, C, S, S)`` -> one logit (or critic score) per image ``(B,)``.

    >>> import torch
    >>> DCGANDiscriminator(DCGANConfig())(torch.zeros(1, 1, 16, 16)).shape
    torch.Size([1])
    """

    def __init__(self, config: DCGANConfig) -> None:
        super().__init__()
        self.config = config
        c, w = config, config.d_width
        layers: list[nn.Module] = [
            nn.Conv2d(c.channels, w, 4, stride=2, padding=1, fused=c.fused),  # (B, w, S/2, S/2)
            nn.LeakyReLU(0.2)]
        for _ in range(c.upsamplings - 1):                     # (B, 2w, n/2, n/2) each
            layers += [nn.Conv2d(w, 2 * w, 4, stride=2, padding=1, fused=c.fused),
                       _group_norm(2 * w) if c.d_norm == "group" else nn.Identity(),
                       nn.LeakyReLU(0.2)]
            w *= 2
        layers += [nn.Flatten(), nn.Linear(w * 16, 1)]         # (B, w*16) -> (B, 1)
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        c = self.config
        if x.dim() != 4 or tuple(x.shape[1:]) != (c.channels, c.image_size, c.image_size):
            raise ValueError(f"DCGANDiscriminator: x must be (B, {c.channels}, {c.image_size}, "
                             f"{c.image_size}), got {tuple(x.shape)}")
        return self.net(x)[:, 0]                               # (B,)


def _mlp(sizes: list[int], activation: Callable[[], nn.Module]) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(n_in, n_out), activation()]
    return layers + [nn.Linear(sizes[-2], sizes[-1])]


class MLPGenerator(nn.Module):
    """z ``(B, z_dim)`` -> points ``(B, out_dim)``: ``depth`` hidden ReLU layers of ``hidden``.

    >>> import torch
    >>> MLPGenerator(z_dim=4, out_dim=2)(torch.zeros(5, 4)).shape
    torch.Size([5, 2])
    """

    def __init__(self, z_dim: int = 2, out_dim: int = 2, hidden: int = 64,
                 depth: int = 2) -> None:
        super().__init__()
        for name, value in (("z_dim", z_dim), ("out_dim", out_dim), ("hidden", hidden),
                            ("depth", depth)):
            if value < 1:
                raise ValueError(f"MLPGenerator: {name} must be >= 1, got {value}")
        self.z_dim = z_dim
        self.net = nn.Sequential(*_mlp([z_dim, *[hidden] * depth, out_dim], nn.ReLU))

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"MLPGenerator: z must be (B, {self.z_dim}), got {tuple(z.shape)}")
        return self.net(z)


class MLPCritic(nn.Module):
    """Points ``(B, in_dim)`` -> one logit or score per point ``(B,)``: ``depth`` hidden
    LeakyReLU(0.2) layers of ``hidden`` units, no normalization (safe for the penalty).

    >>> import torch
    >>> MLPCritic(in_dim=2)(torch.zeros(5, 2)).shape
    torch.Size([5])
    """

    def __init__(self, in_dim: int = 2, hidden: int = 64, depth: int = 2) -> None:
        super().__init__()
        for name, value in (("in_dim", in_dim), ("hidden", hidden), ("depth", depth)):
            if value < 1:
                raise ValueError(f"MLPCritic: {name} must be >= 1, got {value}")
        self.in_dim = in_dim
        self.net = nn.Sequential(*_mlp([in_dim, *[hidden] * depth, 1],
                                       lambda: nn.LeakyReLU(0.2)))

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 2 or x.shape[1] != self.in_dim:
            raise ValueError(f"MLPCritic: x must be (B, {self.in_dim}), got {tuple(x.shape)}")
        return self.net(x)[:, 0]                               # (B,)
