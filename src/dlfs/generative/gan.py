"""The GAN objectives, as plain functions of the networks' outputs.

A generator G maps noise z ~ N(0, I) to a sample x_fake = G(z); a discriminator outputs a
*logit* d = D(x) per sample, with D(x) = sigmoid(d) the probability that x is real. The
original two-player game (Goodfellow et al., 2014) is

    min_G max_D  V(D, G) = E_x[log D(x)] + E_z[log(1 - D(G(z)))]

- :func:`discriminator_loss`: D ascends V, i.e. descends
  ``L_D = -mean(log D(x_real)) - mean(log(1 - D(x_fake)))`` (binary cross-entropy with
  targets 1 for real, 0 for fake).
- :func:`saturating_generator_loss`: G descends V itself, ``L_G = mean(log(1 - D(G(z))))``.
  When D confidently rejects the fakes (D(G(z)) -> 0) this is flat: the gradient vanishes.
- :func:`nonsaturating_generator_loss`: G descends ``L_G = -mean(log D(G(z)))`` instead:
  the same fixed point, a strong gradient exactly where the saturating one has none.

Wasserstein GAN (Arjovsky et al., 2017) replaces the probability by a *critic* score
c = f(x) (no sigmoid), and the game by the Kantorovich-Rubinstein dual of the
1-Wasserstein distance, max over 1-Lipschitz f of E[f(x_real)] - E[f(x_fake)]:

- :func:`wgan_critic_loss`: ``L_C = mean(f(x_fake)) - mean(f(x_real))``;
- :func:`wgan_generator_loss`: ``L_G = -mean(f(G(z)))``;
- :func:`gradient_penalty` (WGAN-GP, Gulrajani et al., 2017) keeps f near 1-Lipschitz by
  penalising the gradient norm on random points between real and fake samples:
  ``GP = mean((||grad_x_hat f(x_hat)||_2 - 1)^2)``, ``x_hat = eps x_real + (1 - eps) x_fake``,
  one ``eps ~ U[0, 1]`` per sample. The critic minimises ``L_C + lambda * GP``.

For the 2-D experiments (mode collapse): :func:`ring_mixture` samples the classic ring of
Gaussians, :func:`mode_coverage` counts how many of its modes a generator's samples reach.

Every loss takes the logits/scores as ``(B,)`` or ``(B, 1)`` and returns a scalar mean.
log D = log sigmoid(d) is computed from ``exp(-|d|) <= 1``, finite for any d
(``dlfs.nn.functional.logsigmoid``),
and log(1 - D) = log sigmoid(-d) (because 1 - sigmoid(d) = sigmoid(-d)).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from ..nn.functional import logsigmoid as log_sigmoid

__all__ = ["ModeCoverage", "discriminator_loss", "gradient_penalty", "interpolate",
           "log_sigmoid", "mode_coverage", "nonsaturating_generator_loss", "ring_centers",
           "ring_mixture", "saturating_generator_loss", "wgan_critic_loss",
           "wgan_generator_loss"]


def _scores(name: str, d: Tensor) -> Tensor:
    """A batch of logits/scores ``(B,)`` or ``(B, 1)`` as ``(B,)``; anything else is refused."""
    if not isinstance(d, Tensor):
        raise TypeError(f"{name} must be a tensor of logits, got {type(d).__name__}")
    if not d.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {d.dtype}")
    if d.dim() == 2 and d.shape[1] == 1:
        d = d[:, 0]
    if d.dim() != 1 or d.shape[0] == 0:
        raise ValueError(f"{name} must hold one logit/score per sample, shape (B,) or (B, 1) "
                         f"with B >= 1, got {tuple(d.shape)}")
    return d


def _same_batch(name_a: str, a: Tensor, name_b: str, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} {tuple(a.shape)} and {name_b} {tuple(b.shape)} must have "
                         "the same shape (one real and one fake batch of the same size)")


def discriminator_loss(d_real: Tensor, d_fake: Tensor) -> Tensor:
    """L_D = -mean(log D(x_real)) - mean(log(1 - D(x_fake))), D = sigmoid of the logits.

    d_real, d_fake: discriminator logits ``(B,)`` or ``(B, 1)`` on a real and a fake batch of
    the same size. Equals ``BCE_with_logits(d_real, 1) + BCE_with_logits(d_fake, 0)``.

    >>> discriminator_loss(torch.zeros(4), torch.zeros(4))   # D undecided: 2 log 2
    tensor(1.3863)
    """
    d_real, d_fake = _scores("d_real", d_real), _scores("d_fake", d_fake)
    _same_batch("d_real", d_real, "d_fake", d_fake)
    log_D_real = log_sigmoid(d_real)                 # log D(x_real)          (B,)
    log_1m_D_fake = log_sigmoid(-d_fake)             # log(1 - D(x_fake))     (B,)
    return -log_D_real.mean() - log_1m_D_fake.mean()


def saturating_generator_loss(d_fake: Tensor) -> Tensor:
    """The minimax generator loss L_G = mean(log(1 - D(G(z)))), to be minimised.

    d_fake: discriminator logits on generated samples ``(B,)`` or ``(B, 1)``. Its gradient
    with respect to a logit d is -sigmoid(d) / B: it vanishes as D(G(z)) -> 0, i.e. exactly
    when the discriminator confidently rejects the fakes (early in training).
    """
    d_fake = _scores("d_fake", d_fake)
    return log_sigmoid(-d_fake).mean()               # mean log(1 - D(G(z)))


def nonsaturating_generator_loss(d_fake: Tensor) -> Tensor:
    """The non-saturating generator loss L_G = -mean(log D(G(z))), to be minimised.

    d_fake: discriminator logits on generated samples ``(B,)`` or ``(B, 1)``. Its gradient
    with respect to a logit d is -(1 - sigmoid(d)) / B: largest when D rejects the fakes.
    Equals ``BCE_with_logits(d_fake, 1)`` (the fakes labelled "real").
    """
    d_fake = _scores("d_fake", d_fake)
    return -log_sigmoid(d_fake).mean()               # -mean log D(G(z))


def wgan_critic_loss(c_real: Tensor, c_fake: Tensor) -> Tensor:
    """L_C = mean(f(x_fake)) - mean(f(x_real)): the critic maximises the gap of its scores.

    c_real, c_fake: critic scores ``(B,)`` or ``(B, 1)`` (no sigmoid), batches of one size.
    -L_C estimates the 1-Wasserstein distance when f is 1-Lipschitz (add the penalty).
    """
    c_real, c_fake = _scores("c_real", c_real), _scores("c_fake", c_fake)
    _same_batch("c_real", c_real, "c_fake", c_fake)
    return c_fake.mean() - c_real.mean()


def wgan_generator_loss(c_fake: Tensor) -> Tensor:
    """L_G = -mean(f(G(z))): the generator raises the critic's score of its samples.

    c_fake: critic scores on generated samples ``(B,)`` or ``(B, 1)``.
    """
    return -_scores("c_fake", c_fake).mean()


def interpolate(x_real: Tensor, x_fake: Tensor, eps: Tensor | None = None,
                generator: torch.Generator | None = None) -> Tensor:
    """x_hat = eps x_real + (1 - eps) x_fake, one eps ~ U[0, 1] per sample.

    x_real, x_fake: ``(B, *)`` of one shape; eps: ``(B,)`` (drawn when None, from
    ``generator`` if given). Returns x_hat ``(B, *)``.
    """
    for name, x in (("x_real", x_real), ("x_fake", x_fake)):
        if not isinstance(x, Tensor) or not x.is_floating_point() or x.dim() < 2:
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{name} must be a floating-point batch (B, *features), got {got}")
    _same_batch("x_real", x_real, "x_fake", x_fake)
    B = x_real.shape[0]
    if eps is None:
        eps = torch.rand(B, generator=generator, dtype=x_real.dtype, device=x_real.device)
    if eps.shape != (B,):
        raise ValueError(f"eps must hold one mixing weight per sample, shape ({B},), got "
                         f"{tuple(eps.shape)}")
    eps = eps.reshape(B, *[1] * (x_real.dim() - 1))   # (B, 1, ..., 1): same eps per sample
    return eps * x_real + (1 - eps) * x_fake           # (B, *)


def gradient_penalty(critic: Callable[[Tensor], Tensor], x_real: Tensor, x_fake: Tensor,
                     eps: Tensor | None = None, *, return_norm: bool = False
                     ) -> Tensor | tuple[Tensor, Tensor]:
    """GP = mean_b (||grad_x_hat f(x_hat_b)||_2 - 1)^2 with x_hat = eps x_real + (1 - eps) x_fake.

    critic: f, ``(B, *) -> (B,)`` or ``(B, 1)``; x_real, x_fake: ``(B, *)`` (x_fake is
    detached: the penalty trains the critic only); eps: ``(B,)`` in [0, 1], drawn when None.
    The gradient is taken with ``create_graph=True``, so the penalty is itself differentiable
    with respect to the critic's parameters (a double backward) and can be trained.
    Returns the scalar penalty, and with ``return_norm`` also the norms ``(B,)`` (detached).

    >>> w = torch.tensor([0.6, 0.8])                     # a linear critic with ||w|| = 1
    >>> gradient_penalty(lambda x: x @ w, torch.randn(5, 2), torch.randn(5, 2))
    tensor(0.)
    """
    x_hat = interpolate(x_real.detach(), x_fake.detach(), eps)
    x_hat.requires_grad_(True)
    with torch.enable_grad():                      # the penalty needs a gradient, always
        c_hat = _scores("critic(x_hat)", critic(x_hat))                   # (B,)
        if c_hat.shape[0] != x_hat.shape[0]:
            raise ValueError(f"critic must return one score per sample: {x_hat.shape[0]} "
                             f"inputs gave {c_hat.shape[0]} scores")
        # Each score depends only on its own sample, so the gradient of the sum holds every
        # per-sample gradient grad_x_hat f(x_hat_b) in row b.
        (grad,) = torch.autograd.grad(c_hat.sum(), x_hat, create_graph=True)  # (B, *)
        grad_norm = grad.flatten(1).norm(2, dim=1)                        # (B,)
    penalty = ((grad_norm - 1) ** 2).mean()
    return (penalty, grad_norm.detach()) if return_norm else penalty


# ---- a 2-D toy: the ring of Gaussians, and how many of its modes a generator covers ----------

def ring_centers(modes: int = 8, radius: float = 2.0) -> Tensor:
    """The ``modes`` centres ``(modes, 2)`` evenly spaced on a circle of ``radius``."""
    if modes < 1 or radius <= 0:
        raise ValueError(f"ring_centers: need modes >= 1 and radius > 0, got {modes}, {radius}")
    angle = torch.arange(modes, dtype=torch.float32) * (2 * math.pi / modes)   # (modes,)
    return radius * torch.stack([angle.cos(), angle.sin()], dim=1)              # (modes, 2)


def ring_mixture(n: int, *, modes: int = 8, radius: float = 2.0, std: float = 0.05,
                 generator: torch.Generator | None = None) -> Tensor:
    """``n`` points ``(n, 2)`` from an equal mixture of ``modes`` Gaussians N(mu_k, std^2 I),
    mu_k on a circle (:func:`ring_centers`)."""
    if n < 1 or std <= 0:
        raise ValueError(f"ring_mixture: need n >= 1 and std > 0, got {n}, {std}")
    k = torch.randint(0, modes, (n,), generator=generator)                     # (n,)
    noise = torch.randn(n, 2, generator=generator)                              # (n, 2)
    return ring_centers(modes, radius)[k] + std * noise


@dataclass(frozen=True)
class ModeCoverage:
    """What :func:`mode_coverage` found."""

    covered: int             # modes holding at least `min_count` samples
    counts: list[int]        # samples near each mode (within `within` of its centre)
    quality: float           # fraction of all samples near some mode


def mode_coverage(points: Tensor, centers: Tensor, *, within: float,
                  min_count: int) -> ModeCoverage:
    """Assign each point ``(N, 2)`` to its nearest centre ``(K, 2)`` if it lies within
    ``within`` of it (e.g. 3 standard deviations); a mode is covered when at least
    ``min_count`` points are near it.

    >>> c = ring_centers(4)
    >>> mode_coverage(c[[0, 0, 1]] + 0.01, c, within=0.1, min_count=2)
    ModeCoverage(covered=1, counts=[2, 1, 0, 0], quality=1.0)
    """
    if points.dim() != 2 or centers.dim() != 2 or points.shape[1] != centers.shape[1]:
        raise ValueError(f"mode_coverage: points (N, D) and centers (K, D) needed, got "
                         f"{tuple(points.shape)} and {tuple(centers.shape)}")
    dist = torch.cdist(points.float(), centers.float())                        # (N, K)
    nearest, k = dist.min(dim=1)                                                # (N,), (N,)
    near = nearest <= within
    counts = torch.bincount(k[near], minlength=centers.shape[0])               # (K,)
    return ModeCoverage(int((counts >= min_count).sum()), counts.tolist(),
                        float(near.float().mean()))
