"""Exercises on DDPM's mathematics: the forward process in one jump (``q_sample``) and one
step of the reverse process (``p_sample_step``) (topic series "generative"; lesson
``ddpm-forward-process``).

PyTorch has no built-in for either, so the checkers compare with the equations computed
here independently — alpha_bar_t as an explicit product of the (1 - beta_s), the mean in
its eps form — in float64, values and gradients, and assert the invariants: q_sample at
t = 0 barely moves x0 and its marginal matches T small steps by Monte Carlo; one reverse
step with the true noise lands on the posterior mean mu_tilde(x_t, x0) written from x0.

The learner's code receives a :class:`dlfs.generative.diffusion.NoiseSchedule` and may
read its tables (``betas``, ``alphas``, ``alpha_bar``, ``alpha_bar_prev``,
``posterior_variance``).
"""

from __future__ import annotations

import math

import torch

from ...generative.diffusion import NoiseSchedule
from ..cases import Case, fn_case, randn, watched
from ..schema import Exercise

_SCHEDULES = {"linear T=50": NoiseSchedule.linear(50), "cosine T=30": NoiseSchedule.cosine(30)}
_IMPORTS = ("from dlfs.generative.diffusion import NoiseSchedule",)
_ALLOWED = ("dlfs.generative.diffusion:NoiseSchedule",)


def _alpha_bar(schedule: NoiseSchedule, t: torch.Tensor) -> torch.Tensor:
    """alpha_bar at steps t (B,), as the explicit product prod_{s <= t} (1 - beta_s)."""
    betas = schedule.betas.tolist()
    return torch.tensor([math.prod(1 - b for b in betas[:k + 1]) for k in t.tolist()],
                        dtype=torch.float64)


def _alpha_bar_prev(schedule: NoiseSchedule, t: torch.Tensor) -> torch.Tensor:
    """alpha_bar_{t-1} at steps t (B,), with alpha_bar_{-1} = 1."""
    return torch.tensor([1.0 if k == 0 else _alpha_bar(schedule, torch.tensor([k - 1])).item()
                         for k in t.tolist()], dtype=torch.float64)


def _col(v: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return v.to(like.dtype).reshape(-1, *([1] * (like.dim() - 1)))      # (B, 1, ..., 1)


def _direct_q_sample(x0, t, noise, schedule):
    """The reference: x_t = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise."""
    a = _col(_alpha_bar(schedule, t), x0)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def _direct_p_sample_step(x_t, t, eps, schedule, *, noise):
    """The reference, in the eps form:
    mu = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_t),
    x_{t-1} = mu + sqrt(beta_tilde_t) noise, beta_tilde_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t.
    """
    beta = _col(schedule.betas[t], x_t)
    a = _col(_alpha_bar(schedule, t), x_t)
    a_prev = _col(_alpha_bar_prev(schedule, t), x_t)
    mu = (x_t - beta / (1 - a).sqrt() * eps) / (1 - beta).sqrt()
    return mu + ((1 - a_prev) / (1 - a) * beta).sqrt() * noise


def _steps(schedule: NoiseSchedule, b: int, seed: int) -> torch.Tensor:
    """b steps in [0, T), always including 0 and T - 1 (the ends catch off-by-one bugs)."""
    t = torch.randint(0, schedule.T, (b,), generator=torch.Generator().manual_seed(seed))
    t[0], t[-1] = 0, schedule.T - 1
    return t


def _check_tensor(out, shape, what: str) -> None:
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != tuple(shape):
        got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise AssertionError(f"{what}: expected a tensor of shape {tuple(shape)}, got {got}")


# ---- q_sample --------------------------------------------------------------------------------


def q_sample_cases(impl):
    shapes = [(2, 1, 2, 2), (3, 1, 8, 8), (5, 2, 3, 4)]
    for i, shape in enumerate(shapes):
        for name, schedule in _SCHEDULES.items():
            x0, noise = randn(*shape, seed=10 + i), randn(*shape, seed=20 + i)
            t = _steps(schedule, shape[0], seed=30 + i)
            yield fn_case(f"x0, noise {shape} float64, t {t.tolist()}, {name}", impl,
                          _direct_q_sample, x0, t, noise, schedule)
    f = watched(impl)

    def first_step_and_marginal() -> None:
        schedule = NoiseSchedule.linear(1000)
        x0 = torch.full((1, 1, 1, 1), 0.5, dtype=torch.float64)
        z = torch.ones_like(x0)
        out = f(x0, torch.tensor([0]), z, schedule)
        _check_tensor(out, x0.shape, "t = 0")
        want = math.sqrt(1 - 1e-4) * 0.5 + 0.01
        if abs(out.item() - want) > 1e-9:
            raise AssertionError(f"t = 0 (linear, beta_0 = 1e-4), x0 = 0.5, noise = 1: x_0 "
                                 f"should be sqrt(1 - 1e-4) * 0.5 + sqrt(1e-4) = {want:.6f}, "
                                 f"got {out.item():.6f}")
        # T small steps x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps, by Monte Carlo
        gen, n, step = torch.Generator().manual_seed(0), 20000, 199
        x = torch.full((n,), 0.5, dtype=torch.float64)
        for s in range(step + 1):
            x = schedule.alphas[s].sqrt() * x + schedule.betas[s].sqrt() * torch.randn(
                n, generator=gen, dtype=torch.float64)
        jump = f(torch.full((n, 1, 1, 1), 0.5, dtype=torch.float64),
                 torch.full((n,), step), torch.randn(n, 1, 1, 1, generator=gen,
                                                     dtype=torch.float64), schedule)
        _check_tensor(jump, (n, 1, 1, 1), f"{n} copies at t = {step}")
        for what, a, b, tol in (("mean", jump.mean(), x.mean(), 0.03),
                                ("variance", jump.var(), x.var(), 0.04)):
            if abs(a.item() - b.item()) > tol:
                raise AssertionError(f"t = {step}: the {what} of your x_t over {n} draws is "
                                     f"{a.item():.4f}, that of {step + 1} small steps "
                                     f"{b.item():.4f}")

    yield Case("x0 = 0.5: t = 0 barely moves it; at t = 199 one jump matches 200 small "
               "steps (mean, variance over 20000 draws)", first_step_and_marginal)


def _q_alpha_not_bar(x0, t, noise, schedule):
    """Planted bug: alpha_t (one step) instead of alpha_bar_t (all steps so far)."""
    a = _col(schedule.alphas[t], x0)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def _q_no_sqrt(x0, t, noise, schedule):
    """Planted bug: the coefficients without their square roots (variances, not scales)."""
    a = _col(schedule.alpha_bar[t], x0)
    return a * x0 + (1 - a) * noise


def _q_off_by_one(x0, t, noise, schedule):
    """Planted bug: alpha_bar_{t-1} (1-indexed steps read with a 0-indexed table)."""
    a = _col(schedule.alpha_bar[t - 1], x0)
    return a.sqrt() * x0 + (1 - a).sqrt() * noise


def _q_minus_noise(x0, t, noise, schedule):
    """Planted bug: the noise subtracted."""
    a = _col(schedule.alpha_bar[t], x0)
    return a.sqrt() * x0 - (1 - a).sqrt() * noise


# ---- p_sample_step ------------------------------------------------------------------------------


def p_sample_step_cases(impl):
    shapes = [(2, 1, 2, 2), (3, 1, 8, 8), (5, 2, 3, 4)]
    for i, shape in enumerate(shapes):
        for name, schedule in _SCHEDULES.items():
            x_t, eps, z = (randn(*shape, seed=40 + i), randn(*shape, seed=50 + i),
                           randn(*shape, seed=60 + i))
            t = _steps(schedule, shape[0], seed=70 + i)
            yield fn_case(f"x_t, eps, noise {shape} float64, t {t.tolist()}, {name}", impl,
                          _direct_p_sample_step, x_t, t, eps, schedule, kwargs={"noise": z})
    f = watched(impl)

    def true_noise_gives_the_posterior_mean() -> None:
        schedule = NoiseSchedule.cosine(30)
        x0, eps = randn(4, 1, 3, 3, seed=80), randn(4, 1, 3, 3, seed=81)
        t = torch.tensor([0, 1, 14, 29])
        a = _col(_alpha_bar(schedule, t), x0)
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * eps
        out = f(x_t, t, eps, schedule, noise=torch.zeros_like(x0))
        _check_tensor(out, x0.shape, "x_{t-1}")
        beta = _col(schedule.betas[t], x0)
        a_prev = _col(_alpha_bar_prev(schedule, t), x0)
        mu_tilde = (a_prev.sqrt() * beta / (1 - a) * x0
                    + (1 - beta).sqrt() * (1 - a_prev) / (1 - a) * x_t)
        off = (out - mu_tilde).abs().flatten(1).max(1).values
        if bool((off > 1e-9).any()):
            k = int(off.argmax())
            raise AssertionError(f"with the true noise and noise = 0, x_{{t-1}} must be the "
                                 f"posterior mean mu_tilde(x_t, x0); at t = {t[k].item()} it "
                                 f"is off by {off[k].item():.3g}")
        if not torch.allclose(out[0], x0[0], atol=1e-9):
            raise AssertionError("at t = 0 one step back must return x0 itself")
        again = f(x_t, t, eps, schedule, noise=torch.ones_like(x0))
        if not torch.allclose(again[0], out[0], atol=1e-12):
            raise AssertionError("at t = 0 the posterior variance is 0: no noise may be added")

    yield Case("the true noise, noise = 0: lands on mu_tilde(x_t, x0) for t = 0, 1, 14, 29; "
               "t = 0 returns x0", true_noise_gives_the_posterior_mean)


def _p_alpha_bar_in_scale(x_t, t, eps, schedule, *, noise):
    """Planted bug: divides by sqrt(alpha_bar_t) instead of sqrt(alpha_t)."""
    beta, a = _col(schedule.betas[t], x_t), _col(schedule.alpha_bar[t], x_t)
    mu = (x_t - beta / (1 - a).sqrt() * eps) / a.sqrt()
    return mu + _col(schedule.posterior_variance[t], x_t).sqrt() * noise


def _p_no_sqrt(x_t, t, eps, schedule, *, noise):
    """Planted bug: beta_t / (1 - alpha_bar_t), the square root forgotten."""
    beta, a = _col(schedule.betas[t], x_t), _col(schedule.alpha_bar[t], x_t)
    mu = (x_t - beta / (1 - a) * eps) / (1 - beta).sqrt()
    return mu + _col(schedule.posterior_variance[t], x_t).sqrt() * noise


def _p_variance_as_scale(x_t, t, eps, schedule, *, noise):
    """Planted bug: the noise scaled by the variance beta_tilde_t, not its square root."""
    beta, a = _col(schedule.betas[t], x_t), _col(schedule.alpha_bar[t], x_t)
    mu = (x_t - beta / (1 - a).sqrt() * eps) / (1 - beta).sqrt()
    return mu + _col(schedule.posterior_variance[t], x_t) * noise


def _p_plus_eps(x_t, t, eps, schedule, *, noise):
    """Planted bug: the predicted noise added instead of removed."""
    beta, a = _col(schedule.betas[t], x_t), _col(schedule.alpha_bar[t], x_t)
    mu = (x_t + beta / (1 - a).sqrt() * eps) / (1 - beta).sqrt()
    return mu + _col(schedule.posterior_variance[t], x_t).sqrt() * noise


def _p_prev_alpha_bar(x_t, t, eps, schedule, *, noise):
    """Planted bug: alpha_bar_{t-1} where alpha_bar_t belongs (off by one step)."""
    beta, a = _col(schedule.betas[t], x_t), _col(schedule.alpha_bar_prev[t], x_t)
    mu = (x_t - beta / (1 - a).sqrt() * eps) / (1 - beta).sqrt()
    return mu + _col(schedule.posterior_variance[t], x_t).sqrt() * noise


EXERCISES = [
    Exercise(
        id="ddpm_q_sample", entry="q_sample", lesson="ddpm-forward-process",
        at=("topics:generative",),
        title=("The forward process in one jump: q_sample", "一跳到位的前向过程：q_sample"),
        task=("Write q_sample(x0, t, noise, schedule): the noisy image x_t that the forward "
              "process reaches after steps 0..t, in one jump. x0 and noise have shape "
              "(B, C, H, W) (any shape with the batch first); t (B,) int64 holds one step per "
              "image, 0-indexed in [0, T); schedule.alpha_bar is the float64 table (T,) of "
              "alpha_bar_t = prod_{s <= t} (1 - beta_s). Return x_t = sqrt(alpha_bar_t) * x0 "
              "+ sqrt(1 - alpha_bar_t) * noise, each image with its own alpha_bar_t, in the "
              "dtype of x0.",
              "实现 q_sample(x0, t, noise, schedule)：前向过程走完第 0..t 步后得到的带噪图像 "
              "x_t，一步算出。x0 和 noise 的形状为 (B, C, H, W)（批量维在最前的任意形状均可）；"
              "t 是形状为 (B,) 的 int64 张量，每张图一个步数，从 0 开始计，取值在 [0, T)；"
              "schedule.alpha_bar 是 float64 的表 (T,)，alpha_bar_t = prod_{s <= t} (1 - beta_s)。"
              "返回 x_t = sqrt(alpha_bar_t) * x0 + sqrt(1 - alpha_bar_t) * noise，每张图用它自己"
              "的 alpha_bar_t，结果的 dtype 与 x0 相同。"),
        stub='''
            def q_sample(x0: Tensor, t: Tensor, noise: Tensor, schedule: NoiseSchedule) -> Tensor:
                """x0, noise (B, C, H, W); t (B,) int64; schedule.alpha_bar (T,) float64
                -> x_t (B, C, H, W) = sqrt(alpha_bar_t) x0 + sqrt(1 - alpha_bar_t) noise"""
        ''',
        reference="dlfs.generative.diffusion:q_sample",
        cases=q_sample_cases,
        mutants={"alpha_t instead of alpha_bar_t": _q_alpha_not_bar,
                 "missing sqrt": _q_no_sqrt,
                 "off-by-one t": _q_off_by_one,
                 "noise subtracted": _q_minus_noise},
        hints=(("Read alpha_bar_t for each image with schedule.alpha_bar[t] (shape (B,)), then "
                "reshape it to (B, 1, 1, 1) so that it broadcasts over the pixels.",
                "用 schedule.alpha_bar[t] 取出每张图的 alpha_bar_t（形状 (B,)），再把它变形为 "
                "(B, 1, 1, 1)，这样它才能在像素上广播。"),
               ("alpha_bar is the product of all the alphas so far, not alpha_t of one step; "
                "and the coefficients are square roots: the variances sqrt(a)^2 + "
                "sqrt(1 - a)^2 add up to 1.",
                "alpha_bar 是到目前为止所有 alpha 的乘积，不是单步的 alpha_t；系数要开平方："
                "方差 sqrt(a)^2 + sqrt(1 - a)^2 加起来正好是 1。")),
        imports=_IMPORTS, allowed=_ALLOWED,
    ),
    Exercise(
        id="ddpm_p_sample_step", entry="p_sample_step", lesson="ddpm-forward-process",
        at=("topics:generative",),
        title=("One reverse step of DDPM", "DDPM 的一步反向过程"),
        task=("Write p_sample_step(x_t, t, eps, schedule, *, noise): one step back, x_t -> "
              "x_{t-1}, given the predicted noise eps. Shapes: x_t, eps, noise (B, C, H, W); "
              "t (B,) int64 in [0, T). With beta_t = schedule.betas[t], alpha_t = 1 - beta_t "
              "and alpha_bar_t = schedule.alpha_bar[t]: mu = (x_t - beta_t / sqrt(1 - "
              "alpha_bar_t) * eps) / sqrt(alpha_t), and x_{t-1} = mu + sigma_t * noise with "
              "sigma_t^2 = beta_tilde_t = (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * beta_t "
              "(alpha_bar_{-1} = 1, so at t = 0 no noise is added). "
              "(schedule.posterior_variance holds beta_tilde.)",
              "实现 p_sample_step(x_t, t, eps, schedule, *, noise)：给定预测的噪声 eps，反向走"
              "一步，x_t -> x_{t-1}。形状：x_t、eps、noise 为 (B, C, H, W)；t 为 (B,) 的 int64，"
              "取值在 [0, T)。记 beta_t = schedule.betas[t]，alpha_t = 1 - beta_t，alpha_bar_t = "
              "schedule.alpha_bar[t]：mu = (x_t - beta_t / sqrt(1 - alpha_bar_t) * eps) / "
              "sqrt(alpha_t)，x_{t-1} = mu + sigma_t * noise，其中 sigma_t^2 = beta_tilde_t = "
              "(1 - alpha_bar_{t-1}) / (1 - alpha_bar_t) * beta_t（约定 alpha_bar_{-1} = 1，"
              "所以 t = 0 时不加噪声）。（schedule.posterior_variance 里存的就是 beta_tilde。）"),
        stub='''
            def p_sample_step(x_t: Tensor, t: Tensor, eps: Tensor, schedule: NoiseSchedule, *,
                              noise: Tensor) -> Tensor:
                """x_t, eps, noise (B, C, H, W); t (B,) int64 -> x_{t-1} (B, C, H, W)
                = (x_t - beta_t / sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_t)
                  + sqrt(beta_tilde_t) noise"""
        ''',
        reference="dlfs.generative.diffusion:p_sample_step",
        cases=p_sample_step_cases,
        mutants={"1/sqrt(alpha_bar_t) instead of 1/sqrt(alpha_t)": _p_alpha_bar_in_scale,
                 "missing sqrt of 1 - alpha_bar_t": _p_no_sqrt,
                 "noise scaled by the variance": _p_variance_as_scale,
                 "eps added (wrong sign)": _p_plus_eps,
                 "alpha_bar_{t-1} for alpha_bar_t": _p_prev_alpha_bar},
        hints=(("Gather each table at t and reshape to (B, 1, 1, 1): beta = "
                "schedule.betas[t], alpha_bar = schedule.alpha_bar[t], and the variance "
                "schedule.posterior_variance[t] (0 at t = 0).",
                "在 t 处取出每张表并变形为 (B, 1, 1, 1)：beta = schedule.betas[t]，alpha_bar = "
                "schedule.alpha_bar[t]，方差 schedule.posterior_variance[t]（t = 0 时为 0）。"),
               ("The step removes the scaled noise, then undoes the one-step shrinking: divide "
                "by sqrt(alpha_t) = sqrt(1 - beta_t), the factor of this step only. The noise "
                "gets the standard deviation, the square root of beta_tilde.",
                "这一步先减去缩放后的噪声，再撤销这一步的收缩：除以 sqrt(alpha_t) = "
                "sqrt(1 - beta_t)，只是这一步的系数。噪声乘的是标准差，即 beta_tilde 的平方根。")),
        imports=_IMPORTS, allowed=_ALLOWED,
    ),
]
