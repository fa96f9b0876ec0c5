"""Exercises on the VAE's mathematics: the reparameterisation trick and the Gaussian KL term
of the ELBO (topic series "generative"; lesson ``vae-elbo``).

Both checkers compare values and gradients in float64 with a direct PyTorch computation
(``torch.distributions`` for the KL). The reparameterisation checker also asserts the
property the trick exists for: averaged over many noise draws, the gradient that flows
through the samples equals the analytic gradient of the expectation.
"""

from __future__ import annotations

import torch
from torch.distributions import Normal, kl_divergence

from ..cases import Case, fn_case, randn, watched
from ..schema import Exercise

_SHAPES = [(1, 1), (4, 3), (2, 5, 3), (7, 16)]


def _torch_reparameterize(mu, logvar, eps):
    """The reference: z = mu + sigma * eps with sigma = exp(logvar / 2)."""
    q = Normal(mu, torch.exp(0.5 * logvar))
    return q.loc + q.scale * eps


def _torch_gaussian_kl(mu, logvar):
    """KL(N(mu, sigma^2) || N(0, 1)) by torch.distributions, summed over the last dim."""
    q = Normal(mu, torch.exp(0.5 * logvar))
    p = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return kl_divergence(q, p).sum(-1)


# ---- reparameterize ------------------------------------------------------------------------


def reparameterize_cases(impl):
    for i, shape in enumerate(_SHAPES):
        mu, logvar = randn(*shape, seed=10 + i), randn(*shape, seed=20 + i, scale=1.5)
        eps = randn(*shape, seed=30 + i)
        yield fn_case(f"mu, logvar, eps {shape} float64", impl, _torch_reparameterize,
                      mu, logvar, eps)
    f = watched(impl)

    def expectation_gradient() -> None:
        # E[z^2] = mu^2 + sigma^2, so d/dmu = 2 mu and d/dlogvar = sigma^2 = exp(logvar)
        n = 20000
        mu = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
        logvar = torch.tensor([0.0, -1.0, 0.7], dtype=torch.float64, requires_grad=True)
        eps = randn(n, 3, seed=7)
        z = f(mu.expand(n, 3), logvar.expand(n, 3), eps)                   # (n, 3)
        if not isinstance(z, torch.Tensor) or z.shape != (n, 3):
            got = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise AssertionError(f"expected z of shape ({n}, 3), got {got}")
        if not z.requires_grad:
            raise AssertionError("z carries no gradient: it must be a differentiable "
                                 "function of mu and logvar")
        (z ** 2).mean(0).sum().backward()
        for name, grad, want, spread in (
                ("mu", mu.grad, 2 * mu.detach(), 2 * z.detach()),
                ("logvar", logvar.grad, logvar.detach().exp(),
                 z.detach() * (0.5 * logvar.detach()).exp() * eps)):
            if grad is None:
                raise AssertionError(f"no gradient reached {name}")
            se = spread.std(0) / n ** 0.5                                   # (3,)
            off = (grad - want).abs()
            if bool((off > 5 * se + 1e-12).any()):
                raise AssertionError(
                    f"d E[z^2] / d {name}: the average over {n} samples is "
                    f"{[round(v, 4) for v in grad.tolist()]}, the analytic value "
                    f"{[round(v, 4) for v in want.tolist()]} (off by more than 5 standard "
                    f"errors {[round(v, 4) for v in (5 * se).tolist()]})")

    yield Case("gradient through 20000 samples of z vs the analytic d E[z^2] "
               "(mu, logvar (3,))", expectation_gradient)


def _rep_sigma_exp_logvar(mu, logvar, eps):
    """Planted bug: sigma = exp(logvar), which is the variance, not the standard deviation."""
    return mu + torch.exp(logvar) * eps


def _rep_sigma_detached(mu, logvar, eps):
    """Planted bug: sigma computed without gradient; logvar never learns."""
    return mu + torch.exp(0.5 * logvar).detach() * eps


def _rep_fresh_noise(mu, logvar, eps):
    """Planted bug: eps ignored, new noise drawn inside."""
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


# ---- gaussian_kl ---------------------------------------------------------------------------


def gaussian_kl_cases(impl):
    zeros = torch.zeros(2, 5, dtype=torch.float64)
    yield fn_case("mu = 0, logvar = 0 (2, 5): q = p, KL = 0", impl, _torch_gaussian_kl,
                  zeros, zeros)
    for i, shape in enumerate(_SHAPES):
        mu, logvar = randn(*shape, seed=40 + i), randn(*shape, seed=50 + i)
        yield fn_case(f"mu, logvar {shape} float64", impl, _torch_gaussian_kl, mu, logvar)
    yield fn_case("mu (3, 4), logvar (3, 4) in [-6, 4] (very narrow and very wide q)", impl,
                  _torch_gaussian_kl, randn(3, 4, seed=60, scale=3.0),
                  torch.linspace(-6, 4, 12, dtype=torch.float64).reshape(3, 4))


def _kl_mean_over_dims(mu, logvar):
    """Planted bug: the mean over the latent dims, not their sum."""
    return 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).mean(-1)


def _kl_no_minus_one(mu, logvar):
    """Planted bug: the constant -1 per dimension forgotten."""
    return 0.5 * (mu ** 2 + logvar.exp() - logvar).sum(-1)


def _kl_log_sign(mu, logvar):
    """Planted bug: + log sigma^2 instead of - log sigma^2."""
    return 0.5 * (mu ** 2 + logvar.exp() - 1 + logvar).sum(-1)


def _kl_logvar_as_log_sigma(mu, logvar):
    """Planted bug: logvar read as log sigma (sigma^2 = exp(2 logvar))."""
    return 0.5 * (mu ** 2 + (2 * logvar).exp() - 1 - 2 * logvar).sum(-1)


EXERCISES = [
    Exercise(
        id="vae_reparameterize", entry="reparameterize", lesson="vae-elbo",
        at=("topics:generative",),
        title=("The reparameterisation trick", "重参数化技巧"),
        task=("Write reparameterize(mu, logvar, eps): a sample of the Gaussian N(mu, sigma^2) "
              "that gradients can flow through. mu, logvar and eps all have shape (B, D) "
              "(any shape, the same for the three); logvar is log sigma^2 and eps holds "
              "standard normal noise drawn outside. Return z = mu + sigma * eps with "
              "sigma = exp(logvar / 2). Gradients must reach both mu and logvar.",
              "实现 reparameterize(mu, logvar, eps)：从高斯分布 N(mu, sigma^2) 中取一个样本，"
              "并且让梯度能穿过这次采样。mu、logvar、eps 的形状都是 (B, D)（三者形状相同即可）；"
              "logvar 是 log sigma^2，eps 是在外面抽好的标准正态噪声。返回 "
              "z = mu + sigma * eps，其中 sigma = exp(logvar / 2)。梯度必须同时传到 mu 和 "
              "logvar。"),
        stub='''
            def reparameterize(mu: Tensor, logvar: Tensor, eps: Tensor) -> Tensor:
                """mu, logvar, eps (B, D) -> z (B, D) = mu + exp(logvar / 2) * eps"""
        ''',
        reference="dlfs.generative.vae:reparameterize",
        cases=reparameterize_cases,
        mutants={"sigma = exp(logvar)": _rep_sigma_exp_logvar,
                 "sigma detached": _rep_sigma_detached,
                 "eps ignored, fresh noise": _rep_fresh_noise},
        hints=(("logvar is the log of the variance: the standard deviation is its exponential "
                "at half the value, exp(0.5 * logvar).",
                "logvar 是方差的对数：标准差是 exp(0.5 * logvar)，即取一半再求指数。"),
               ("Use the eps you are given (never draw noise inside), and keep every step a "
                "tensor operation on mu and logvar, so autograd sees dz/dmu = 1 and "
                "dz/dlogvar = sigma * eps / 2.",
                "直接使用传进来的 eps（不要在函数里重新采样），每一步都用 mu 和 logvar 的张量运算，"
                "这样 autograd 才能得到 dz/dmu = 1 和 dz/dlogvar = sigma * eps / 2。")),
        extra_refused=("torch.distributions",),
    ),
    Exercise(
        id="vae_gaussian_kl", entry="gaussian_kl", lesson="vae-elbo",
        at=("topics:generative",),
        title=("The Gaussian KL term of the ELBO", "ELBO 中的高斯 KL 项"),
        task=("Write gaussian_kl(mu, logvar): KL(N(mu, sigma^2) || N(0, I)) for each sample, in "
              "closed form. mu and logvar have shape (B, D) (or (..., D)); sigma^2 = "
              "exp(logvar) per coordinate. The coordinates are independent, so their KLs add: "
              "kl = 1/2 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2), summed over the last "
              "dim, giving shape (B,). It is 0 exactly when mu = 0 and logvar = 0.",
              "实现 gaussian_kl(mu, logvar)：用闭式公式逐样本计算 KL(N(mu, sigma^2) || N(0, I))。"
              "mu 和 logvar 的形状为 (B, D)（或 (..., D)）；每个坐标的方差 sigma^2 = "
              "exp(logvar)。各坐标相互独立，KL 可以直接相加：kl = 1/2 * sum_j (mu_j^2 + "
              "sigma_j^2 - 1 - log sigma_j^2)，对最后一维求和，结果形状为 (B,)。当且仅当 "
              "mu = 0 且 logvar = 0 时它等于 0。"),
        stub='''
            def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
                """mu, logvar (B, D) -> kl (B,): KL(N(mu, exp(logvar)) || N(0, I))"""
        ''',
        reference="dlfs.generative.vae:gaussian_kl",
        cases=gaussian_kl_cases,
        mutants={"mean over latent dims": _kl_mean_over_dims,
                 "forgot the -1": _kl_no_minus_one,
                 "+ log sigma^2": _kl_log_sign,
                 "logvar read as log sigma": _kl_logvar_as_log_sigma},
        hints=(("Per coordinate the KL is 1/2 (mu^2 + sigma^2 - 1 - log sigma^2), and "
                "log sigma^2 is simply logvar: no log needs to be taken.",
                "每个坐标的 KL 是 1/2 (mu^2 + sigma^2 - 1 - log sigma^2)，而 log sigma^2 "
                "就是 logvar 本身，不需要再取对数。"),
               ("Sum over the last dim (.sum(-1)), not the mean: the KL of a D-dimensional "
                "diagonal Gaussian is the sum of D one-dimensional KLs.",
                "对最后一维求和（.sum(-1)），不要取平均：D 维对角高斯的 KL 是 D 个一维 KL 之和。")),
        extra_refused=("torch.distributions",),
    ),
]
