"""A convolutional variational autoencoder (VAE) built from ``dlfs.nn`` layers.

::

    encoder   x (B, C, S, S) --[Conv3x3 stride 2 -> SiLU] x depth--> (B, w_L, s, s)
              --Flatten--> fc_mu, fc_logvar --> mu, logvar (B, D)
    sample    z = mu + exp(logvar / 2) * eps,  eps ~ N(0, I)       (reparameterisation)
    decoder   z --Linear -> SiLU--> (B, w_L, s, s)
              --[ConvTranspose4x4 stride 2 -> SiLU] x (depth - 1)--> (B, w_0, S/2, S/2)
              --ConvTranspose4x4 stride 2--> x_hat (B, C, S, S): a Bernoulli logit per pixel

with widths w_i = width * 2^i (i = 0 .. depth-1), s = S / 2^depth and D = latent_dim. The loss
(the negative ELBO, beta on the KL) and its terms are :mod:`dlfs.generative.vae`; beta is a
setting of the loss and the recipe, not of the network. The model never prints.

>>> vae = ConvVAE(ConvVAEConfig(image_size=8, latent_dim=4, width=8, depth=2))
>>> x_hat, mu, logvar = vae(torch.zeros(3, 1, 8, 8))
>>> tuple(x_hat.shape), tuple(mu.shape)
((3, 1, 8, 8), (3, 4))
>>> tuple(vae.sample(5, torch.Generator().manual_seed(0)).shape)
(5, 1, 8, 8)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from .. import nn as dnn
from ..generative.vae import bernoulli_mean, reparameterize

__all__ = ["ConvVAE", "ConvVAEConfig"]


@dataclass(frozen=True)
class ConvVAEConfig:
    """Hyper-parameters of :class:`ConvVAE`, validated at construction.

    >>> ConvVAEConfig(image_size=12, depth=3)
    Traceback (most recent call last):
    ...
    ValueError: ConvVAEConfig: image_size (12) must be divisible by 2**depth = 8
    """

    image_size: int = field(default=16, metadata={
        "help": "S, the side of the square images (a multiple of 2**depth)",
        "help_zh": "S，方形图像的边长（须是 `2**depth` 的倍数）"})
    channels: int = field(default=1, metadata={
        "help": "C, image channels", "internal": "the digit images have one channel"})
    latent_dim: int = field(default=16, metadata={
        "help": "D, dimensions of the latent code z",
        "help_zh": "D，隐变量 z 的维数"})
    width: int = field(default=32, metadata={
        "help": "channels of the first conv block; each further block doubles them",
        "help_zh": "第一个卷积块的通道数；之后每个块翻倍"})
    depth: int = field(default=2, metadata={
        "help": "stride-2 conv blocks in the encoder (and transposed ones in the decoder)",
        "help_zh": "编码器中步幅为 2 的卷积块数（解码器中有同样多的转置卷积块）"})

    def __post_init__(self) -> None:
        for name in ("image_size", "channels", "latent_dim", "width", "depth"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"ConvVAEConfig: {name} must be a positive int, got {value!r}")
        if self.image_size % 2 ** self.depth:
            raise ValueError(f"ConvVAEConfig: image_size ({self.image_size}) must be divisible "
                             f"by 2**depth = {2 ** self.depth}")

    @property
    def widths(self) -> tuple[int, ...]:
        """Channels after each encoder block: (width, 2 width, ...), ``depth`` of them."""
        return tuple(self.width * 2 ** i for i in range(self.depth))

    @property
    def bottom(self) -> int:
        """s, the side of the smallest feature map: image_size / 2**depth."""
        return self.image_size // 2 ** self.depth


class ConvVAE(nn.Module):
    """Encoder q(z|x) = N(mu, diag(exp(logvar))), decoder p(x|z) = Bernoulli(sigmoid(x_hat)).

    ``forward(x)`` -> ``(x_hat, mu, logvar)``: x (B, C, S, S) in [-1, 1]; x_hat (B, C, S, S)
    logits; mu, logvar (B, D). The latent sample in ``forward`` draws eps from torch's global
    generator (in train and eval mode alike: the ELBO needs the sample).
    """

    def __init__(self, config: ConvVAEConfig | None = None):
        super().__init__()
        self.config = cfg = config or ConvVAEConfig()
        widths, s = cfg.widths, cfg.bottom
        blocks: list[nn.Module] = []
        c_in = cfg.channels
        for w in widths:                                   # each halves the side
            blocks += [dnn.Conv2d(c_in, w, 3, stride=2, padding=1), dnn.SiLU()]
            c_in = w
        self.encoder = dnn.Sequential(*blocks, dnn.Flatten())
        flat = widths[-1] * s * s
        self.fc_mu = dnn.Linear(flat, cfg.latent_dim)
        self.fc_logvar = dnn.Linear(flat, cfg.latent_dim)
        ups: list[nn.Module] = [dnn.Linear(cfg.latent_dim, flat), dnn.SiLU(),
                                dnn.Unflatten(1, (widths[-1], s, s))]
        for w_in, w_out in zip(widths[::-1], widths[-2::-1]):
            ups += [dnn.ConvTranspose2d(w_in, w_out, 4, stride=2, padding=1), dnn.SiLU()]
        # the last transposed conv reaches full size and gives the logits directly
        ups.append(dnn.ConvTranspose2d(widths[0], cfg.channels, 4, stride=2, padding=1))
        self.decoder = dnn.Sequential(*ups)

    def _check_input(self, x: Tensor) -> None:
        cfg = self.config
        want = (cfg.channels, cfg.image_size, cfg.image_size)
        if not isinstance(x, Tensor) or x.dim() != 4 or tuple(x.shape[1:]) != want:
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"ConvVAE: expected images x of shape (B, {want[0]}, {want[1]}, "
                             f"{want[2]}), got {got}")

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """x (B, C, S, S) -> (mu, logvar), each (B, D)."""
        self._check_input(x)
        h = self.encoder(x)                                # (B, w_L * s * s)
        return self.fc_mu(h), self.fc_logvar(h)            # (B, D), (B, D)

    def decode(self, z: Tensor) -> Tensor:
        """z (B, D) -> x_hat (B, C, S, S), the logits of each pixel's ink probability."""
        if not isinstance(z, Tensor) or z.dim() != 2 or z.shape[1] != self.config.latent_dim:
            got = tuple(z.shape) if isinstance(z, Tensor) else type(z).__name__
            raise ValueError(f"ConvVAE.decode: expected z of shape (B, "
                             f"{self.config.latent_dim}), got {got}")
        return self.decoder(z)                             # (B, C, S, S)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """x (B, C, S, S) -> (x_hat logits (B, C, S, S), mu (B, D), logvar (B, D))."""
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar)                     # (B, D)
        return self.decode(z), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n images from the prior: z ~ N(0, I), then the decoder's mean image in [-1, 1],
        (n, C, S, S). ``generator`` makes them repeatable (default: torch's global one)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"ConvVAE.sample: n must be an int >= 1, got {n!r}")
        p = next(self.parameters())
        z = torch.randn(n, self.config.latent_dim, generator=generator, dtype=p.dtype,
                        device=p.device)                   # (n, D)
        return bernoulli_mean(self.decode(z))              # (n, C, S, S)

    def num_params(self) -> int:
        """Number of parameters."""
        return sum(p.numel() for p in self.parameters())
