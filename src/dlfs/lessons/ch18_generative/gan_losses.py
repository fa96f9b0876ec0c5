# %% [markdown]
# # The GAN game and its losses — GAN 的博弈及其损失函数
#
# **Library files:** `src/dlfs/generative/gan.py` (`discriminator_loss`,
# `saturating_generator_loss`, `nonsaturating_generator_loss`), `src/dlfs/models/dcgan.py`
# (`DCGANGenerator`, `DCGANDiscriminator`), `src/dlfs/recipes/gan.py` (`dlfs train gan`,
# `train_gan`). Tests: `tests/generative/test_gan.py`.
#
# A generative adversarial network trains two networks against each other. The generator $G$ turns
# noise $z$ into samples; the discriminator $D$ outputs the probability that its input is real. They
# play
#
# $$
# \min_G \max_D\; V(D, G) = \mathbb{E}_{x \sim p_{\text{data}}}\bigl[\log D(x)\bigr] +
# \mathbb{E}_{z}\bigl[\log\bigl(1 - D(G(z))\bigr)\bigr]
# $$
#
# This lesson checks what the game means with numbers: the best discriminator for a fixed generator,
# the value of the game at that point (a divergence between the two distributions), why the
# generator should *not* minimise $V$ as written, and finally a DCGAN learning to draw digits.
#
# References: Goodfellow et al., 2014, *Generative Adversarial Nets*; Radford, Metz & Chintala,
# 2016, *Unsupervised Representation Learning with Deep Convolutional Generative Adversarial
# Networks* (DCGAN).

# %% [markdown] lang="zh"
# # GAN 的博弈及其损失函数
#
# **库文件：** `src/dlfs/generative/gan.py`（`discriminator_loss`、`saturating_generator_loss`、
# `nonsaturating_generator_loss`），`src/dlfs/models/dcgan.py`（`DCGANGenerator`、
# `DCGANDiscriminator`），`src/dlfs/recipes/gan.py`（`dlfs train gan`、`train_gan`）。
# 测试：`tests/generative/test_gan.py`。
#
# 生成对抗网络让两个网络互相对抗地训练。生成器 $G$ 把噪声 $z$ 变成样本；判别器 $D$ 输出其输入为真实
# 样本的概率。二者进行如下博弈：
#
# $$
# \min_G \max_D\; V(D, G) = \mathbb{E}_{x \sim p_{\text{data}}}\bigl[\log D(x)\bigr] +
# \mathbb{E}_{z}\bigl[\log\bigl(1 - D(G(z))\bigr)\bigr]
# $$
#
# 本课用数字来验证这个博弈的含义：固定生成器时最好的判别器是什么；此时博弈的值（两个分布之间的一种散
# 度）；为什么生成器*不应该*直接最小化上面写的 $V$；最后看一个 DCGAN 学会画数字。
#
# 参考文献：Goodfellow 等，2014，*Generative Adversarial Nets*；Radford、Metz 与 Chintala，
# 2016，*Unsupervised Representation Learning with Deep Convolutional Generative Adversarial
# Networks*（DCGAN）。

# %%
import math

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlfs import nn  # noqa: E402
from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.generative.data import digit_images  # noqa: E402
from dlfs.generative.gan import (  # noqa: E402
    discriminator_loss,
    nonsaturating_generator_loss,
    saturating_generator_loss,
)
from dlfs.generative.grid import grid_image  # noqa: E402
from dlfs.generative.quality import sample_quality  # noqa: E402
from dlfs.models.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator  # noqa: E402
from dlfs.optim import Adam  # noqa: E402
from dlfs.recipes.gan import GANRecipe, sample_images, train_gan  # noqa: E402

ctx = lesson_context("gan-losses")
torch.manual_seed(0)
torch.set_num_threads(1)   # small networks: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. The best discriminator
# The discriminator outputs a logit $d$ and $D(x) = \sigma(d)$. It ascends $V$, i.e.
# `discriminator_loss` descends the binary cross-entropy with real = 1, fake = 0:
#
# $$
# L_D = -\frac{1}{B}\sum_{i} \log \sigma\bigl(d_{\text{real},i}\bigr) -
# \frac{1}{B}\sum_{i} \log\bigl(1 - \sigma(d_{\text{fake},i})\bigr)
# $$
#
# For a fixed $G$ with sample density $p_g$, $V$ is maximised pointwise by
#
# $$
# D^*(x) = \frac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_g(x)}, \qquad
# \operatorname{logit} D^*(x) = \log p_{\text{data}}(x) - \log p_g(x)
# $$
#
# Take one dimension, $p_{\text{data}} = \mathcal{N}(1, 1)$ and $p_g = \mathcal{N}(-1, 1)$: the
# log-ratio is exactly $\frac{(x + 1)^2 - (x - 1)^2}{2} = 2x$. A logistic discriminator
# $d(x) = w x + b$ trained with `discriminator_loss` should therefore find $w = 2$, $b = 0$.

# %% [markdown] lang="zh"
# ## 1. 最优判别器
# 判别器输出 logit $d$，$D(x) = \sigma(d)$。它沿 $V$ 上升，也就是说 `discriminator_loss` 下降的是以
# 真为 1、假为 0 的二元交叉熵：
#
# $$
# L_D = -\frac{1}{B}\sum_{i} \log \sigma\bigl(d_{\text{real},i}\bigr) -
# \frac{1}{B}\sum_{i} \log\bigl(1 - \sigma(d_{\text{fake},i})\bigr)
# $$
#
# 对固定的 $G$（样本密度为 $p_g$），$V$ 在每一点上由下式取到最大：
#
# $$
# D^*(x) = \frac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_g(x)}, \qquad
# \operatorname{logit} D^*(x) = \log p_{\text{data}}(x) - \log p_g(x)
# $$
#
# 取一维情形 $p_{\text{data}} = \mathcal{N}(1, 1)$、$p_g = \mathcal{N}(-1, 1)$：
# 对数比恰好是 $\frac{(x + 1)^2 - (x - 1)^2}{2} = 2x$。因此用 `discriminator_loss` 训练的逻辑回归判
# 别器 $d(x) = w x + b$ 应当学到 $w = 2$、$b = 0$。

# %%
rng = torch.Generator().manual_seed(1)
D1 = nn.Linear(1, 1)
opt = Adam(D1.parameters(), lr=0.05)
for _ in range(300):
    x_real = 1 + torch.randn(512, 1, generator=rng)          # (512, 1) ~ p_data
    x_fake = -1 + torch.randn(512, 1, generator=rng)         # (512, 1) ~ p_g
    loss = discriminator_loss(D1(x_real), D1(x_fake))
    opt.zero_grad()
    loss.backward()
    opt.step()
w, b = D1.weight.item(), D1.bias.item()
print(f"learned logit d(x) = {w:.3f} x + {b:+.3f}   (optimal: 2 x + 0)")
assert abs(w - 2) < 0.15 and abs(b) < 0.15

# %% [markdown]
# Plugging $D^*$ back in gives
#
# $$
# V(D^*, G) = 2\,\mathrm{JSD}(p_{\text{data}} \,\|\, p_g) - \log 4,
# \qquad
# \mathrm{JSD}(p \,\|\, q) = \tfrac{1}{2}\,\mathrm{KL}(p \,\|\, m) +
# \tfrac{1}{2}\,\mathrm{KL}(q \,\|\, m),
# \quad m = \tfrac{p + q}{2}
# $$
#
# The generator, facing the best discriminator, minimises the Jensen-Shannon divergence, and the
# game's minimum $-\log 4$ is reached exactly when $p_g = p_{\text{data}}$ (then $D^* = 1/2$
# everywhere). We estimate $V = -L_D$ with the learned discriminator on fresh samples, and the JSD
# by integrating on a fine grid.

# %% [markdown] lang="zh"
# 把 $D^*$ 代回去得到
#
# $$
# V(D^*, G) = 2\,\mathrm{JSD}(p_{\text{data}} \,\|\, p_g) - \log 4,
# \qquad
# \mathrm{JSD}(p \,\|\, q) = \tfrac{1}{2}\,\mathrm{KL}(p \,\|\, m) +
# \tfrac{1}{2}\,\mathrm{KL}(q \,\|\, m),
# \quad m = \tfrac{p + q}{2}
# $$
#
# 面对最优判别器时，生成器最小化的是 Jensen-Shannon 散度；博弈的最小值 $-\log 4$ 恰好在
# $p_g = p_{\text{data}}$ 时取到（此时处处 $D^* = 1/2$）。我们用学到的判别器在新样本上估计
# $V = -L_D$，并在细网格上积分求 JSD。

# %%
with torch.no_grad():
    x_real = 1 + torch.randn(200_000, 1, generator=rng)
    x_fake = -1 + torch.randn(200_000, 1, generator=rng)
    V = -discriminator_loss(D1(x_real), D1(x_fake)).item()
    grid = torch.linspace(-12, 12, 48_001, dtype=torch.float64)
    p = torch.exp(-(grid - 1) ** 2 / 2) / math.sqrt(2 * math.pi)     # p_data on the grid
    q = torch.exp(-(grid + 1) ** 2 / 2) / math.sqrt(2 * math.pi)     # p_g
    m = (p + q) / 2
    dx = (grid[1] - grid[0]).item()
    jsd = 0.5 * ((p * (p / m).log()).sum() + (q * (q / m).log()).sum()).item() * dx
print(f"V(D, G) = {V:.4f};  2 JSD - log 4 = {2 * jsd - math.log(4):.4f}  (JSD {jsd:.4f}); "
      f"the game's minimum -log 4 = {-math.log(4):.4f}")
assert abs(V - (2 * jsd - math.log(4))) < 0.02

# %% [markdown]
# ## 2. Why the generator does not minimise V
# Early in training the fakes are poor and $D$ rejects them confidently: $D(G(z)) \to 0$. The
# generator's term $\log(1 - D(G(z)))$ is flat there. With $d$ the logit, the *saturating* loss and
# its gradient are
#
# $$
# L_G^{\text{sat}} = \frac{1}{B}\sum_i \log\bigl(1 - \sigma(d_i)\bigr),
# \qquad \frac{\partial \log(1 - \sigma(d))}{\partial d} = -\sigma(d)
# $$
#
# it vanishes exactly when the generator most needs to learn. The *non-saturating* loss has the same
# fixed point but a gradient close to $-1$ in that regime:
#
# $$
# L_G^{\text{ns}} = -\frac{1}{B}\sum_i \log \sigma(d_i),
# \qquad \frac{\partial\,(-\log \sigma(d))}{\partial d} = -\bigl(1 - \sigma(d)\bigr)
# $$
#
# First the two curves, computed by autograd through the library losses (multiplied by the batch
# size, to undo the mean):

# %% [markdown] lang="zh"
# ## 2. 为什么生成器不直接最小化 V
# 训练初期假样本很差，$D$ 会很自信地拒绝它们：$D(G(z)) \to 0$。生成器那一项 $\log(1 - D(G(z)))$ 在这
# 里几乎是平的。记 logit 为 $d$，*饱和*损失及其梯度是
#
# $$
# L_G^{\text{sat}} = \frac{1}{B}\sum_i \log\bigl(1 - \sigma(d_i)\bigr),
# \qquad \frac{\partial \log(1 - \sigma(d))}{\partial d} = -\sigma(d)
# $$
#
# 梯度恰恰在生成器最需要学习的时候消失。*非饱和*损失有相同的不动点，在这一区域梯度却接近 $-1$：
#
# $$
# L_G^{\text{ns}} = -\frac{1}{B}\sum_i \log \sigma(d_i),
# \qquad \frac{\partial\,(-\log \sigma(d))}{\partial d} = -\bigl(1 - \sigma(d)\bigr)
# $$
#
# 先看两条曲线（用 autograd 对库里的损失函数求导得到；乘上批量大小，抵消取平均的效果）：

# %%
d = torch.linspace(-10, 6, 161, dtype=torch.float64, requires_grad=True)
(grad_sat,) = torch.autograd.grad(saturating_generator_loss(d) * len(d), d)
(grad_ns,) = torch.autograd.grad(nonsaturating_generator_loss(d) * len(d), d)
D_of_fake = torch.sigmoid(d.detach())
torch.testing.assert_close(grad_sat, -D_of_fake)                 # -sigmoid(d)
torch.testing.assert_close(grad_ns, -(1 - D_of_fake))            # -(1 - sigmoid(d))
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(D_of_fake, grad_sat.abs(), label="saturating: log(1 - D(G(z)))")
ax.loglog(D_of_fake, grad_ns.abs(), label="non-saturating: -log D(G(z))")
ax.set_xlabel("D(G(z))")
ax.set_ylabel("|dL / d logit|")
ax.legend()
ctx.savefig(fig, "generator_gradients.png")

# %% [markdown]
# Now on real networks. A DCGAN generator and discriminator at initialization; we train only $D$ for
# 30 steps on digits against the untrained $G$, so that it rejects the fakes confidently, as it does
# early in a real run. Then we measure the gradient reaching the generator's parameters under each
# loss.

# %% [markdown] lang="zh"
# 现在换成真实的网络。取初始化状态的 DCGAN 生成器与判别器，只训练 $D$ 30 步，让它在数字图像与未训练
# 的 $G$ 之间学会自信地拒绝假样本——就像真实训练的初期那样。然后测量两种损失下传到生成器参数上的梯
# 度。

# %%
x_digits, _ = digit_images("train", size=16)                   # (1437, 1, 16, 16)
cfg = DCGANConfig(image_size=16, g_width=32, d_width=16)
G, D = DCGANGenerator(cfg), DCGANDiscriminator(cfg)
opt_d = Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.9))      # a fast D, to get there quickly
for _ in range(30):
    x_real = x_digits[torch.randint(0, len(x_digits), (64,), generator=rng)]
    with torch.no_grad():
        x_fake = G(torch.randn(64, cfg.z_dim, generator=rng))
    loss = discriminator_loss(D(x_real), D(x_fake))
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()

d_fake = D(G(torch.randn(256, cfg.z_dim, generator=rng)))      # (256,) logits
norms = {}
for name, loss_fn in (("saturating", saturating_generator_loss),
                      ("non-saturating", nonsaturating_generator_loss)):
    grads = torch.autograd.grad(loss_fn(d_fake), list(G.parameters()), retain_graph=True)
    norms[name] = torch.sqrt(sum((g ** 2).sum() for g in grads)).item()
print(f"mean D(G(z)) = {torch.sigmoid(d_fake).mean().item():.4f}; generator gradient norm: "
      f"saturating {norms['saturating']:.2e}, non-saturating {norms['non-saturating']:.2e} "
      f"({norms['non-saturating'] / norms['saturating']:.0f}x)")
assert torch.sigmoid(d_fake).mean() < 0.01, "D should reject the untrained G's samples"
assert norms["non-saturating"] > 100 * norms["saturating"]

# %% [markdown]
# ## 3. A DCGAN learns digits
# The recipe `dlfs train gan` trains this pair with the non-saturating loss, one $D$ step per $G$
# step. Here a short run on 8x8 digits (their native size) with a high learning rate (the full mode
# runs the recipe's defaults); the digits-FD (a Fréchet distance in a digit classifier's feature
# space, compared with the real-vs-real floor) and the coverage of the 10 digits measure the
# samples.

# %% [markdown] lang="zh"
# ## 3. DCGAN 学会写数字
# 配方 `dlfs train gan` 用非饱和损失训练这一对网络，每个 $G$ 步一次 $D$ 步。这里在 8x8 的数字（它们
# 的原始尺寸）上用较高的学习率只跑一小段（完整模式使用配方的默认设置）；用 digits-FD（数字分类器特征
# 空间中的 Fréchet 距离，与“真实对真实”的下限对比）和 10 个数字的覆盖数来衡量样本。

# %%
quick_model = DCGANConfig(image_size=8, g_width=64, d_width=32)
recipe = GANRecipe(model=quick_model, lr=1e-3, max_steps=300, eval_every=300,
                   out_dir=str(ctx.path("run"))) if ctx.quick else \
    GANRecipe(out_dir=str(ctx.path("run")))
run = train_gan(recipe)
G_init = DCGANGenerator(recipe.model)
before = sample_quality(sample_images(G_init, 360, seed=1))
after = sample_quality(sample_images(run.generator, 360, seed=1))
print(f"untrained G: {before.describe()}")
print(f"after {recipe.max_steps} steps ({run.cpu_seconds:.1f} CPU s): {after.describe()}")
assert after.fd < before.fd / 10 and after.coverage >= 8

# %%
fig, ax = plt.subplots(figsize=(5, 5))
ax.imshow(grid_image(sample_images(run.generator, 64, seed=0), nrow=8)[0], cmap="gray")
ax.set_title(f"non-saturating DCGAN, {recipe.max_steps} steps")
ax.axis("off")
ctx.savefig(fig, "digits_samples.png")
