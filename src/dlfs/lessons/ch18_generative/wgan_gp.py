# %% [markdown]
# # Mode collapse and WGAN-GP — 模式坍塌与 WGAN-GP
#
# **Library files:** `src/dlfs/generative/gan.py` (`discriminator_loss`,
# `nonsaturating_generator_loss`, `wgan_critic_loss`, `wgan_generator_loss`,
# `gradient_penalty`, `ring_mixture`, `mode_coverage`), `src/dlfs/models/dcgan.py`
# (`MLPGenerator`, `MLPCritic`), `src/dlfs/recipes/gan.py` (`dlfs train gan --loss wgan-gp`).
# Tests: `tests/generative/test_gan.py`.
#
# A GAN's generator is rewarded for fooling the discriminator *now*. Nothing in the non-saturating
# loss asks it to cover every kind of real data: if one region fools $D$, all samples may move there
# — **mode collapse** — and when $D$ catches up they jump to the next region. We watch it happen on
# the classic toy, a ring of 8 tight Gaussians, and then train the same networks as a
# **Wasserstein GAN with gradient penalty** (WGAN-GP): a critic $f$ that scores instead of
# classifying (no sigmoid), trained on the dual form of the 1-Wasserstein distance,
#
# $$
# W(p_{\text{data}}, p_g) = \sup_{\|f\|_L \le 1}\; \mathbb{E}_{x \sim p_{\text{data}}}[f(x)] -
# \mathbb{E}_{x \sim p_g}[f(x)]
# $$
#
# and kept close to 1-Lipschitz by penalising $(\|\nabla f(\hat{x})\| - 1)^2$ on points $\hat{x}$
# between real and fake samples. The losses, as means over a batch of $B$:
#
# $$
# L_C = \frac{1}{B}\sum_i f(x_{\text{fake},i}) - \frac{1}{B}\sum_i f(x_{\text{real},i}) +
# \lambda\,\mathrm{GP},
# \qquad
# L_G = -\frac{1}{B}\sum_i f\bigl(G(z_i)\bigr)
# $$
#
# $$
# \mathrm{GP} = \frac{1}{B}\sum_i \bigl(\|\nabla_{\hat{x}} f(\hat{x}_i)\|_2 - 1\bigr)^2,
# \qquad
# \hat{x}_i = \epsilon_i\,x_{\text{real},i} +
# (1 - \epsilon_i)\,x_{\text{fake},i}, \quad \epsilon_i \sim \mathcal{U}[0, 1]
# $$
#
# References: Arjovsky, Chintala & Bottou, 2017, *Wasserstein Generative Adversarial Networks*;
# Gulrajani et al., 2017, *Improved Training of Wasserstein GANs*.

# %% [markdown] lang="zh"
# # 模式坍塌与 WGAN-GP
#
# **库文件：** `src/dlfs/generative/gan.py`（`discriminator_loss`、`nonsaturating_generator_loss`、
# `wgan_critic_loss`、`wgan_generator_loss`、`gradient_penalty`、`ring_mixture`、`mode_coverage`），
# `src/dlfs/models/dcgan.py`（`MLPGenerator`、`MLPCritic`），`src/dlfs/recipes/gan.py`
# （`dlfs train gan --loss wgan-gp`）。测试：`tests/generative/test_gan.py`。
#
# GAN 的生成器只因*当下*骗过判别器而得到奖励。非饱和损失里没有任何一项要求它覆盖真实数据的每一种形
# 态：只要某个区域能骗过 $D$，所有样本都可能挤到那里——这就是**模式坍塌**；等 $D$ 反应过来，
# 它们又集体跳到下一个区域。我们在经典的玩具数据（8 个紧凑高斯组成的圆环）上观察这一现象，
# 然后把同样的网络训练成**带梯度惩罚的 Wasserstein GAN**（WGAN-GP）：评论器（critic）
# $f$ 给样本打分而不是分类（没有 sigmoid），训练目标是 1-Wasserstein 距离的对偶形式，
#
# $$
# W(p_{\text{data}}, p_g) = \sup_{\|f\|_L \le 1}\; \mathbb{E}_{x \sim p_{\text{data}}}[f(x)] -
# \mathbb{E}_{x \sim p_g}[f(x)]
# $$
#
# 并通过在真假样本之间的点 $\hat{x}$ 上惩罚 $(\|\nabla f(\hat{x})\| - 1)^2$，让它接近 1-Lipschitz。
# 各损失都是对大小为 $B$ 的批次取平均：
#
# $$
# L_C = \frac{1}{B}\sum_i f(x_{\text{fake},i}) - \frac{1}{B}\sum_i f(x_{\text{real},i}) +
# \lambda\,\mathrm{GP},
# \qquad
# L_G = -\frac{1}{B}\sum_i f\bigl(G(z_i)\bigr)
# $$
#
# $$
# \mathrm{GP} = \frac{1}{B}\sum_i \bigl(\|\nabla_{\hat{x}} f(\hat{x}_i)\|_2 - 1\bigr)^2,
# \qquad
# \hat{x}_i = \epsilon_i\,x_{\text{real},i} +
# (1 - \epsilon_i)\,x_{\text{fake},i}, \quad \epsilon_i \sim \mathcal{U}[0, 1]
# $$
#
# 参考文献：Arjovsky、Chintala 与 Bottou，2017，*Wasserstein Generative Adversarial Networks*；
# Gulrajani 等，2017，*Improved Training of Wasserstein GANs*。

# %%
import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dlfs.curriculum import lesson_context  # noqa: E402
from dlfs.generative.gan import (  # noqa: E402
    discriminator_loss,
    gradient_penalty,
    mode_coverage,
    nonsaturating_generator_loss,
    ring_centers,
    ring_mixture,
    wgan_critic_loss,
    wgan_generator_loss,
)
from dlfs.models.dcgan import MLPCritic, MLPGenerator  # noqa: E402
from dlfs.optim import Adam  # noqa: E402

ctx = lesson_context("wgan-gp")
torch.set_num_threads(1)   # tiny networks: one thread is fastest on a shared 2-core machine

# %% [markdown]
# ## 1. Eight modes
# Real data: 8 Gaussians with standard deviation 0.02 on a circle of radius 2. A sample counts for a
# mode when it lies within 0.25 of its centre (the neighbours are 1.53 apart); a mode is *covered*
# when at least 10 of 1000 samples are near it.

# %% [markdown] lang="zh"
# ## 1. 八个模式
# 真实数据：半径为 2 的圆上 8 个标准差为 0.02 的高斯。一个样本离某个中心不超过 0.25（相邻中心相距
# 1.53）就算落在该模式上；1000 个样本中至少有 10 个落在某模式上，该模式才算被*覆盖*。

# %%
STD, B, Z_DIM, HIDDEN = 0.02, 64, 16, 64
STEPS = 400                                      # generator steps (both modes)
SNAPSHOTS = 4
centers = ring_centers(8, radius=2.0)           # (8, 2)


def coverage(points):
    return mode_coverage(points, centers, within=0.25, min_count=10)


real = ring_mixture(1000, std=STD, generator=torch.Generator().manual_seed(0))
print("real data:", coverage(real))
assert coverage(real).covered == 8

# %% [markdown]
# ## 2. The same networks, two games
# Both runs use an MLP generator z (16) -> 64 -> 64 -> 2 and an MLP critic 2 -> 64 -> 64 -> 1, Adam
# with lr 2e-3 and betas (0.5, 0.9), batches of 64, the same seed. The non-saturating GAN takes one
# discriminator step per generator step (the usual DCGAN setting); WGAN-GP takes five critic steps,
# as its authors do, with $\lambda = 1$ (`gp_weight`, this toy's scale; the digits recipe uses the
# paper's 10). We keep 4 snapshots of 1000 samples from fixed noise.

# %% [markdown] lang="zh"
# ## 2. 同样的网络，两种博弈
# 两次训练用同样的 MLP 生成器 z (16) -> 64 -> 64 -> 2 和 MLP 评论器 2 -> 64 -> 64 -> 1，
# Adam（lr 2e-3，betas (0.5, 0.9)），批量大小 64，同一个随机种子。非饱和 GAN 每个生成器步做一次判别
# 器更新（DCGAN 的常规做法）；WGAN-GP 按原作者的做法做五次评论器更新，$\lambda = 1$（`gp_weight`，
# 适合这个玩具数据的尺度；数字图像的配方用论文中的 10）。我们用固定噪声保存 4 个快照，
# 每个 1000 个样本。


# %%
def train(loss: str, seed: int = 0, gp_weight: float = 1.0, steps: int = STEPS):
    """Train on the ring for ``steps`` generator steps; return snapshots [(step, samples
    (1000, 2))] and the mean gradient norm ||grad f(x_hat)|| of every critic step (WGAN-GP
    only)."""
    torch.manual_seed(seed)
    rng = torch.Generator().manual_seed(seed + 100)
    G, D = MLPGenerator(Z_DIM, 2, HIDDEN), MLPCritic(2, HIDDEN)
    opt_g = Adam(G.parameters(), lr=2e-3, betas=(0.5, 0.9))
    opt_d = Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.9))
    z_fixed = torch.randn(1000, Z_DIM, generator=torch.Generator().manual_seed(9))
    snapshots, norms = [], []
    for step in range(1, steps + 1):
        for _ in range(5 if loss == "wgan-gp" else 1):
            x_real = ring_mixture(B, std=STD, generator=rng)                  # (B, 2)
            with torch.no_grad():
                x_fake = G(torch.randn(B, Z_DIM, generator=rng))              # (B, 2)
            if loss == "wgan-gp":
                gp, grad_norm = gradient_penalty(D, x_real, x_fake, return_norm=True)
                loss_d = wgan_critic_loss(D(x_real), D(x_fake)) + gp_weight * gp
                norms.append(grad_norm.mean().item())
            else:
                loss_d = discriminator_loss(D(x_real), D(x_fake))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        d_fake = D(G(torch.randn(B, Z_DIM, generator=rng)))
        loss_g = wgan_generator_loss(d_fake) if loss == "wgan-gp" else \
            nonsaturating_generator_loss(d_fake)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        if step % (steps // SNAPSHOTS) == 0:
            with torch.no_grad():
                snapshots.append((step, G(z_fixed)))
    return snapshots, norms


runs = {loss: train(loss) for loss in ("ns", "wgan-gp")}
for loss, (snapshots, _) in runs.items():
    print(f"{loss:>8}: modes covered at steps "
          + ", ".join(f"{s}: {coverage(x).covered}/8" for s, x in snapshots))

# %% [markdown]
# For its first 400 steps the non-saturating GAN keeps its samples in one clump on one or two modes;
# WGAN-GP spreads them over the ring in the same 400 steps. Full mode repeats this with two more
# seeds, then continues the non-saturating run to 2000 steps: collapse on this toy is a long phase,
# not a final state — in our run the discriminator had pushed the clump over all 8 modes by step
# 1000. What WGAN-GP removes is that long, seed-dependent detour.

# %% [markdown] lang="zh"
# 在前 400 步里，非饱和 GAN 的样本一直抱成一团，只停在一两个模式上；同样的 400 步里 WGAN-GP 已经把样
# 本铺满整个圆环。完整模式再用两个随机种子重复这个实验，然后把非饱和 GAN 继续训练到 2000 步：
# 在这个玩具数据上，坍塌是一个漫长的阶段，而不是最终状态——在我们的运行中，到第 1000 步判别器已经把这
# 一团推散到全部 8 个模式上。WGAN-GP 省掉的，正是这段漫长且依赖种子的弯路。

# %%
ns_final = coverage(runs["ns"][0][-1][1])
wgan_final = coverage(runs["wgan-gp"][0][-1][1])
print(f"final: non-saturating covers {ns_final.covered}/8 {ns_final.counts}, "
      f"WGAN-GP {wgan_final.covered}/8 {wgan_final.counts}")
assert max(coverage(x).covered for _, x in runs["ns"][0]) <= 3, "the NS GAN did not collapse"
assert wgan_final.covered >= 7, "WGAN-GP should cover (nearly) every mode"
if not ctx.quick:
    for seed in (1, 2):
        ns_seed, wgan_seed = (coverage(train(loss, seed)[0][-1][1]).covered
                              for loss in ("ns", "wgan-gp"))
        print(f"seed {seed}: non-saturating {ns_seed}/8, WGAN-GP {wgan_seed}/8")
        assert ns_seed <= 3 and wgan_seed >= 7
    long_run, _ = train("ns", steps=2000)
    print("non-saturating, continued to 2000 steps: modes covered at steps "
          + ", ".join(f"{s}: {coverage(x).covered}/8" for s, x in long_run))
    assert coverage(long_run[-1][1]).covered > ns_final.covered   # it does spread, later

# %%
fig, axes = plt.subplots(2, SNAPSHOTS, figsize=(3 * SNAPSHOTS, 6), sharex=True, sharey=True)
for row, (loss, (snapshots, _)) in zip(axes, runs.items()):
    for ax, (step, x) in zip(row, snapshots):
        ax.scatter(*real.T, s=2, c="0.7")
        ax.scatter(*x.T, s=2, c="tab:red" if loss == "ns" else "tab:blue")
        ax.set_title(f"{loss}, step {step}: {coverage(x).covered}/8 modes", fontsize=9)
        ax.set_xlim(-3, 3)
        ax.set_ylim(-3, 3)
        ax.set_aspect("equal")
ctx.savefig(fig, "ring_through_training.png")

# %% [markdown]
# ## 3. The gradient norm the penalty asks for
# The penalty pulls $\|\nabla f(\hat{x})\|$ towards 1 on the interpolates, but it is a soft
# constraint: the critic trades it against the gap of its scores. For a critic of slope $s$ across
# real and fake samples a distance $d$ apart, the gap gains $s\,d$ and the penalty costs
# $\lambda (s - 1)^2$; the critic maximises their difference, which balances at
#
# $$
# \frac{\partial}{\partial s}\Bigl[s\,d - \lambda (s - 1)^2\Bigr] = 0
# \quad\Longrightarrow\quad
# s = 1 + \frac{d}{2\lambda}
# $$
#
# On the ring $d$ is about 2 at the start and shrinks as the generator learns, so with $\lambda = 1$
# the norm settles a little above 1. To see both effects, train a critic alone against a fixed
# (untrained) generator for $\lambda = 0$, 1 and 10: without the penalty nothing bounds its slope.

# %% [markdown] lang="zh"
# ## 3. 惩罚项要求的梯度范数
# 惩罚项把插值点上的 $\|\nabla f(\hat{x})\|$ 拉向 1，但它是软约束：评论器会拿它与真假分数的差距做权
# 衡。设评论器在相距 $d$ 的真假样本之间斜率为 $s$，分数差得到 $s\,d$，惩罚付出 $\lambda (s - 1)^2$；
# 评论器最大化二者之差，平衡点在
#
# $$
# \frac{\partial}{\partial s}\Bigl[s\,d - \lambda (s - 1)^2\Bigr] = 0
# \quad\Longrightarrow\quad
# s = 1 + \frac{d}{2\lambda}
# $$
#
# 圆环上一开始 $d$ 约为 2，随着生成器学习而缩小，所以 $\lambda = 1$ 时范数最终略高于 1。
# 为了看清这两点，让一个评论器单独对抗一个固定（未训练）的生成器，分别取 $\lambda = 0$、1、10：
# 没有惩罚时，它的斜率不受任何约束。

# %%
norms = runs["wgan-gp"][1]
second_half = sum(norms[len(norms) // 2:]) / (len(norms) - len(norms) // 2)
print(f"WGAN-GP (lambda 1): mean ||grad f(x_hat)|| over the second half of training: "
      f"{second_half:.2f}")
assert 0.7 < second_half < 1.5


def critic_alone(gp_weight: float, steps: int = 150) -> float:
    """Train only the critic for ``steps`` against a fixed generator; final mean norm."""
    torch.manual_seed(3)
    rng = torch.Generator().manual_seed(4)
    G, D = MLPGenerator(Z_DIM, 2, HIDDEN), MLPCritic(2, HIDDEN)
    opt = Adam(D.parameters(), lr=2e-3, betas=(0.5, 0.9))
    for _ in range(steps):
        x_real = ring_mixture(B, std=STD, generator=rng)
        with torch.no_grad():
            x_fake = G(torch.randn(B, Z_DIM, generator=rng))
        gp, grad_norm = gradient_penalty(D, x_real, x_fake, return_norm=True)
        loss = wgan_critic_loss(D(x_real), D(x_fake)) + gp_weight * gp
        opt.zero_grad()
        loss.backward()
        opt.step()
    return grad_norm.mean().item()


alone = {lam: critic_alone(lam) for lam in (0.0, 1.0, 10.0)}
print("critic alone, 150 steps: ||grad f(x_hat)|| = "
      + ", ".join(f"{v:.2f} (lambda {lam:g})" for lam, v in alone.items()))
assert alone[0.0] > 10 * alone[10.0], "without the penalty the slope should run away"
assert alone[1.0] > alone[10.0] and abs(alone[10.0] - 1) < 0.25

# %% [markdown]
# ## 4. Next
# When you write the penalty yourself (the exercise below): one $\epsilon$ per sample, the norm (not
# its square) minus one, and `create_graph=True`, without which the penalty is a constant to the
# optimizer and never trains the critic. Then train WGAN-GP on the digits:
# `dlfs train gan --loss wgan-gp` (TensorBoard shows `gp/grad_norm` beside both losses).

# %% [markdown] lang="zh"
# ## 4. 接下来
# 自己实现梯度惩罚时（见下面的练习）：每个样本一个 $\epsilon$，用范数（不是范数的平方）减一，
# 并且要 `create_graph=True`——否则惩罚项对优化器来说只是个常数，永远训练不到评论器。
# 然后在数字图像上训练 WGAN-GP：`dlfs train gan --loss wgan-gp`（TensorBoard 中 `gp/grad_norm` 与两
# 个损失并列显示）。
