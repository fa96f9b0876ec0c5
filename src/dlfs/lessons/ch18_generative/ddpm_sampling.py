# %% [markdown]
# # DDPM sampling: ancestral steps and DDIM — DDPM 采样：祖先采样与 DDIM
#
# **Library files:** `src/dlfs/generative/diffusion.py` (`ancestral_sample`, `ddim_sample`,
# `ddim_timesteps`, `p_sample_step`, `model_eps_fn`), `src/dlfs/recipes/ddpm.py`
# (`train_ddpm`, `load_sampler`), `src/dlfs/generative/quality.py` (`sample_quality`).
# Tests: `tests/generative/test_diffusion.py`.
#
# A trained noise predictor $\epsilon_\theta(x_t, t)$ turns noise into digits by walking the chain
# backwards. The **ancestral** sampler takes all $T$ steps, each a Gaussian draw around the
# posterior mean. **DDIM** reuses the very same network but jumps along a subsequence of the steps,
# deterministically when $\eta = 0$. Fewer steps cost less; how much quality do they cost? We count
# network calls, time the samplers and score their samples.
#
# References: Ho, Jain & Abbeel, 2020, *Denoising Diffusion Probabilistic Models*; Song, Meng &
# Ermon, 2021, *Denoising Diffusion Implicit Models*.

# %% [markdown] lang="zh"
# # DDPM 采样：祖先采样与 DDIM
#
# **库文件：** `src/dlfs/generative/diffusion.py`（`ancestral_sample`、
# `ddim_sample`、`ddim_timesteps`、`p_sample_step`、`model_eps_fn`），`src/dlfs/recipes/ddpm.py`
# （`train_ddpm`、`load_sampler`），`src/dlfs/generative/quality.py`（`sample_quality`）。
# 测试：`tests/generative/test_diffusion.py`。
#
# 训练好的噪声预测器 $\epsilon_\theta(x_t, t)$ 沿着链反向行走，把噪声变成数字。**祖先采样**走完全部
# $T$ 步，每一步都围绕后验均值做一次高斯抽样。**DDIM** 用的是同一个网络，却只沿步数的一个子序列跳
# 跃，$\eta = 0$ 时完全确定。步数越少越便宜；那要付出多少质量？我们数网络调用次数、给采样器计时，
# 并给它们的样本打分。
#
# 参考文献：Ho、Jain 与 Abbeel，2020，*Denoising Diffusion Probabilistic Models*；Song、
# Meng 与 Ermon，2021，*Denoising Diffusion Implicit Models*。

# %%
import time

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.generative.data import digit_images  # noqa: E402
from dlfs.generative.diffusion import (  # noqa: E402
    NoiseSchedule,
    ancestral_sample,
    ddim_sample,
    ddim_timesteps,
    l_simple,
    model_eps_fn,
    noise_batch,
)
from dlfs.generative.grid import grid_image  # noqa: E402
from dlfs.generative.quality import sample_quality  # noqa: E402
from dlfs.models.unet import UNet, UNetConfig  # noqa: E402
from dlfs.recipes.ddpm import default_sampler  # noqa: E402

ctx = lesson_context("ddpm-sampling")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny tensors: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. A trained noise predictor
# Quick mode trains a tiny U-Net for a few seconds on $T = 100$ steps: its digits are poor, but
# every claim about the *samplers* holds for any network. Full mode uses the default
# `dlfs train ddpm` run ($T = 1000$): `runs/ddpm` if it holds one, else it trains one (about five
# minutes on two cores) — and only full mode judges quality.

# %% [markdown] lang="zh"
# ## 1. 一个训练好的噪声预测器
# 快速模式在 $T = 100$ 步上把一个很小的 U-Net 训练几秒：它画的数字很差，但关于*采样器*的每个结论对任
# 何网络都成立。完整模式使用默认的 `dlfs train ddpm` 运行（$T = 1000$）：如果 `runs/ddpm` 里有就直接
# 用，否则现训一个（双核约五分钟）——只有完整模式才评判质量。

# %%


if ctx.quick:
    schedule = NoiseSchedule.cosine(100)
    model = UNet(UNetConfig(width=8, groups=4, num_classes=0, fused=True))
    x0, _ = digit_images("train", size=8)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(1)
    for _ in range(80):
        x_t, t, eps = noise_batch(x0[torch.randint(0, len(x0), (32,), generator=gen)],
                                  schedule, gen)
        loss = l_simple(model(x_t, t), eps)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    print(f"quick mode: a {sum(p.numel() for p in model.parameters()):,}-parameter U-Net, "
          f"80 steps, last L_simple {loss.item():.3f}")
else:
    recipe, model = default_sampler(ctx.path("run"))
    schedule = recipe.noise_schedule()
    print(f"the default run: {recipe.schedule} schedule, T = {recipe.timesteps}, "
          f"{model.num_params():,} parameters (the averaged weights)")
T = schedule.T

# %% [markdown]
# ## 2. One network call per step
# The **ancestral** sampler starts from pure noise, drawn from $\mathcal{N}(0, I)$, and applies
# `p_sample_step` at every $t = T-1, \dots, 0$, each step taking $x_t$ to $x_{t-1}$:
#
# $$
# x_{t-1} = \tilde\mu_t\bigl(x_t, \hat{x}_0\bigr) + \sqrt{\tilde\beta_t}\,z, \qquad
# z \sim \mathcal{N}(0, I),
# \qquad \hat{x}_0 =
# \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\epsilon_\theta(x_t, t)}{\sqrt{\bar\alpha_t}}
# $$
#
# (with $\hat{x}_0$ clamped to $[-1, 1]$; at $t = 0$, $\tilde\beta_0 = 0$ and the step returns the
# clean image). **DDIM** visits only $S$ steps $\tau_1 > \dots > \tau_S$, spread evenly over
# $[0, T-1]$ ($\tau$ = `ddim_timesteps(T, S)`); with all $T$ steps it visits every step, like the
# ancestral sampler. The cost of sampling is the number of network calls: exactly the number of
# steps. We wrap the network to count them.

# %% [markdown] lang="zh"
# ## 2. 每步一次网络调用
# **祖先采样**从抽自 $\mathcal{N}(0, I)$ 的纯噪声出发，在每个 $t = T-1, \dots, 0$ 上执行
# `p_sample_step`，每一步把 $x_t$ 变成 $x_{t-1}$：
#
# $$
# x_{t-1} = \tilde\mu_t\bigl(x_t, \hat{x}_0\bigr) + \sqrt{\tilde\beta_t}\,z, \qquad
# z \sim \mathcal{N}(0, I),
# \qquad \hat{x}_0 =
# \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\epsilon_\theta(x_t, t)}{\sqrt{\bar\alpha_t}}
# $$
#
# （$\hat{x}_0$ 截断到 $[-1, 1]$；$t = 0$ 时 $\tilde\beta_0 = 0$，这一步直接返回干净的图像）。
# **DDIM** 只经过 $S$ 个步 $\tau_1 > \dots > \tau_S$，它们均匀分布在 $[0, T-1]$ 上（$\tau$ =
# `ddim_timesteps(T, S)`）；取全部 $T$ 步时它会经过每一步，与祖先采样相同。采样的开销就是网络调用的
# 次数：恰好等于步数。我们给网络包一层来计数。

# %%
print("DDIM steps, 10 of", T, ":", ddim_timesteps(T, 10))
calls = {"n": 0}
plain = model_eps_fn(model)              # unconditional (the null class of a guided model)


def counted(x, t):
    calls["n"] += 1
    return plain(x, t)


n = 32 if ctx.quick else 360
shape = (n, 1, 8, 8)
samplers = {"DDIM 10": 10, "DDIM 50": 50, f"DDIM {T} (all)": T, f"ancestral {T}": None}
if ctx.quick:                     # T = 100: DDIM 50 already visits every other step
    del samplers[f"DDIM {T} (all)"]
results = {}
for name, steps in samplers.items():
    calls["n"] = 0
    gen = torch.Generator().manual_seed(7)
    start = time.process_time()
    if steps is None:
        images = ancestral_sample(counted, shape, schedule, generator=gen)
    else:
        images = ddim_sample(counted, shape, schedule, steps, generator=gen)
    seconds = time.process_time() - start
    results[name] = (images, seconds, calls["n"])
    print(f"{name:>16}: {calls['n']:>5} network calls, {seconds:6.2f} CPU s for {n} samples")
    assert calls["n"] == (steps or T)
times = [results[name][1] for name in samplers]
assert times[0] < times[1] < times[-1], "cost grows with the number of steps"

# %% [markdown]
# ## 3. DDIM is deterministic; with noise it is the ancestral sampler
# One DDIM step from $t$ to the previous visited step (with $\bar\alpha_{\text{prev}} = 1$ after the
# last one):
#
# $$
# x_{\text{prev}} = \sqrt{\bar\alpha_{\text{prev}}}\,\hat{x}_0 +
# \sqrt{1 - \bar\alpha_{\text{prev}} - \sigma^2}\;\hat\epsilon + \sigma z,
# \qquad
# \sigma = \eta\,\sqrt{\frac{1 - \bar\alpha_{\text{prev}}}{1 - \bar\alpha_t}}\,
# \sqrt{1 - \frac{\bar\alpha_t}{\bar\alpha_{\text{prev}}}}
# $$
#
# where $\hat\epsilon = (x_t - \sqrt{\bar\alpha_t}\,\hat{x}_0) / \sqrt{1 - \bar\alpha_t}$ is the
# noise the (clamped) $\hat{x}_0$ implies. With $\eta = 0$ no noise is drawn after $x_T$: the same
# start gives the same digit whatever the random generator. With $\eta = 1$ on all $T$ steps,
# $\bar\alpha_t / \bar\alpha_{\text{prev}} = \alpha_t$ and $\sigma^2 = \tilde\beta_t$: DDIM's update
# is algebraically the ancestral step (the same mean, variance $\tilde\beta_t$), so with the same
# noise the two samplers agree to rounding — on any schedule; a 20-step one keeps this check quick.

# %% [markdown] lang="zh"
# ## 3. DDIM 是确定性的；加上噪声它就是祖先采样
# DDIM 从 $t$ 跳到上一个经过的步的一步更新（最后一步之后取 $\bar\alpha_{\text{prev}} = 1$）：
#
# $$
# x_{\text{prev}} = \sqrt{\bar\alpha_{\text{prev}}}\,\hat{x}_0 +
# \sqrt{1 - \bar\alpha_{\text{prev}} - \sigma^2}\;\hat\epsilon + \sigma z,
# \qquad
# \sigma = \eta\,\sqrt{\frac{1 - \bar\alpha_{\text{prev}}}{1 - \bar\alpha_t}}\,
# \sqrt{1 - \frac{\bar\alpha_t}{\bar\alpha_{\text{prev}}}}
# $$
#
# 其中 $\hat\epsilon = (x_t - \sqrt{\bar\alpha_t}\,\hat{x}_0) / \sqrt{1 - \bar\alpha_t}$ 是（截断后
# 的）$\hat{x}_0$ 所对应的噪声。$\eta = 0$ 时，$x_T$ 之后不再抽取任何噪声：同一个起点得到同一个数
# 字，与随机数生成器无关。$\eta = 1$ 且走全部 $T$ 步时，
# $\bar\alpha_t / \bar\alpha_{\text{prev}} = \alpha_t$，$\sigma^2 = \tilde\beta_t$：
# DDIM 的更新在代数上就是祖先采样的一步（同样的均值，方差 $\tilde\beta_t$），所以用同样的噪声，
# 两个采样器的结果在舍入误差内一致——任何日程都如此；这里用一个 20 步的日程，让检验跑得快些。

# %%
x_T = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(3))
a = ddim_sample(plain, x_T.shape, schedule, 10, x_T=x_T, generator=torch.Generator().manual_seed(1))
b = ddim_sample(plain, x_T.shape, schedule, 10, x_T=x_T, generator=torch.Generator().manual_seed(2))
short = NoiseSchedule.cosine(20)
c = ddim_sample(plain, x_T.shape, short, 20, eta=1.0, x_T=x_T,
                generator=torch.Generator().manual_seed(4))
d = ancestral_sample(plain, x_T.shape, short, x_T=x_T, generator=torch.Generator().manual_seed(4))
print(f"eta = 0, two generators: identical {torch.equal(a, b)}; eta = 1 vs ancestral: max "
      f"difference {(c - d).abs().max():.1e}")
assert torch.equal(a, b) and torch.allclose(c, d, atol=1e-4)

# %% [markdown]
# Because DDIM with $\eta = 0$ is a deterministic map from $x_T$ to an image, the same $x_T$ gives
# nearly the same digit at 10 or 50 steps: the starting noise is a *latent code*. The ancestral
# sampler, which keeps drawing noise, forgets its start.

# %% [markdown] lang="zh"
# 由于 $\eta = 0$ 的 DDIM 是从 $x_T$ 到图像的确定映射，同一个 $x_T$ 在 10 步或 50 步下得到几乎相同的
# 数字：起始噪声成了*隐编码*。祖先采样一路都在抽新噪声，会忘掉它的起点。

# %%
ddim_50 = results["DDIM 50"][0]
shuffled = ddim_50[torch.randperm(n, generator=torch.Generator().manual_seed(5))]
same_start = (results["DDIM 10"][0] - ddim_50).abs().mean().item()
other_start = (results["DDIM 10"][0] - shuffled).abs().mean().item()
ancestral_gap = (results[f"ancestral {T}"][0] - ddim_50).abs().mean().item()
print(f"mean |pixel difference| to DDIM 50 from the same x_T: DDIM 10 {same_start:.3f}, "
      f"ancestral {ancestral_gap:.3f}; DDIM 10 from other x_T: {other_start:.3f}")
assert same_start < 0.5 * other_start and same_start < ancestral_gap

# %% [markdown]
# ## 4. Quality against time
# Each set of samples scored by the digits-FD against the held-out digits (as a multiple of the
# real-vs-real floor). In quick mode the network is far from trained, so the figures are printed,
# not judged; in full mode, DDIM with 50 steps must be as good as the ancestral sampler's 1000
# (within 25 %), at a twentieth of the cost, while 10 steps lose quality.

# %% [markdown] lang="zh"
# ## 4. 质量与时间
# 每组样本都用 digits-FD 对照留出的数字打分（表示为“真实对真实”下限的倍数）。快速模式下网络远未训练
# 好，所以数字只打印、不评判；完整模式下，50 步的 DDIM 必须和 1000 步的祖先采样一样好（相差不超过
# 25 %），而开销只有二十分之一；10 步则会损失质量。

# %%
ratios = {}
for name, (images, seconds, _) in results.items():
    q = sample_quality(images)
    ratios[name] = q.fd_ratio
    print(f"{name:>16}: {seconds:6.2f} CPU s  digits-FD {q.fd:7.2f} = {q.fd_ratio:5.1f}x floor"
          f"  covers {q.coverage}/10")
if not ctx.quick:
    assert ratios["DDIM 50"] <= 1.25 * ratios[f"ancestral {T}"]
    assert ratios["DDIM 10"] > ratios["DDIM 50"]

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1, 1.4]})
for name, (_, seconds, _) in results.items():
    axes[0].scatter(seconds, ratios[name])
    axes[0].annotate(name, (seconds, ratios[name]))
axes[0].set_xscale("log")
axes[0].set_xlabel("CPU seconds")
axes[0].set_ylabel("digits-FD / floor")
axes[0].set_title(f"{n} samples{' (quick: a tiny model)' if ctx.quick else ''}")
strip = torch.cat([results[name][0][:8] for name in samplers])
axes[1].imshow(grid_image(strip, nrow=8)[0], cmap="gray")
axes[1].set_title("rows: " + ", ".join(samplers))
axes[1].axis("off")
ctx.savefig(fig, "samplers.png")
