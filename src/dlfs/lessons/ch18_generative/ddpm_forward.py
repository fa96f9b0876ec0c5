# %% [markdown]
# # DDPM · the forward process and L_simple — DDPM：前向加噪过程与 L_simple
#
# **Library files:** `src/dlfs/generative/diffusion.py` (`NoiseSchedule`, `q_sample`,
# `noise_batch`, `l_simple`, `posterior_mean`, `p_sample_step`), `src/dlfs/models/unet.py`
# (`UNet`, `timestep_embedding`), `src/dlfs/recipes/ddpm.py` (`dlfs train ddpm`). Tests:
# `tests/generative/test_diffusion.py`.
#
# A diffusion model learns to generate by learning to *undo noise*. The forward process is fixed and
# simple: add a little Gaussian noise, $T$ times, until a digit is pure noise. The network only ever
# learns one thing: given a noisy image $x_t$ and the step $t$, which noise was added? This lesson
# builds the forward process, checks its closed form by Monte Carlo, takes one exact step back, and
# trains a small U-Net on the resulting loss, $L_{\text{simple}}$.
#
# Steps are 0-indexed as in the code, $t = 0, \dots, T-1$ (step $t$ here is step $t + 1$ of the
# paper).
#
# References: Ho, Jain & Abbeel, 2020, *Denoising Diffusion Probabilistic Models*; Nichol &
# Dhariwal, 2021, *Improved Denoising Diffusion Probabilistic Models* (the cosine schedule).

# %% [markdown] lang="zh"
# # DDPM：前向加噪过程与 L_simple
#
# **库文件：** `src/dlfs/generative/diffusion.py`（`NoiseSchedule`、`q_sample`、
# `noise_batch`、`l_simple`、`posterior_mean`、`p_sample_step`），`src/dlfs/models/unet.py`
# （`UNet`、`timestep_embedding`），`src/dlfs/recipes/ddpm.py`（`dlfs train ddpm`）。
# 测试：`tests/generative/test_diffusion.py`。
#
# 扩散模型靠学习*去噪*来学会生成。前向过程是固定而简单的：加一点高斯噪声，重复 $T$ 次，
# 直到数字变成纯噪声。网络只学一件事：给定带噪图像 $x_t$ 和步数 $t$，加进去的是哪一份噪声？
# 本课搭建前向过程，用蒙特卡洛检验它的闭式解，精确地倒退一步，再用由此得到的损失 $L_{\text{simple}}$
# 训练一个小 U-Net。
#
# 步数与代码一样从 0 开始编号，$t = 0, \dots, T-1$（这里的第 $t$ 步是论文中的第 $t + 1$ 步）。
#
# 参考文献：Ho、Jain 与 Abbeel，2020，*Denoising Diffusion Probabilistic Models*；
# Nichol 与 Dhariwal，2021，*Improved Denoising Diffusion Probabilistic Models*（余弦日程）。

# %%
import math
import time

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.generative.data import digit_images  # noqa: E402
from dlfs.generative.diffusion import (  # noqa: E402
    NoiseSchedule,
    l_simple,
    noise_batch,
    p_sample_step,
    posterior_mean,
    predict_x0,
    q_sample,
)
from dlfs.generative.grid import grid_image  # noqa: E402
from dlfs.models.unet import UNet, UNetConfig  # noqa: E402

ctx = lesson_context("ddpm-forward-process")
torch.manual_seed(0)
torch.set_num_threads(1)   # tiny tensors: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. The noise schedule
# Step $t$ adds noise of variance $\beta_t$ and shrinks the image by $\sqrt{1 - \beta_t}$, so the
# total variance stays 1 for unit-variance data. With
#
# $$
# \alpha_t = 1 - \beta_t, \qquad \bar\alpha_t = \prod_{s=0}^{t} \alpha_s, \qquad
# \mathrm{SNR}_t = \frac{\bar\alpha_t}{1 - \bar\alpha_t}
# $$
#
# after $t + 1$ steps the image keeps a fraction $\sqrt{\bar\alpha_t}$ of its signal. The DDPM paper
# raises $\beta_t$ linearly from $10^{-4}$ to $0.02$ over $T = 1000$ steps; the cosine schedule
# instead shapes $\bar\alpha$ as a squared cosine (with $s = 0.008$, and each
# $\beta_t = 1 - \bar\alpha_t / \bar\alpha_{t-1}$ clipped at 0.999):
#
# $$
# \bar\alpha_t = \frac{f\bigl((t + 1) / T\bigr)}{f(0)}, \qquad
# f(u) = \cos^2\!\left(\frac{u + s}{1 + s} \cdot \frac{\pi}{2}\right)
# $$
#
# The signal-to-noise ratio $\mathrm{SNR}_t$ must fall at every step.

# %% [markdown] lang="zh"
# ## 1. 噪声日程
# 第 $t$ 步加入方差为 $\beta_t$ 的噪声，同时把图像缩小为 $\sqrt{1 - \beta_t}$ 倍，于是对单位方差的数
# 据，总方差保持为 1。记
#
# $$
# \alpha_t = 1 - \beta_t, \qquad \bar\alpha_t = \prod_{s=0}^{t} \alpha_s, \qquad
# \mathrm{SNR}_t = \frac{\bar\alpha_t}{1 - \bar\alpha_t}
# $$
#
# 走完 $t + 1$ 步后，图像还保留 $\sqrt{\bar\alpha_t}$ 的信号。DDPM 论文让 $\beta_t$ 在 $T = 1000$ 步
# 内从 $10^{-4}$ 线性升到 $0.02$；余弦日程则让 $\bar\alpha$ 呈平方余弦形状（$s = 0.008$，
# 每个 $\beta_t = 1 - \bar\alpha_t / \bar\alpha_{t-1}$ 截断在 0.999 以内）：
#
# $$
# \bar\alpha_t = \frac{f\bigl((t + 1) / T\bigr)}{f(0)}, \qquad
# f(u) = \cos^2\!\left(\frac{u + s}{1 + s} \cdot \frac{\pi}{2}\right)
# $$
#
# 信噪比 $\mathrm{SNR}_t$ 必须逐步下降。

# %%
T = 1000
linear, cosine = NoiseSchedule.linear(T), NoiseSchedule.cosine(T)
for name, s in (("linear", linear), ("cosine", cosine)):
    a = s.alpha_bar
    print(f"{name:>6}: beta {s.betas[0]:.2e} .. {s.betas[-1]:.3f}; alpha_bar at t = 0, 250, "
          f"500, 750, 999: {', '.join(f'{a[t]:.4f}' for t in (0, 250, 500, 750, 999))}")
    assert (s.snr[1:] < s.snr[:-1]).all(), f"{name}: the SNR must fall at every step"
half = T // 2
print(f"signal kept half-way, sqrt(alpha_bar_500): linear {linear.alpha_bar[half].sqrt():.3f}, "
      f"cosine {cosine.alpha_bar[half].sqrt():.3f}")
assert abs(linear.alpha_bar[half].sqrt() - 0.28) < 0.01
assert cosine.alpha_bar[half] > 4 * linear.alpha_bar[half]

fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
steps = torch.arange(T)
for name, s in (("linear", linear), ("cosine", cosine)):
    axes[0].plot(steps, s.betas, label=name)
    axes[1].plot(steps, s.alpha_bar, label=name)
    axes[2].plot(steps, s.snr.log(), label=name)
for ax, title in zip(axes, ("beta_t", "alpha_bar_t (signal kept)", "log SNR_t")):
    ax.set_title(title)
    ax.set_xlabel("t")
    ax.legend()
axes[0].set_yscale("log")
ctx.savefig(fig, "schedules.png")

# %% [markdown]
# The linear schedule destroys an 8x8 digit long before $t = T$: by $t = 500$ only 28 % of its
# signal is left ($\sqrt{\bar\alpha_{500}} \approx 0.28$) and the last few hundred steps are almost
# pure noise. The cosine schedule spreads the destruction evenly. Here are four digits at six steps
# under each.

# %% [markdown] lang="zh"
# 线性日程远在 $t = T$ 之前就毁掉了 8x8 的数字：到 $t = 500$ 只剩 28 % 的信号
# （$\sqrt{\bar\alpha_{500}} \approx 0.28$），最后几百步几乎全是噪声。余弦日程则把破坏均匀地摊开。
# 下面是四个数字在两种日程下、六个时刻的样子。

# %%
x0, labels = digit_images("train", size=8)
shown = x0[:4]                                                           # (4, 1, 8, 8)
times = (0, 100, 250, 500, 750, 999)
eps = torch.randn(4, 1, 8, 8, generator=torch.Generator().manual_seed(1))
rows = []
for s in (linear, cosine):
    for k in range(4):
        rows += [q_sample(shown[k:k + 1], t, eps[k:k + 1], s) for t in times]
fig, ax = plt.subplots(figsize=(6, 8))
ax.imshow(grid_image(torch.cat(rows).clamp(-1, 1), nrow=len(times))[0], cmap="gray")
ax.set_title("q_sample at t = 0 .. 999: linear (top 4), cosine (bottom 4)")
ax.axis("off")
ctx.savefig(fig, "noising.png")

# %% [markdown]
# ## 2. T small steps, or one jump
# Running the chain step by step,
#
# $$
# x_t = \sqrt{\alpha_t}\,x_{t-1} + \sqrt{\beta_t}\,\epsilon_t, \qquad
# \epsilon_t \sim \mathcal{N}(0, I)
# $$
#
# adds independent Gaussians, and Gaussians add in closed form:
#
# $$
# q(x_t \mid x_0) = \mathcal{N}\bigl(\sqrt{\bar\alpha_t}\,x_0,\ (1 - \bar\alpha_t) I\bigr),
# \quad\Longleftrightarrow\quad
# x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\epsilon
# $$
#
# That is `q_sample`: any $x_t$ in one jump, which is what makes training cheap (a random $t$ per
# image, no loop). Monte Carlo check: many chains of one pixel, the sample mean and variance against
# the formula (within 4 standard errors).

# %% [markdown] lang="zh"
# ## 2. T 小步，还是一跳
# 一步一步地运行这条链，
#
# $$
# x_t = \sqrt{\alpha_t}\,x_{t-1} + \sqrt{\beta_t}\,\epsilon_t, \qquad
# \epsilon_t \sim \mathcal{N}(0, I)
# $$
#
# 相当于把相互独立的高斯量相加，而高斯量相加有闭式解：
#
# $$
# q(x_t \mid x_0) = \mathcal{N}\bigl(\sqrt{\bar\alpha_t}\,x_0,\ (1 - \bar\alpha_t) I\bigr),
# \quad\Longleftrightarrow\quad
# x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1 - \bar\alpha_t}\,\epsilon
# $$
#
# 这就是 `q_sample`：一跳就到任意 $x_t$，正因如此训练才便宜（每张图随机取一个 $t$，不用循环）。
# 蒙特卡洛检验：对一个像素跑很多条链，把样本均值和方差与公式比较（误差在 4 个标准误之内）。

# %%
n_chains = 4000 if ctx.quick else 40000
g = torch.Generator().manual_seed(2)
pixel = 0.8
for s, name in ((linear, "linear"), (cosine, "cosine")):
    x = torch.full((n_chains,), pixel, dtype=torch.float64)
    for t in range(300):
        x = s.alphas[t].sqrt() * x + s.betas[t].sqrt() * torch.randn(
            n_chains, generator=g, dtype=torch.float64)
        if t in (49, 299):
            a = s.alpha_bar[t].item()
            mean, var = math.sqrt(a) * pixel, 1 - a
            se_mean, se_var = math.sqrt(var / n_chains), var * math.sqrt(2 / n_chains)
            print(f"{name} t = {t}: chain mean {x.mean():.4f} vs {mean:.4f}, "
                  f"var {x.var():.4f} vs {var:.4f}")
            assert abs(x.mean().item() - mean) < 4 * se_mean
            assert abs(x.var().item() - var) < 4 * se_var

# %% [markdown]
# ## 3. One step back
# Running the chain backwards needs $q(x_{t-1} \mid x_t)$, which depends on the whole data set.
# Given $x_0$ it is a Gaussian again,
# $q(x_{t-1} \mid x_t, x_0) = \mathcal{N}\bigl(\tilde\mu_t(x_t, x_0), \tilde\beta_t I\bigr)$, with
# (taking $\bar\alpha_{-1} = 1$)
#
# $$
# \tilde\mu_t(x_t, x_0) = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1 - \bar\alpha_t}\,x_0 +
# \frac{\sqrt{\alpha_t}\,(1 - \bar\alpha_{t-1})}{1 - \bar\alpha_t}\,x_t,
# \qquad
# \tilde\beta_t = \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}\,\beta_t
# $$
#
# A network that predicts the noise $\epsilon$ gives $x_0$ (`predict_x0`), hence the mean:
#
# $$
# \hat{x}_0 = \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\epsilon}{\sqrt{\bar\alpha_t}},
# \qquad
# \tilde\mu_t(x_t, \hat{x}_0) =
# \frac{1}{\sqrt{\alpha_t}}\left(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\,\epsilon\right)
# $$
#
# and `p_sample_step` returns $x_{t-1} = \tilde\mu_t + \sqrt{\tilde\beta_t}\,z$. With the *true*
# noise and $z = 0$, it must land exactly on $\tilde\mu_t(x_t, x_0)$. Note also
# $\tilde\beta_t < \beta_t$.

# %% [markdown] lang="zh"
# ## 3. 倒退一步
# 反向运行这条链需要 $q(x_{t-1} \mid x_t)$，它取决于整个数据集。但如果已知 $x_0$，它又是一个高斯分布
# $q(x_{t-1} \mid x_t, x_0) = \mathcal{N}\bigl(\tilde\mu_t(x_t, x_0), \tilde\beta_t I\bigr)$，
# 其中（取 $\bar\alpha_{-1} = 1$）
#
# $$
# \tilde\mu_t(x_t, x_0) = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1 - \bar\alpha_t}\,x_0 +
# \frac{\sqrt{\alpha_t}\,(1 - \bar\alpha_{t-1})}{1 - \bar\alpha_t}\,x_t,
# \qquad
# \tilde\beta_t = \frac{1 - \bar\alpha_{t-1}}{1 - \bar\alpha_t}\,\beta_t
# $$
#
# 预测噪声 $\epsilon$ 的网络给出 $x_0$（`predict_x0`），由此得到均值：
#
# $$
# \hat{x}_0 = \frac{x_t - \sqrt{1 - \bar\alpha_t}\,\epsilon}{\sqrt{\bar\alpha_t}},
# \qquad
# \tilde\mu_t(x_t, \hat{x}_0) =
# \frac{1}{\sqrt{\alpha_t}}\left(x_t - \frac{\beta_t}{\sqrt{1 - \bar\alpha_t}}\,\epsilon\right)
# $$
#
# `p_sample_step` 返回 $x_{t-1} = \tilde\mu_t + \sqrt{\tilde\beta_t}\,z$。用*真实*噪声且 $z = 0$
# 时，它必须恰好落在 $\tilde\mu_t(x_t, x_0)$ 上。另外可以看到 $\tilde\beta_t < \beta_t$。

# %%
t = torch.tensor([10, 400, 900, 999])
x0_four = shown.double()
eps_true = torch.randn(x0_four.shape, generator=g, dtype=torch.float64)
x_t = q_sample(x0_four, t, eps_true, cosine)
step_back = p_sample_step(x_t, t, eps_true, cosine, noise=torch.zeros_like(x_t))
mu_tilde = posterior_mean(x_t, x0_four, t, cosine)
gap = (step_back - mu_tilde).abs().max().item()
print(f"recovered x0 exactly: {torch.allclose(predict_x0(x_t, t, eps_true, cosine), x0_four)}; "
      f"|p_sample_step - mu_tilde| <= {gap:.1e}")
print("beta_tilde / beta at those t:",
      [round(v, 4) for v in (cosine.posterior_variance[t] / cosine.betas[t]).tolist()])
assert gap < 1e-9
assert (cosine.posterior_variance[t] < cosine.betas[t]).all()

# %% [markdown]
# ## 4. Learning the noise: L_simple
# Training repeats: take clean digits, draw $t$ and $\epsilon$, form $x_t$ in one jump, ask the
# U-Net for $\epsilon$, and minimise
#
# $$
# L_{\text{simple}} =
# \mathbb{E}_{x_0,\, t,\, \epsilon}\,\bigl\| \epsilon - \epsilon_\theta(x_t, t) \bigr\|^2,
# \qquad t \sim \mathcal{U}\{0, \dots, T-1\}
# $$
#
# (`l_simple` takes the mean over every element). Predicting zero scores
# $\mathbb{E}[\epsilon^2] = 1$, so a network that learnt anything is below 1. The U-Net hears $t$
# through a sinusoidal embedding (the Transformer's position code read at $t$): columns $2i$ and
# $2i + 1$ hold $\sin(t\,\omega_i)$ and $\cos(t\,\omega_i)$, with $\omega_i = 10000^{-2i/d}$.

# %% [markdown] lang="zh"
# ## 4. 学习噪声：L_simple
# 训练不断重复：取干净的数字，抽取 $t$ 和 $\epsilon$，一跳得到 $x_t$，让 U-Net 预测 $\epsilon$，
# 最小化
#
# $$
# L_{\text{simple}} =
# \mathbb{E}_{x_0,\, t,\, \epsilon}\,\bigl\| \epsilon - \epsilon_\theta(x_t, t) \bigr\|^2,
# \qquad t \sim \mathcal{U}\{0, \dots, T-1\}
# $$
#
# （`l_simple` 对所有元素取平均）。一律预测 0 的得分是 $\mathbb{E}[\epsilon^2] = 1$，
# 所以学到了任何东西的网络都会低于 1。U-Net 通过正弦嵌入（即 Transformer 的位置编码在 $t$ 处的取值）
# 得知 $t$：第 $2i$ 列和第 $2i + 1$ 列分别是 $\sin(t\,\omega_i)$ 和 $\cos(t\,\omega_i)$，
# 其中 $\omega_i = 10000^{-2i/d}$。

# %%
train_steps = 60 if ctx.quick else 1500
net = UNet(UNetConfig(width=8 if ctx.quick else 16, groups=4, num_classes=0,
                      fused=ctx.quick))
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
gen = torch.Generator().manual_seed(3)
losses, start = [], time.process_time()
for _ in range(train_steps):
    batch = x0[torch.randint(0, len(x0), (32,), generator=gen)]         # (32, 1, 8, 8)
    x_t, t, eps = noise_batch(batch, cosine, gen)
    loss = l_simple(net(x_t, t), eps)
    opt.zero_grad()
    loss.backward()
    opt.step()
    losses.append(loss.item())
window = max(5, train_steps // 10)
first, last = sum(losses[:window]) / window, sum(losses[-window:]) / window
print(f"{train_steps} steps ({time.process_time() - start:.1f} CPU s): L_simple "
      f"{first:.3f} (first {window}) -> {last:.3f} (last {window})")
assert last < first and last < 1.0

fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(losses)
ax.axhline(1.0, ls="--", c="gray", label="predict 0")
ax.set_xlabel("step")
ax.set_ylabel("L_simple")
ax.legend()
ctx.savefig(fig, "loss.png")

# %% [markdown]
# `dlfs train ddpm` runs this same loop through the library's trainer (with label dropout for
# guidance, an average of the weights and checkpoints), and then samples: the next lesson,
# `ddpm-sampling`, walks the chain back from noise.

# %% [markdown] lang="zh"
# `dlfs train ddpm` 通过库里的训练器运行同一个循环（外加用于引导的标签丢弃、权重平均和检查点），
# 然后采样：下一课 `ddpm-sampling` 从噪声出发沿链走回来。
