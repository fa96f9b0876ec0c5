"""A small U-Net that predicts the noise of a diffusion model: eps_theta(x_t, t, c).

Composed only of ``dlfs.nn`` layers (Conv2d, GroupNorm, SiLU, Linear, Embedding, Dropout)
and basic tensor operations (nearest up-sampling is a ``reshape`` of an ``expand``)::

    x_t (B, C, S, S) --conv_in--> (B, w, S, S)
      down, level l = 0 .. L-1:  ResBlock x blocks  (B, w_l, S/2^l, S/2^l)  -> skip_l
                                 [Conv 3x3 stride 2 unless l = L-1]
      middle:                    ResBlock, ResBlock (B, w_{L-1}, S/2^(L-1), ...)
      up, level l = L-1 .. 0:    [nearest x2 + Conv 3x3 unless l = L-1]
                                 cat(h, skip_l) -> ResBlock x blocks (B, w_l, ...)
    --GroupNorm, SiLU, conv_out--> eps_hat (B, C, S, S)

with w_l = width * 2^l. Every residual block hears the step and the class through one
embedding vector e (B, E), E = 4 * width::

    e = MLP(sinusoid(t)) + class_embedding(c)         MLP = Linear -> SiLU -> Linear
    ResBlock(x, e) = skip(x) + conv2(dropout(SiLU(GN(conv1(SiLU(GN(x))) + Linear(SiLU(e))))))

The class embedding has ``num_classes + 1`` rows: the last one (index ``num_classes``,
:attr:`UNet.null_class`) stands for "no class", which classifier-free guidance trains by
dropping labels and uses for the unconditional prediction eps_theta(x_t, t, null).

The sinusoidal time embedding lives here (:func:`timestep_embedding`, its one home): it is
the Transformer's position table (:func:`dlfs.nn.sinusoidal_table`) read at t, for any t::

    emb[2i] = sin(t * w_i),  emb[2i+1] = cos(t * w_i),  w_i = 10000^(-2i / D)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor

from dlfs import nn

__all__ = ["ResidualBlock", "UNet", "UNetConfig", "timestep_embedding"]


def timestep_embedding(t: Tensor, dim: int, base: float = 10000.0) -> Tensor:
    """Sinusoidal embedding of diffusion steps: t (B,) int or float -> (B, dim).

    Column 2i holds sin(t * w_i) and column 2i+1 cos(t * w_i), w_i = base^(-2i/dim): the
    rows of :func:`dlfs.nn.sinusoidal_table` at positions t (tested equal).

    >>> timestep_embedding(torch.tensor([0, 1]), 4)
    tensor([[0.0000, 1.0000, 0.0000, 1.0000],
            [0.8415, 0.5403, 0.0100, 0.9999]])
    """
    if t.dim() != 1:
        raise ValueError(f"timestep_embedding: t must have shape (B,), got {tuple(t.shape)}")
    if dim < 2 or dim % 2:
        raise ValueError(f"timestep_embedding: dim must be an even number >= 2, got {dim}")
    w = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)      # (D/2,)
    angle = t.to(torch.float64)[:, None] * w                               # (B, D/2)
    emb = torch.stack([torch.sin(angle), torch.cos(angle)], dim=-1)        # (B, D/2, 2)
    return emb.reshape(len(t), dim).to(torch.get_default_dtype())          # (B, D)


@dataclass(frozen=True)
class UNetConfig:
    """The network's shape. Level l works at resolution image_size / 2^l with width * 2^l
    channels; ``num_classes=0`` makes an unconditional model (no class embedding). The
    defaults are ``dlfs train ddpm``'s: 8x8 digits, widths 16 and 32, ~125 K parameters."""

    image_size: int = field(default=8, metadata={
        "help": "side of the square images (8: scikit-learn's digits at their own size)",
        "help_zh": "方形图像的边长（8：scikit-learn `digits` 的原始尺寸）"})
    in_channels: int = field(default=1, metadata={"help": "image channels",
                                                  "help_zh": "图像通道数"})
    width: int = field(default=16, metadata={
        "help": "channels of the first level; level l has width * 2^l",
        "help_zh": "第一层级的通道数；第 l 层级有 `width * 2^l` 个"})
    levels: int = field(default=2, metadata={
        "help": "resolutions (each halves the previous one)",
        "help_zh": "分辨率层级数（每级是上一级的一半）"})
    blocks: int = field(default=1, metadata={
        "help": "residual blocks per level on the way down and on the way up",
        "help_zh": "下采样和上采样路径上每个层级的残差块数"})
    groups: int = field(default=8, metadata={"help": "GroupNorm groups (must divide width)",
                                             "help_zh": "GroupNorm 的组数（必须整除 `width`）"})
    dropout: float = field(default=0.0, metadata={"help": "dropout inside the residual blocks",
                                                  "help_zh": "残差块内部的 Dropout"})
    num_classes: int = field(default=10, metadata={
        "internal": "set by the recipe's --guidance / --no-guidance",
        "help": "classes of the class embedding (0: unconditional); index num_classes is "
                "the null class of classifier-free guidance"})
    fused: bool = field(default=False, metadata={
        "help": "the convolutions call torch's kernel instead of im2col + matmul (about 2x "
                "faster steps on a CPU; same results up to rounding)",
        "help_zh": "卷积调用 torch 的内核，而不是 `im2col` + matmul（在 "
                   "CPU 上每步约快 2 倍；结果只差舍入误差）"})

    def __post_init__(self) -> None:
        for name in ("image_size", "in_channels", "width", "levels", "blocks", "groups"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"UNetConfig: {name} must be an int >= 1, got {value!r}")
        if self.width % self.groups:
            raise ValueError(f"UNetConfig: groups ({self.groups}) must divide width "
                             f"({self.width}), so every GroupNorm splits its channels evenly")
        if self.image_size % 2 ** (self.levels - 1):
            raise ValueError(f"UNetConfig: image_size {self.image_size} cannot be halved "
                             f"{self.levels - 1} times (levels={self.levels}); give an "
                             f"image_size divisible by {2 ** (self.levels - 1)}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"UNetConfig: dropout must be in [0, 1), got {self.dropout}")
        if self.num_classes < 0:
            raise ValueError(f"UNetConfig: num_classes must be >= 0, got {self.num_classes}")

    def channels(self, level: int) -> int:
        """w_l = width * 2^l."""
        return self.width * 2 ** level


class ResidualBlock(nn.Module):
    """(B, C_in, H, W), e (B, E) -> (B, C_out, H, W)::

        h = conv1(SiLU(GN(x))) + Linear(SiLU(e))[:, :, None, None]
        out = skip(x) + conv2(dropout(SiLU(GN(h))))

    ``skip`` is a 1x1 convolution when C_in != C_out, else the identity. conv2 starts at
    zero, so a new block is the identity map (deep nets start well-conditioned).
    """

    def __init__(self, in_channels: int, out_channels: int, emb_dim: int, groups: int,
                 dropout: float = 0.0, fused: bool = False) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1, fused=fused)
        self.emb_proj = nn.Linear(emb_dim, out_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, fused=fused)
        self.act = nn.SiLU()
        self.skip = (nn.Conv2d(in_channels, out_channels, 1, fused=fused)
                     if in_channels != out_channels else nn.Identity())
        torch.nn.init.zeros_(self.conv2.weight)
        torch.nn.init.zeros_(self.conv2.bias)

    def forward(self, x: Tensor, e: Tensor) -> Tensor:
        h = self.conv1(self.act(self.norm1(x)))                    # (B, C_out, H, W)
        h = h + self.emb_proj(self.act(e))[:, :, None, None]       # + (B, C_out, 1, 1)
        h = self.conv2(self.dropout(self.act(self.norm2(h))))      # (B, C_out, H, W)
        return self.skip(x) + h


class Upsample(nn.Module):
    """Nearest-neighbour x2, then a 3x3 convolution: (B, C, H, W) -> (B, C, 2H, 2W)."""

    def __init__(self, channels: int, fused: bool = False) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, fused=fused)

    def forward(self, x: Tensor) -> Tensor:
        B, C, H, W = x.shape
        x = x[:, :, :, None, :, None].expand(B, C, H, 2, W, 2)    # each pixel 2x2 times
        return self.conv(x.reshape(B, C, 2 * H, 2 * W))            # (B, C, 2H, 2W)


class UNet(nn.Module):
    """eps_theta(x_t, t, c): (B, C, S, S), t (B,), c (B,) or None -> (B, C, S, S).

    ``c`` holds class indices in [0, num_classes]; ``num_classes`` (:attr:`null_class`) is
    "no class". ``c=None`` means the null class for every image (or, in an unconditional
    model, that there is no class input at all).

    >>> net = UNet(UNetConfig(width=8, levels=2, blocks=1, groups=4))
    >>> net(torch.zeros(3, 1, 8, 8), torch.tensor([0, 5, 9]), torch.tensor([1, 2, 10])).shape
    torch.Size([3, 1, 8, 8])
    """

    def __init__(self, config: UNetConfig | None = None) -> None:
        super().__init__()
        self.config = cfg = config or UNetConfig()
        emb_dim = 4 * cfg.width
        self.time_mlp = nn.Sequential(nn.Linear(cfg.width, emb_dim), nn.SiLU(),
                                      nn.Linear(emb_dim, emb_dim))
        self.class_emb = (nn.Embedding(cfg.num_classes + 1, emb_dim) if cfg.num_classes
                          else None)
        self.conv_in = nn.Conv2d(cfg.in_channels, cfg.width, 3, padding=1, fused=cfg.fused)

        def block(c_in: int, c_out: int) -> ResidualBlock:
            return ResidualBlock(c_in, c_out, emb_dim, cfg.groups, cfg.dropout, cfg.fused)

        self.down, self.downsample = nn.ModuleList(), nn.ModuleList()
        c = cfg.width
        for level in range(cfg.levels):
            c_out = cfg.channels(level)
            self.down.append(nn.ModuleList(
                [block(c if i == 0 else c_out, c_out) for i in range(cfg.blocks)]))
            c = c_out
            if level < cfg.levels - 1:
                self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1, fused=cfg.fused))
        self.middle = nn.ModuleList([block(c, c), block(c, c)])
        self.up, self.upsample = nn.ModuleList(), nn.ModuleList()
        for level in reversed(range(cfg.levels)):
            c_skip = cfg.channels(level)
            if level < cfg.levels - 1:
                self.upsample.append(Upsample(c, cfg.fused))
            self.up.append(nn.ModuleList(
                [block((c + c_skip) if i == 0 else c_skip, c_skip) for i in range(cfg.blocks)]))
            c = c_skip
        self.norm_out = nn.GroupNorm(cfg.groups, c)
        self.act = nn.SiLU()
        self.conv_out = nn.Conv2d(c, cfg.in_channels, 3, padding=1, fused=cfg.fused)

    @property
    def null_class(self) -> int:
        """The class index meaning "no class" (the last row of the class embedding)."""
        return self.config.num_classes

    def num_params(self) -> int:
        """Number of trainable parameters."""
        return sum(p.numel() for p in self.parameters())

    def _check(self, x: Tensor, t: Tensor, c: Tensor | None) -> None:
        cfg = self.config
        want = (cfg.in_channels, cfg.image_size, cfg.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != want:
            raise ValueError(f"UNet: x must have shape (B, {', '.join(map(str, want))}), got "
                             f"{tuple(x.shape)}")
        if t.shape != (len(x),):
            raise ValueError(f"UNet: t must have shape (B,) = ({len(x)},), one step per "
                             f"image, got {tuple(t.shape)}")
        if c is None:
            return
        if self.class_emb is None:
            raise ValueError("UNet: this model is unconditional (num_classes=0); call it "
                             "without c")
        if c.shape != (len(x),) or c.dtype != torch.long:
            raise ValueError(f"UNet: c must be int64 class indices of shape ({len(x)},), got "
                             f"{c.dtype} {tuple(c.shape)}")
        if len(c) and not (0 <= int(c.min()) and int(c.max()) <= cfg.num_classes):
            raise ValueError(f"UNet: class indices must lie in [0, {cfg.num_classes}] "
                             f"({cfg.num_classes} = the null class), got {c.min().item()}"
                             f"..{c.max().item()}")

    def embed(self, t: Tensor, c: Tensor | None) -> Tensor:
        """e = MLP(sinusoid(t)) + class_embedding(c): (B,), (B,) -> (B, 4 * width)."""
        e = self.time_mlp(timestep_embedding(t, self.config.width).to(
            self.conv_in.weight.dtype))                            # (B, E)
        if self.class_emb is not None:
            if c is None:
                c = torch.full_like(t, self.null_class, dtype=torch.long)
            e = e + self.class_emb(c)                              # (B, E)
        return e

    def forward(self, x: Tensor, t: Tensor, c: Tensor | None = None) -> Tensor:
        self._check(x, t, c)
        e = self.embed(t, c)                                       # (B, E)
        h = self.conv_in(x)                                        # (B, w, S, S)
        skips = []
        for level, blocks in enumerate(self.down):
            for blk in blocks:
                h = blk(h, e)                                      # (B, w_l, S_l, S_l)
            skips.append(h)
            if level < len(self.downsample):
                h = self.downsample[level](h)                      # (B, w_l, S_l/2, S_l/2)
        for blk in self.middle:
            h = blk(h, e)
        for i, blocks in enumerate(self.up):
            if i > 0:
                h = self.upsample[i - 1](h)                        # (B, w_{l+1}, S_l, S_l)
            h = torch.cat([h, skips.pop()], dim=1)                 # (B, w_{l+1} + w_l, ...)
            for blk in blocks:
                h = blk(h, e)                                      # (B, w_l, S_l, S_l)
        return self.conv_out(self.act(self.norm_out(h)))           # (B, C, S, S)
