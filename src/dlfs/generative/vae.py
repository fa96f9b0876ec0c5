"""The variational autoencoder's mathematics: reparameterisation, the Gaussian KL, the ELBO.

An encoder q(z|x) = N(mu, diag(sigma^2)) with sigma = exp(logvar / 2), a prior p(z) = N(0, I)
and a decoder p(x|z). For every x the log-likelihood is bounded below by the ELBO:

    log p(x) >= E_q[log p(x|z)] - KL(q(z|x) || p(z))  =  -(recon + kl)

    recon = -E_q[log p(x|z)]       estimated with one sample z = mu + sigma * eps
    kl    = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)         (closed form)

and training minimises ``recon + beta * kl`` (beta = 1: the ELBO itself; beta != 1: the
beta-VAE, trading reconstruction against the KL "rate").

**The likelihood: Bernoulli.** Images here are in ``[-1, 1]`` (background -1, ink +1); each
pixel's ink level p = (x + 1) / 2 in [0, 1] is the target of a Bernoulli whose logit the
decoder outputs, so recon is the binary cross-entropy summed over the pixels. Why not a
Gaussian (MSE)? A Gaussian needs a variance sigma_x^2 for the pixels, and its NLL
||x - x_hat||^2 / (2 sigma_x^2) makes that unknown number a hidden weight between recon and
KL: a second beta, set by whoever picks sigma_x. The Bernoulli has no such knob (beta stays
the one explicit weight), its loss is bounded below for every pixel, and digits are mostly
ink or background. (For grey targets it is not a normalised density over [0, 1]: its
minimum is the targets' entropy, not 0 — a constant that shifts recon and leaves the
gradients alone.)

Legend: B batch, D latent dimensions (``latent_dim``), images (B, C, H, W).

>>> mu, logvar = torch.zeros(2, 3), torch.zeros(2, 3)
>>> gaussian_kl(mu, logvar)                      # q = p: no information, no cost
tensor([0., 0.])
>>> reparameterize(mu, logvar, eps=torch.ones(2, 3))[0]
tensor([1., 1., 1.])
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..nn import functional as F

__all__ = ["bernoulli_mean", "bernoulli_nll", "elbo_loss", "gaussian_kl", "reparameterize"]


def _check_gaussian(mu: Tensor, logvar: Tensor, who: str) -> None:
    """mu and logvar: floating tensors of one shape (B, D) (or any (..., D), D >= 1)."""
    for name, t in (("mu", mu), ("logvar", logvar)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: {name} must be a Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"{who}: {name} must be floating point, got {t.dtype}")
        if t.dim() < 1 or t.shape[-1] == 0:
            raise ValueError(f"{who}: {name} must have a latent dimension (B, D) with D >= 1, "
                             f"got shape {tuple(t.shape)}")
    if mu.shape != logvar.shape:
        raise ValueError(f"{who}: mu and logvar must have the same shape (B, D), got mu "
                         f"{tuple(mu.shape)} and logvar {tuple(logvar.shape)}")


def reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor | None = None) -> Tensor:
    """A sample of N(mu, diag(sigma^2)) that is a differentiable function of mu and logvar:

        z = mu + sigma * eps,   sigma = exp(logvar / 2),   eps ~ N(0, I)

    mu, logvar (B, D) -> z (B, D). ``eps`` (B, D): the noise to use (default: drawn from
    torch's global generator). The randomness sits in eps, which no parameter touches, so
    dz/dmu = 1 and dz/dlogvar = sigma * eps / 2 — gradients flow through the sample.
    """
    _check_gaussian(mu, logvar, "reparameterize")
    if eps is None:
        eps = torch.randn_like(mu)
    elif not isinstance(eps, Tensor) or eps.shape != mu.shape:
        got = tuple(eps.shape) if isinstance(eps, Tensor) else type(eps).__name__
        raise ValueError(f"reparameterize: eps must be a Tensor of mu's shape "
                         f"{tuple(mu.shape)}, got {got}")
    sigma = (0.5 * logvar).exp()                                    # (B, D)
    return mu + sigma * eps                                         # (B, D)


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, diag(sigma^2)) || N(0, I)) per sample, in closed form, summed over the latent
    dimensions (the KL of independent coordinates adds up):

        kl = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2),   log sigma_j^2 = logvar_j

    mu, logvar (B, D) -> kl (B,) (in general (..., D) -> (...)). It is >= 0 and 0 exactly
    when mu = 0 and logvar = 0.
    """
    _check_gaussian(mu, logvar, "gaussian_kl")
    per_dim = mu.pow(2) + logvar.exp() - 1.0 - logvar               # (B, D)
    return 0.5 * per_dim.sum(-1)                                    # (B,)


def _check_images(x: Tensor, x_hat: Tensor) -> None:
    for name, t in (("x", x), ("x_hat", x_hat)):
        if not isinstance(t, Tensor):
            raise TypeError(f"bernoulli_nll: {name} must be a Tensor, got {type(t).__name__}")
        if not t.is_floating_point():
            raise TypeError(f"bernoulli_nll: {name} must be floating point, got {t.dtype}")
    if x.shape != x_hat.shape or x.dim() < 2:
        raise ValueError(f"bernoulli_nll: x and x_hat must have one shape (B, ...) (e.g. "
                         f"(B, C, H, W)), got x {tuple(x.shape)} and x_hat "
                         f"{tuple(x_hat.shape)}")
    if x.numel() and (x.min() < -1 - 1e-4 or x.max() > 1 + 1e-4):   # slack for rounding
        raise ValueError(f"bernoulli_nll: x must hold images in [-1, 1] (background -1, ink "
                         f"+1), got values in [{x.min().item():.3g}, {x.max().item():.3g}]")


def bernoulli_nll(x: Tensor, x_hat: Tensor) -> Tensor:
    """recon = -log p(x|z) per sample for a Bernoulli decoder, summed over the pixels:

        p = (x + 1) / 2 (ink level in [0, 1]),   l = x_hat (the decoder's logits)
        recon = sum_pixels [ softplus(l) - p * l ]  =  sum BCE(sigmoid(l), p)

    x (B, ...) in [-1, 1], x_hat (B, ...) logits of the same shape -> recon (B,).
    """
    _check_images(x, x_hat)
    p = (x + 1.0) / 2.0                                             # (B, ...) in [0, 1]
    bce = F.binary_cross_entropy_with_logits(x_hat, p, reduction="none")
    return bce.flatten(1).sum(1)                                    # (B,)


def bernoulli_mean(x_hat: Tensor) -> Tensor:
    """The decoder's mean image in [-1, 1]: E[2 b - 1] = 2 sigmoid(l) - 1 for logits ``x_hat``
    (any shape). What a sample or a reconstruction looks like."""
    return 2.0 * F.sigmoid(x_hat) - 1.0


def elbo_loss(x: Tensor, x_hat: Tensor, mu: Tensor, logvar: Tensor, beta: float = 1.0
              ) -> tuple[Tensor, Tensor, Tensor]:
    """The negative ELBO (times beta on the KL), as means over the batch:

        recon = mean_b bernoulli_nll(x, x_hat)_b       kl = mean_b gaussian_kl(mu, logvar)_b
        loss  = recon + beta * kl

    x (B, C, H, W) in [-1, 1]; x_hat (B, C, H, W) decoder logits; mu, logvar (B, D).
    Returns ``(loss, recon, kl)``, three scalars; only ``loss`` is needed for the backward.
    With beta = 1, ``loss`` estimates -ELBO >= -log p(x) in nats per image.
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta >= 0:
        raise ValueError(f"elbo_loss: beta must be a number >= 0, got {beta!r}")
    recon = bernoulli_nll(x, x_hat)                                 # (B,)
    kl = gaussian_kl(mu, logvar)                                    # (B,)
    if recon.shape != kl.shape:
        raise ValueError(f"elbo_loss: x has batch size {x.shape[0]} but mu has "
                         f"{tuple(mu.shape)[:-1]}; expected mu, logvar (B, D) with B = "
                         f"{x.shape[0]}")
    recon, kl = recon.mean(), kl.mean()                             # (), ()
    return recon + beta * kl, recon, kl
