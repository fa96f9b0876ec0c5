"""Denoising diffusion (DDPM), DDIM sampling and classifier-free guidance, as plain functions.

Steps are 0-indexed, t = 0 .. T-1 (step t of the code is step t+1 of the DDPM paper):

    beta_t        the variance of the noise added at step t (the schedule: linear or cosine)
    alpha_t       = 1 - beta_t
    alpha_bar_t   = prod_{s <= t} alpha_s                      (alpha_bar_{-1} = 1)

The forward process q corrupts a clean image x0 in closed form (:func:`q_sample`)::

    x_t = sqrt(alpha_bar_t) * x0 + sqrt(1 - alpha_bar_t) * eps,    eps ~ N(0, I)

A network eps_theta(x_t, t) learns to predict eps with the plain MSE (:func:`l_simple`)::

    L_simple = E_{x0, t, eps} || eps - eps_theta(x_t, t) ||^2

The reverse process steps back with the Gaussian posterior q(x_{t-1} | x_t, x0)::

    mu_tilde(x_t, x0) = sqrt(alpha_bar_{t-1}) beta_t / (1 - alpha_bar_t) * x0
                        + sqrt(alpha_t) (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * x_t
    beta_tilde_t      = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * beta_t

with x0 estimated from the predicted noise, x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) /
sqrt(alpha_bar_t); then mu = 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) and
x_{t-1} = mu + sqrt(beta_tilde_t) z (:func:`p_sample_step`; T such steps:
:func:`ancestral_sample`). DDIM (:func:`ddim_sample`) jumps along a subsequence
tau_1 < ... < tau_S of the steps with the same network::

    x_prev = sqrt(alpha_bar_prev) x0_hat + sqrt(1 - alpha_bar_prev - sigma^2) eps + sigma z
    sigma  = eta * sqrt((1 - alpha_bar_prev) / (1 - alpha_bar_t)) * sqrt(1 - alpha_bar_t /
             alpha_bar_prev)

(eta = 0: deterministic; eta = 1 on all T steps: exactly the ancestral sampler.)
Classifier-free guidance (:func:`guided_eps`) trains one network with and without the class
(labels replaced by a null class with probability p_uncond, :func:`drop_labels`) and mixes::

    eps_guided = (1 + w) * eps_theta(x_t, t, c) - w * eps_theta(x_t, t, null)

Samplers take an ``eps_fn(x_t, t) -> eps_hat``, (B, C, H, W), (B,) -> (B, C, H, W), so one
sampler serves any network; :func:`model_eps_fn` makes one from a U-Net, with guidance. The
sinusoidal time embedding lives with the network: :func:`dlfs.models.unet.timestep_embedding`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

__all__ = ["EpsFn", "NoiseSchedule", "ancestral_sample", "ddim_sample", "ddim_timesteps",
           "drop_labels", "guided_eps", "l_simple", "model_eps_fn", "noise_batch",
           "p_sample_step", "posterior_mean", "predict_x0", "q_sample"]

#: eps_fn(x_t (B, C, H, W), t (B,) int64) -> eps_hat (B, C, H, W)
EpsFn = Callable[[Tensor, Tensor], Tensor]

ScheduleKind = Literal["linear", "cosine"]


@dataclass(frozen=True, eq=False)
class NoiseSchedule:
    """The variances beta_t, t = 0 .. T-1, and every quantity derived from them.

    All tables are float64 tensors of shape (T,); :meth:`at` reads one at a batch of steps
    and shapes it to broadcast against images. Build one with :meth:`linear`,
    :meth:`cosine` or :meth:`make`.

    >>> s = NoiseSchedule.linear(1000)
    >>> round(s.alpha_bar[0].item(), 6), round(s.alpha_bar[-1].item(), 6)
    (0.9999, 4e-05)
    """

    kind: str
    betas: Tensor               # beta_t                                            (T,)

    def __post_init__(self) -> None:
        b = self.betas
        if b.dim() != 1 or len(b) < 1:
            raise ValueError(f"NoiseSchedule: betas must have shape (T,) with T >= 1, got "
                             f"{tuple(b.shape)}")
        if not bool(((b > 0) & (b < 1)).all()):
            raise ValueError("NoiseSchedule: every beta_t must lie in (0, 1), got values in "
                             f"[{b.min().item():g}, {b.max().item():g}]")

    # ---- construction --------------------------------------------------------------------

    @classmethod
    def linear(cls, T: int = 1000, beta_1: float | None = None,
               beta_T: float | None = None) -> NoiseSchedule:
        """beta_t rising linearly from beta_1 to beta_T. The defaults are the DDPM paper's
        1e-4 .. 0.02 for T = 1000, scaled by 1000 / T for other T (so that alpha_bar_{T-1}
        stays near 0 whatever T is)."""
        _check_T(T)
        scale = 1000 / T
        beta_1 = scale * 1e-4 if beta_1 is None else beta_1
        beta_T = min(scale * 0.02, 0.999) if beta_T is None else beta_T
        return cls("linear", torch.linspace(beta_1, beta_T, T, dtype=torch.float64))

    @classmethod
    def cosine(cls, T: int = 1000, s: float = 0.008, max_beta: float = 0.999
               ) -> NoiseSchedule:
        """alpha_bar follows a squared cosine (Nichol & Dhariwal 2021)::

            f(u) = cos^2((u + s) / (1 + s) * pi / 2),   alpha_bar_t = f((t + 1) / T) / f(0)
            beta_t = 1 - alpha_bar_t / alpha_bar_{t-1},  clipped at max_beta

        so the signal fades slowly at both ends instead of almost linearly in log-SNR."""
        _check_T(T)
        u = torch.arange(T + 1, dtype=torch.float64) / T                      # (T+1,)
        f = torch.cos((u + s) / (1 + s) * math.pi / 2) ** 2
        alpha_bar = f / f[0]                                                  # abar_{-1} = 1
        betas = (1 - alpha_bar[1:] / alpha_bar[:-1]).clamp(max=max_beta)      # (T,)
        return cls("cosine", betas)

    @classmethod
    def make(cls, kind: str, T: int) -> NoiseSchedule:
        """``make("linear" | "cosine", T)``."""
        if kind == "linear":
            return cls.linear(T)
        if kind == "cosine":
            return cls.cosine(T)
        raise ValueError(f"NoiseSchedule.make: kind must be 'linear' or 'cosine', got {kind!r}")

    # ---- the derived tables (T,) -----------------------------------------------------------

    @property
    def T(self) -> int:
        """Number of diffusion steps."""
        return len(self.betas)

    @property
    def alphas(self) -> Tensor:
        """alpha_t = 1 - beta_t."""
        return 1 - self.betas

    @property
    def alpha_bar(self) -> Tensor:
        """alpha_bar_t = prod_{s <= t} alpha_s (decreasing from alpha_0 to near 0)."""
        return torch.cumprod(self.alphas, dim=0)

    @property
    def alpha_bar_prev(self) -> Tensor:
        """alpha_bar_{t-1}, with alpha_bar_{-1} = 1 (no noise before the first step)."""
        return torch.cat([self.betas.new_ones(1), self.alpha_bar[:-1]])

    @property
    def posterior_variance(self) -> Tensor:
        """beta_tilde_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * beta_t (0 at t = 0)."""
        return (1 - self.alpha_bar_prev) / (1 - self.alpha_bar) * self.betas

    @property
    def snr(self) -> Tensor:
        """Signal-to-noise ratio of x_t: alpha_bar_t / (1 - alpha_bar_t) (falls with t)."""
        return self.alpha_bar / (1 - self.alpha_bar)

    # ---- reading the tables at a batch of steps -----------------------------------------------

    def check_t(self, t: Tensor, batch: int | None = None, name: str = "t") -> None:
        """Raise ValueError unless ``t`` is an int64 tensor (B,) of steps in [0, T)."""
        if not isinstance(t, Tensor) or t.dtype != torch.long or t.dim() != 1:
            shown = (f"{t.dtype} tensor of shape {tuple(t.shape)}" if isinstance(t, Tensor)
                     else type(t).__name__)
            raise ValueError(f"{name} must be an int64 tensor of shape (B,), got {shown}")
        if batch is not None and len(t) != batch:
            raise ValueError(f"{name} has {len(t)} steps for a batch of {batch} images; give "
                             "one step per image")
        if len(t) and (int(t.min()) < 0 or int(t.max()) >= self.T):
            raise ValueError(f"{name} must lie in [0, T-1] = [0, {self.T - 1}], got values "
                             f"{int(t.min())}..{int(t.max())}")

    def at(self, table: Tensor, t: Tensor, like: Tensor) -> Tensor:
        """``table[t]`` shaped (B, 1, ..., 1) to broadcast against ``like`` (B, ...), in its
        dtype."""
        return table[t].to(like.dtype).reshape(-1, *([1] * (like.dim() - 1)))

    def beta_t(self, t: Tensor) -> Tensor:
        """beta at steps t (B,) -> (B,) float64."""
        self.check_t(t)
        return self.betas[t]

    def alpha_t(self, t: Tensor) -> Tensor:
        """alpha at steps t (B,) -> (B,) float64."""
        self.check_t(t)
        return self.alphas[t]

    def alpha_bar_t(self, t: Tensor) -> Tensor:
        """alpha_bar at steps t (B,) -> (B,) float64."""
        self.check_t(t)
        return self.alpha_bar[t]

    def posterior_variance_t(self, t: Tensor) -> Tensor:
        """beta_tilde at steps t (B,) -> (B,) float64."""
        self.check_t(t)
        return self.posterior_variance[t]


def _check_T(T: int) -> None:
    if isinstance(T, bool) or not isinstance(T, int) or T < 1:
        raise ValueError(f"NoiseSchedule: T must be an int >= 1, got {T!r}")


def _check_same(a: Tensor, b: Tensor, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_b} must have the shape of {name_a} {tuple(a.shape)}, got "
                         f"{tuple(b.shape)}")


def _steps(t: Tensor | int, x: Tensor, schedule: NoiseSchedule) -> Tensor:
    """A step per image: an int becomes (B,) copies; a tensor is checked."""
    if isinstance(t, int) and not isinstance(t, bool):
        t = torch.full((len(x),), t, dtype=torch.long, device=x.device)
    schedule.check_t(t, len(x))
    return t


# ---- the forward process and the loss --------------------------------------------------------

def q_sample(x0: Tensor, t: Tensor | int, noise: Tensor, schedule: NoiseSchedule) -> Tensor:
    """Draw x_t ~ q(x_t | x0) in one step: x0 (B, ...), t (B,) or int, noise (B, ...)::

        x_t = sqrt(alpha_bar_t) * x0 + sqrt(1 - alpha_bar_t) * eps

    >>> s = NoiseSchedule.linear(1000)                # alpha_bar from 0.9999 down to 4e-05
    >>> q_sample(torch.ones(2, 1), torch.tensor([0, 999]), torch.zeros(2, 1), s).flatten()
    tensor([0.9999, 0.0064])
    """
    _check_same(x0, noise, "x0", "noise")
    t = _steps(t, x0, schedule)
    alpha_bar_t = schedule.at(schedule.alpha_bar, t, x0)                # (B, 1, ..., 1)
    return alpha_bar_t.sqrt() * x0 + (1 - alpha_bar_t).sqrt() * noise   # (B, ...)


def noise_batch(x0: Tensor, schedule: NoiseSchedule,
                generator: torch.Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """One training input: t ~ U{0, ..., T-1}, eps ~ N(0, I), x_t = q_sample(x0, t, eps).

    x0 (B, ...) -> (x_t (B, ...), t (B,) int64, eps (B, ...)).
    """
    t = torch.randint(0, schedule.T, (len(x0),), generator=generator, device=x0.device)
    eps = torch.randn(x0.shape, generator=generator, dtype=x0.dtype, device=x0.device)
    return q_sample(x0, t, eps, schedule), t, eps


def l_simple(eps_hat: Tensor, eps: Tensor) -> Tensor:
    """L_simple = mean over every element of (eps - eps_hat)^2: (B, ...), (B, ...) -> ().

    >>> l_simple(torch.zeros(2, 3), torch.ones(2, 3))
    tensor(1.)
    """
    _check_same(eps, eps_hat, "eps", "eps_hat")
    return ((eps - eps_hat) ** 2).mean()


def drop_labels(c: Tensor, p_uncond: float, null_class: int,
                generator: torch.Generator | None = None) -> Tensor:
    """Classifier-free guidance's training trick: each label (B,) is replaced by
    ``null_class`` with probability ``p_uncond``, so one network also learns eps(x_t, t, null).
    """
    if not 0 <= p_uncond <= 1:
        raise ValueError(f"drop_labels: p_uncond must be in [0, 1], got {p_uncond}")
    drop = torch.rand(c.shape, generator=generator, device=c.device) < p_uncond   # (B,)
    return torch.where(drop, torch.full_like(c, null_class), c)


# ---- the reverse process ----------------------------------------------------------------------

def predict_x0(x_t: Tensor, t: Tensor | int, eps: Tensor, schedule: NoiseSchedule) -> Tensor:
    """x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t): q_sample solved for x0.
    Shapes (B, ...), t (B,) or int."""
    _check_same(x_t, eps, "x_t", "eps")
    t = _steps(t, x_t, schedule)
    alpha_bar_t = schedule.at(schedule.alpha_bar, t, x_t)
    return (x_t - (1 - alpha_bar_t).sqrt() * eps) / alpha_bar_t.sqrt()


def posterior_mean(x_t: Tensor, x0: Tensor, t: Tensor | int, schedule: NoiseSchedule) -> Tensor:
    """mu_tilde(x_t, x0), the mean of q(x_{t-1} | x_t, x0); shapes (B, ...), t (B,) or int::

        mu_tilde = sqrt(alpha_bar_{t-1}) beta_t / (1 - alpha_bar_t) * x0
                   + sqrt(alpha_t) (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * x_t

    At t = 0 it is x0 (alpha_bar_{-1} = 1).
    """
    _check_same(x_t, x0, "x_t", "x0")
    t = _steps(t, x_t, schedule)
    beta_t = schedule.at(schedule.betas, t, x_t)                        # (B, 1, ..., 1)
    alpha_t = schedule.at(schedule.alphas, t, x_t)
    alpha_bar_t = schedule.at(schedule.alpha_bar, t, x_t)
    alpha_bar_prev = schedule.at(schedule.alpha_bar_prev, t, x_t)
    coef_x0 = alpha_bar_prev.sqrt() * beta_t / (1 - alpha_bar_t)
    coef_xt = alpha_t.sqrt() * (1 - alpha_bar_prev) / (1 - alpha_bar_t)
    return coef_x0 * x0 + coef_xt * x_t


def p_sample_step(x_t: Tensor, t: Tensor | int, eps: Tensor, schedule: NoiseSchedule, *,
                  noise: Tensor | None = None, clip_x0: float | None = None) -> Tensor:
    """One ancestral step x_t -> x_{t-1} given the predicted noise eps (B, ...)::

        x0_hat  = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t)   [clamped to +-clip_x0]
        mu      = mu_tilde(x_t, x0_hat)
                = 1/sqrt(alpha_t) (x_t - beta_t / sqrt(1 - alpha_bar_t) eps)   (unclamped)
        x_{t-1} = mu + sqrt(beta_tilde_t) * z,    z = noise (N(0, I) drawn if None)

    At t = 0, beta_tilde_0 = 0: the step returns the mean. ``clip_x0`` (e.g. 1.0 for images
    in [-1, 1]) clamps the estimate of x0 before the mean is formed, a standard guard
    against the network's early, wild estimates.
    """
    t = _steps(t, x_t, schedule)
    x0_hat = predict_x0(x_t, t, eps, schedule)
    if clip_x0 is not None:
        x0_hat = x0_hat.clamp(-clip_x0, clip_x0)
    mu = posterior_mean(x_t, x0_hat, t, schedule)
    if noise is None:
        noise = torch.randn_like(x_t)
    _check_same(x_t, noise, "x_t", "noise")
    sigma_t = schedule.at(schedule.posterior_variance, t, x_t).sqrt()   # 0 where t = 0
    return mu + sigma_t * noise


@torch.no_grad()
def ancestral_sample(eps_fn: EpsFn, shape: tuple[int, ...], schedule: NoiseSchedule, *,
                     generator: torch.Generator | None = None, x_T: Tensor | None = None,
                     clip_x0: float | None = 1.0) -> Tensor:
    """DDPM sampling: x_{T-1} ~ N(0, I), then T steps of :func:`p_sample_step` down to x0.

    ``shape`` (B, C, H, W); ``x_T`` replaces the first draw (and sets the dtype). Returns
    x0 (B, C, H, W).
    """
    x = _start(shape, generator, x_T)
    for step in reversed(range(schedule.T)):
        t = torch.full((shape[0],), step, dtype=torch.long)
        z = torch.randn(shape, generator=generator, dtype=x.dtype) if step > 0 else \
            torch.zeros_like(x)
        x = p_sample_step(x, t, eps_fn(x, t), schedule, noise=z, clip_x0=clip_x0)
    return x


def ddim_timesteps(T: int, steps: int) -> list[int]:
    """The DDIM subsequence tau: ``steps`` steps evenly spread over [0, T-1], from T-1 down
    to 0 (all T steps when steps == T).

    >>> ddim_timesteps(1000, 5)
    [999, 749, 500, 250, 0]
    """
    if not 1 <= steps <= T:
        raise ValueError(f"ddim_timesteps: steps must be in [1, T] = [1, {T}], got {steps}")
    if steps == 1:
        return [T - 1]
    return [round(i * (T - 1) / (steps - 1)) for i in reversed(range(steps))]


@torch.no_grad()
def ddim_sample(eps_fn: EpsFn, shape: tuple[int, ...], schedule: NoiseSchedule, steps: int,
                *, eta: float = 0.0, generator: torch.Generator | None = None,
                x_T: Tensor | None = None, clip_x0: float | None = 1.0) -> Tensor:
    """DDIM sampling along :func:`ddim_timesteps` (T, steps): per step t -> prev::

        x0_hat = (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t)   [clamped]
        x_prev = sqrt(alpha_bar_prev) x0_hat + sqrt(1 - alpha_bar_prev - sigma^2) eps_dir
                 + sigma z

    where eps_dir is the noise that the (clamped) x0_hat implies, so that eta=1 on all
    steps is exactly :func:`ancestral_sample`. eta=0 is deterministic given x_T. After the
    last step (t = 0) alpha_bar_prev = 1, so the result is x0_hat.
    """
    if eta < 0:
        raise ValueError(f"ddim_sample: eta must be >= 0, got {eta}")
    tau = ddim_timesteps(schedule.T, steps)
    x = _start(shape, generator, x_T)
    alpha_bar = schedule.alpha_bar
    for i, step in enumerate(tau):
        t = torch.full((shape[0],), step, dtype=torch.long)
        eps = eps_fn(x, t)
        a_t = alpha_bar[step].item()
        a_prev = alpha_bar[tau[i + 1]].item() if i + 1 < len(tau) else 1.0
        x0_hat = predict_x0(x, t, eps, schedule)
        if clip_x0 is not None:
            x0_hat = x0_hat.clamp(-clip_x0, clip_x0)
        eps_dir = (x - math.sqrt(a_t) * x0_hat) / math.sqrt(1 - a_t)   # eps again, if unclamped
        sigma = eta * math.sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev))
        z = torch.randn(shape, generator=generator, dtype=x.dtype) if sigma > 0 else \
            torch.zeros_like(x)
        x = (math.sqrt(a_prev) * x0_hat + math.sqrt(max(1 - a_prev - sigma ** 2, 0.0)) * eps_dir
             + sigma * z)
    return x


def _start(shape: tuple[int, ...], generator: torch.Generator | None,
           x_T: Tensor | None) -> Tensor:
    if x_T is not None:
        if tuple(x_T.shape) != tuple(shape):
            raise ValueError(f"x_T must have shape {tuple(shape)}, got {tuple(x_T.shape)}")
        return x_T.clone()
    return torch.randn(shape, generator=generator)


# ---- classifier-free guidance ------------------------------------------------------------------

def guided_eps(eps_cond: Tensor, eps_uncond: Tensor, w: float) -> Tensor:
    """eps_guided = (1 + w) * eps(x_t, t, c) - w * eps(x_t, t, null); w = 0 is the plain
    conditional model, larger w pushes further from the unconditional prediction."""
    _check_same(eps_cond, eps_uncond, "eps_cond", "eps_uncond")
    return (1 + w) * eps_cond - w * eps_uncond


def model_eps_fn(model: nn.Module, c: Tensor | None = None, w: float = 0.0) -> EpsFn:
    """An ``eps_fn`` for the samplers from a network ``model(x_t, t, c)``.

    c None: unconditional (the null class of a class-conditional model). With classes c (B,)
    and w != 0 the conditional and unconditional predictions come from one forward pass on
    the doubled batch and are mixed by :func:`guided_eps`.
    """
    if c is None:
        return lambda x, t: model(x, t)
    if w == 0:
        return lambda x, t: model(x, t, c)
    null = torch.full_like(c, model.null_class)

    def eps_fn(x: Tensor, t: Tensor) -> Tensor:
        both = model(torch.cat([x, x]), torch.cat([t, t]), torch.cat([c, null]))  # (2B, ...)
        eps_cond, eps_uncond = both.chunk(2)
        return guided_eps(eps_cond, eps_uncond, w)

    return eps_fn
