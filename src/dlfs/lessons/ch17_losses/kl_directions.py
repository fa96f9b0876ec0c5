# %% [markdown]
# # Forward vs reverse KL: mean-seeking and mode-seeking — 前向与反向 KL：求均值与求众数
#
# **Library files:** `src/dlfs/nn/functional/loss.py` (`kl_div`, torch's argument order),
# `src/dlfs/optim/adam.py` (`Adam`). Tests: `tests/nn/test_losses.py`.
#
# The KL divergence is not symmetric, and which way round you minimise it decides what a too-simple
# model does. Here the target $p$ has two well separated bumps and the model $q$ is a single
# Gaussian, fitted by gradient descent on a grid:
#
# $$
# p(x) = \tfrac{1}{2}\,\mathcal{N}(x; -M, S^2) + \tfrac{1}{2}\,\mathcal{N}(x; M, S^2), \qquad
# q(x) = \mathcal{N}(x; \mu, \sigma^2)
# $$
#
# with `M = 3` and `S = 0.8` in the code.
#
# - **forward** $\mathrm{KL}(p \,\|\, q) = \int p(x) \log \frac{p(x)}{q(x)}\,dx$ (maximum
#   likelihood, distillation): wherever $p$ has mass, $q$ must too, or $\log(p / q)$ explodes — $q$
#   stretches over both bumps;
# - **reverse** $\mathrm{KL}(q \,\|\, p) = \int q(x) \log \frac{q(x)}{p(x)}\,dx$ (variational
#   inference, some RL objectives): wherever $q$ puts mass, $p$ must have some — $q$ hides inside
#   one bump.

# %% [markdown] lang="zh"
# # 前向与反向 KL：求均值与求众数
#
# **库文件：** `src/dlfs/nn/functional/loss.py`（`kl_div`，参数顺序与 torch 相同），
# `src/dlfs/optim/adam.py`（`Adam`）。测试：`tests/nn/test_losses.py`。
#
# KL 散度不对称；朝哪个方向最小化，决定了一个过于简单的模型会怎么做。这里目标分布 $p$ 有两个分得很开
# 的峰，模型 $q$ 是单个高斯，在网格上用梯度下降拟合：
#
# $$
# p(x) = \tfrac{1}{2}\,\mathcal{N}(x; -M, S^2) + \tfrac{1}{2}\,\mathcal{N}(x; M, S^2), \qquad
# q(x) = \mathcal{N}(x; \mu, \sigma^2)
# $$
#
# 代码中 `M = 3`、`S = 0.8`。
#
# - **前向** $\mathrm{KL}(p \,\|\, q) = \int p(x) \log \frac{p(x)}{q(x)}\,dx$（最大似然、蒸馏）：
#   凡是 $p$ 有质量的地方，$q$ 也必须有，否则 $\log(p / q)$ 会爆掉——于是 $q$ 铺开，盖住两个峰；
# - **反向** $\mathrm{KL}(q \,\|\, p) = \int q(x) \log \frac{q(x)}{p(x)}\,dx$（变分推断、
#   一些强化学习目标）：凡是 $q$ 放了质量的地方，$p$ 也必须有——于是 $q$ 躲进其中一个峰。

# %%
import math

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import dlfs.nn.functional as F  # noqa: E402
from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.optim import Adam  # noqa: E402

ctx = lesson_context("kl-forward-reverse")
torch.manual_seed(0)
x = torch.linspace(-10, 10, 2001, dtype=torch.float64)             # the grid
dx = float(x[1] - x[0])


def log_normal(x: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    return -0.5 * ((x - mu) / sigma) ** 2 - torch.log(sigma) - 0.5 * math.log(2 * math.pi)


M, S = 3.0, 0.8                                   # bumps at -3 and +3, width 0.8
one = torch.tensor(1.0, dtype=torch.float64)
log_p = torch.logaddexp(log_normal(x, -M * one, S * one),
                        log_normal(x, M * one, S * one)) - math.log(2)   # (G,) log p(x)
print(f"grid of {len(x)} points, mass of p on it: {float(log_p.exp().sum() * dx):.6f}")
assert abs(float(log_p.exp().sum() * dx) - 1) < 1e-9

# %% [markdown]
# ## Both directions with one library function
# `kl_div(input, target)` follows torch: `input` is the *model's* log-probability and `target` the
# *reference*; it computes `target * (log target - input)` pointwise. With `log_target=True` both
# are logs. On the grid of spacing $\Delta x$ (`dx`), a sum times $\Delta x$ is the integral, so
#
# - forward `KL(p || q)` = `kl_div(log q, log p, log_target=True).sum() * dx`,
# - reverse `KL(q || p)` = `kl_div(log p, log q, log_target=True).sum() * dx`,
#
# that is, with $x_g$ the grid points:
#
# $$
# \mathrm{KL}(a \,\|\, b) \approx \sum_g a(x_g)\,\bigl(\log a(x_g) - \log b(x_g)\bigr)\,\Delta x
# $$

# %% [markdown] lang="zh"
# ## 用同一个库函数算两个方向
# `kl_div(input, target)` 沿用 torch 的约定：`input` 是**模型**的对数概率，`target` 是**参考**分布；
# 逐点计算 `target * (log target - input)`。`log_target=True` 时两者都是对数。在间距为 $\Delta x$
# （`dx`）的网格上，求和再乘 $\Delta x$ 就是积分，所以
#
# - 前向 `KL(p || q)` = `kl_div(log q, log p, log_target=True).sum() * dx`，
# - 反向 `KL(q || p)` = `kl_div(log p, log q, log_target=True).sum() * dx`，
#
# 也就是说，记网格点为 $x_g$：
#
# $$
# \mathrm{KL}(a \,\|\, b) \approx \sum_g a(x_g)\,\bigl(\log a(x_g) - \log b(x_g)\bigr)\,\Delta x
# $$

# %%


def kl(log_a: torch.Tensor, log_b: torch.Tensor) -> torch.Tensor:
    """KL(a || b) on the grid."""
    return F.kl_div(log_b, log_a, reduction="sum", log_target=True) * dx


def fit(direction: str, mu0: float, steps: int) -> tuple[float, float, float]:
    """Fit N(mu, sigma^2) to p by minimising the KL in ``direction``; (mu, sigma, KL)."""
    mu = torch.tensor(mu0, dtype=torch.float64, requires_grad=True)
    log_sigma = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    opt = Adam([mu, log_sigma], lr=0.05)
    for _ in range(steps):
        log_q = log_normal(x, mu, log_sigma.exp())
        loss = kl(log_p, log_q) if direction == "forward" else kl(log_q, log_p)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(mu.detach()), float(log_sigma.detach().exp()), float(loss.detach())


steps = 250 if ctx.quick else 1000
fits = {"forward KL(p||q), from mu = +0.5": fit("forward", mu0=0.5, steps=steps),
        "reverse KL(q||p), from mu = +1.5": fit("reverse", mu0=1.5, steps=steps),
        "reverse KL(q||p), from mu = -1.5": fit("reverse", mu0=-1.5, steps=steps),
        "reverse KL(q||p), from mu = +0.5": fit("reverse", mu0=0.5, steps=steps)}
for name, (mu, sigma, value) in fits.items():
    print(f"{name:<34} mu = {mu:+.3f}  sigma = {sigma:.3f}  KL = {value:.4f}")
fwd, rev, rev_left, rev_mid = fits.values()

# %% [markdown]
# ## What the optimum looks like
# **Forward KL matches moments.** For a Gaussian $q$, minimising $\mathrm{KL}(p \,\|\, q)$ over
# $\mu$ and $\sigma$ sets them to the mean and standard deviation of $p$:
#
# $$
# \mu = \mathbb{E}_p[x] = 0, \qquad \sigma^2 = \mathrm{Var}_p[x] = S^2 + M^2 = 0.64 + 9
# $$
#
# — a wide Gaussian whose peak sits in the empty gap between the bumps, where $p$ is almost zero.
#
# **Reverse KL picks a mode.** Started near a bump, $q$ settles on it ($\mu \approx \pm 3$,
# $\sigma \approx 0.8$). Its value is then about $\log 2$: $q$ matches one component of the mixture,
# which has half the mass, so $\log(q / p) \approx \log 2$ wherever $q$ lives. Started in the gap
# ($\mu = 0.5$), it finds a *local* optimum instead: a wide Gaussian straddling both bumps, with a
# reverse KL of 1.57, far worse than $\log 2$ — the reverse KL of a mixture is not convex, and which
# mode (if any) you get depends on where you start.

# %% [markdown] lang="zh"
# ## 最优解长什么样
# **前向 KL 匹配矩。** 对高斯 $q$，关于 $\mu$、$\sigma$ 最小化 $\mathrm{KL}(p \,\|\, q)$，
# 结果就是 $p$ 的均值和标准差：
#
# $$
# \mu = \mathbb{E}_p[x] = 0, \qquad \sigma^2 = \mathrm{Var}_p[x] = S^2 + M^2 = 0.64 + 9
# $$
#
# ——一个很宽的高斯，峰值恰好落在两峰之间几乎没有概率的空隙里。
#
# **反向 KL 选一个众数。** 从某个峰附近出发，$q$ 就停在那个峰上（$\mu \approx \pm 3$，
# $\sigma \approx 0.8$）。此时 KL 约为 $\log 2$：$q$ 与混合分布的一个分量吻合，而该分量只占一半质
# 量，所以在 $q$ 所在之处 $\log(q / p) \approx \log 2$。若从两峰之间的空隙出发（$\mu = 0.5$），
# 它会落入一个**局部**最优：一个横跨两峰的宽高斯，反向 KL 为 1.57，比 $\log 2$ 差得多——混合分布的反
# 向 KL 不是凸的，得到哪个峰（甚至得不到峰）取决于起点。

# %%
sigma_moments = math.sqrt(S ** 2 + M ** 2)
print(f"moments of p: mean 0, std {sigma_moments:.3f}; reverse-KL value vs log 2 = "
      f"{math.log(2):.4f}")
assert abs(fwd[0]) < 0.02 and abs(fwd[1] - sigma_moments) < 0.02        # mean-seeking
assert abs(rev[0] - M) < 0.05 and abs(rev[1] - S) < 0.05                # mode-seeking ...
assert abs(rev_left[0] + M) < 0.05 and abs(rev_left[1] - S) < 0.05      # ... either mode
assert abs(rev[2] - math.log(2)) < 0.01
assert abs(rev_mid[0]) < 0.05 and rev_mid[1] > 2 and rev_mid[2] > rev[2] + 0.5  # stuck wide
# each answer is bad in the other direction: the forward fit puts mass where p has none,
# the reverse fit misses half of p
cross = {"forward fit, reverse KL": float(kl(log_normal(x, fwd[0] * one, fwd[1] * one), log_p)),
         "reverse fit, forward KL": float(kl(log_p, log_normal(x, rev[0] * one, rev[1] * one)))}
print({k: round(v, 3) for k, v in cross.items()})
assert cross["forward fit, reverse KL"] > rev[2] and cross["reverse fit, forward KL"] > fwd[2]

# %% [markdown]
# Which one to use is a modelling choice. Maximum likelihood and distillation are forward KL: the
# student is punished for missing anything the teacher allows, so it covers everything (and may
# blur). Variational inference minimises the reverse KL: the approximation is punished for inventing
# mass, so it is sharp but may ignore whole modes.

# %% [markdown] lang="zh"
# 用哪个方向是建模上的选择。最大似然和知识蒸馏是前向 KL：学生漏掉老师允许的任何东西都要受罚，
# 所以它会覆盖全部（可能变得模糊）。变分推断最小化反向 KL：近似分布凭空放出质量要受罚，
# 所以它很尖锐，却可能整块忽略某些峰。

# %%
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.fill_between(x, log_p.exp(), color="0.85", label="target p (two bumps)")
for (mu, sigma, _), style, name in (
        (fwd, "tab:blue-", "forward KL(p||q): mean-seeking"),
        (rev, "tab:red-", "reverse KL(q||p) from +1.5: mode-seeking"),
        (rev_mid, "tab:red:", "reverse KL(q||p) from +0.5: stuck in a local optimum")):
    color, line = style[:-1], style[-1]
    ax.plot(x, log_normal(x, mu * one, sigma * one).exp(), line, color=color, lw=2, label=name)
ax.set(xlim=(-8, 8), xlabel="x", ylabel="density")
ax.legend(fontsize=8)
ctx.savefig(fig, "kl_directions.png")
plt.close(fig)
