# %% [markdown]
# # Probability and statistics: sampling, the law of large numbers, Bayes' rule, the noise of SGD — 概率与统计：抽样、大数定律、贝叶斯公式与 SGD 的噪声
#
# **Library files:** `src/dlfs/data/sampler.py` (`RandomSampler`: the shuffle behind every
# mini-batch), `src/dlfs/data/loader.py` (`DataLoader`). Related lessons: `optimizers`
# (what SGD does with the noisy gradient), `memory-batch-size` (choosing `B`).
#
# Deep learning leans on probability in two places: models output distributions (a softmax
# is a categorical distribution), and training estimates the gradient of an average over
# the whole data set from a small random sample. We draw samples, watch an estimate
# converge as the law of large numbers promises (and measure how fast: $1 / \sqrt{n}$), work
# a Bayes' rule example by formula and by simulation, and end with expectation and
# variance: a mini-batch gradient is an unbiased estimate whose variance falls as $1 / B$.

# %% [markdown] lang="zh"
# # 概率与统计：抽样、大数定律、贝叶斯公式与 SGD 的噪声
#
# **库文件：** `src/dlfs/data/sampler.py`（`RandomSampler`：每个小批量背后的随机打乱），
# `src/dlfs/data/loader.py`（`DataLoader`）。相关课程：`optimizers`（SGD 如何利用带噪声的梯度）、
# `memory-batch-size`（如何选 `B`）。
#
# 深度学习在两处依赖概率：模型输出的是分布（softmax 就是一个类别分布）；训练时，用一个小的随机样本去
# 估计整个数据集上平均损失的梯度。本课先抽样，看估计值如何按大数定律收敛（并测出收敛速度：
# $1 / \sqrt{n}$），再用公式和模拟两种方法算一个贝叶斯公式的例子，最后讲期望与方差：小批量梯度是一个
# 无偏估计，它的方差按 $1 / B$ 下降。

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader, TensorDataset

ctx = lesson_context("prelim-probability")
g = torch.Generator().manual_seed(0)

# %% [markdown]
# ## 1. Sampling and the law of large numbers
# Roll a fair die $n$ times; the fraction of ones, $\hat p$, estimates $p = 1/6$. The law of
# large numbers says $\hat p \to p$ as $n$ grows. How fast? $\hat p$ is a mean of $n$
# independent 0/1 draws, so its standard deviation is $\sqrt{p (1 - p) / n}$: ten times
# more rolls buy only about three times ($\sqrt{10}$) less error. We measure the
# mean error over 400 repeated experiments for each $n$ and fit the slope on a log–log
# scale. For large $n$, $\hat p$ is close to normal, and the mean absolute error of a normal
# variable is $\sqrt{2 / \pi}$ times its standard deviation; with $p (1 - p) = 5/36$ the
# code's prediction is
#
# $$
# \mathbb{E} |\hat p - p| \approx \sqrt{\frac{2}{\pi}} \sqrt{\frac{5/36}{n}}
# $$

# %% [markdown] lang="zh"
# ## 1. 抽样与大数定律
# 把一个均匀的骰子掷 $n$ 次，出现 1 的比例 $\hat p$ 是 $p = 1/6$ 的估计。大数定律说 $n$ 增大时
# $\hat p \to p$。有多快？$\hat p$ 是 $n$ 个独立的 0/1 结果的平均，它的标准差是
# $\sqrt{p (1 - p) / n}$：掷的次数多十倍，误差只小约三倍（$\sqrt{10}$）。对每个 $n$ 重复实验
# 400 次，测出平均误差，再在对数坐标上拟合斜率。$n$ 较大时 $\hat p$ 近似服从正态分布，
# 而正态变量的平均绝对误差是其标准差的 $\sqrt{2 / \pi}$ 倍；代入 $p (1 - p) = 5/36$，代码给出的预测是
#
# $$
# \mathbb{E} |\hat p - p| \approx \sqrt{\frac{2}{\pi}} \sqrt{\frac{5/36}{n}}
# $$

# %%
rolls = torch.multinomial(torch.ones(6) / 6, 10_000, replacement=True, generator=g)  # (10000,)
counts = torch.nn.functional.one_hot(rolls, 6).cumsum(0).double()                   # (n, 6)
running = counts / torch.arange(1, len(rolls) + 1, dtype=torch.float64)[:, None]
print("after 10,000 rolls:", [f"{p:.3f}" for p in running[-1].tolist()], "(each -> 0.167)")
assert (running[-1] - 1 / 6).abs().max() < 0.015

repeats, ns = 400, [10, 100, 1000, 10000]
mean_error = []
for n in ns:
    ones = (torch.randint(0, 6, (repeats, n), generator=g) == 0).double()         # (R, n)
    mean_error.append((ones.mean(1) - 1 / 6).abs().mean().item())
slope = np.polyfit(np.log(ns), np.log(mean_error), 1)[0]
# E|p_hat - p| for a normal p_hat: sqrt(2 / pi) * its standard deviation
predicted = [math.sqrt(2 / math.pi) * math.sqrt(5 / 36 / n) for n in ns]
for n, e, pr in zip(ns, mean_error, predicted):
    print(f"n={n:6d}: mean |p_hat - 1/6| = {e:.4f} (predicted {pr:.4f})")
print(f"error ~ n^{slope:.2f} (predicted -0.5; the normal approximation is rough at n = 10)")
assert abs(slope + 0.5) < 0.08
assert all(abs(e / pr - 1) < 0.2 for e, pr in zip(mean_error[1:], predicted[1:]))

# %% [markdown]
# ## 2. Bayes' rule, worked
# A condition affects 1 % of people. A test finds it in 95 % of those who have it
# ($P(+ \mid D) = 0.95$) and wrongly flags 5 % of those who do not
# ($P(+ \mid \neg D) = 0.05$). Someone tests positive: how likely is it that they have it?
# (`posterior` computes exactly this.)
#
# $$
# P(D \mid +) = \frac{P(+ \mid D) P(D)}{P(+)}, \qquad
# P(+) = P(+ \mid D) P(D) + P(+ \mid \neg D) P(\neg D)
# $$
#
# $$
# P(D \mid +) = \frac{0.95 \times 0.01}{0.95 \times 0.01 + 0.05 \times 0.99} \approx 0.161
# $$
#
# Only about 16 %: among 10,000 people, 95 true positives meet 495 false ones. A second,
# independent test ($P(+ \mid D) = 0.98$, $P(+ \mid \neg D) = 0.03$) starts from 16 % as its
# prior; two positives give 86 %. We check both numbers by simulating a million people.

# %% [markdown] lang="zh"
# ## 2. 贝叶斯公式的一个算例
# 某种病的患病率是 1 %。检测能查出 95 % 的患者（$P(+ \mid D) = 0.95$），又会把 5 % 的健康人误判为
# 阳性（$P(+ \mid \neg D) = 0.05$）。一个人检测阳性，他真的患病的概率是多少？（`posterior` 算的正是
# 这个。）
#
# $$
# P(D \mid +) = \frac{P(+ \mid D) P(D)}{P(+)}, \qquad
# P(+) = P(+ \mid D) P(D) + P(+ \mid \neg D) P(\neg D)
# $$
#
# $$
# P(D \mid +) = \frac{0.95 \times 0.01}{0.95 \times 0.01 + 0.05 \times 0.99} \approx 0.161
# $$
#
# 只有约 16 %：一万人里，95 个真阳性碰上了 495 个假阳性。第二次独立检测（$P(+ \mid D) = 0.98$、
# $P(+ \mid \neg D) = 0.03$）以 16 % 为先验；两次都阳性，概率升到 86 %。下面模拟一百万人来核对这两个数。


# %%
def posterior(prior: float, p_pos_d: float, p_pos_not_d: float) -> float:
    evidence = p_pos_d * prior + p_pos_not_d * (1 - prior)       # P(+)
    return p_pos_d * prior / evidence


after_one = posterior(0.01, 0.95, 0.05)
after_two = posterior(after_one, 0.98, 0.03)
people = 1_000_000
sick = torch.rand(people, generator=g) < 0.01
test1 = torch.where(sick, torch.rand(people, generator=g) < 0.95,
                    torch.rand(people, generator=g) < 0.05)
test2 = torch.where(sick, torch.rand(people, generator=g) < 0.98,
                    torch.rand(people, generator=g) < 0.03)
sim_one = sick[test1].double().mean().item()
sim_two = sick[test1 & test2].double().mean().item()
print(f"P(D | +)    = {after_one:.3f} by Bayes' rule, {sim_one:.3f} simulated")
print(f"P(D | +, +) = {after_two:.3f} by Bayes' rule, {sim_two:.3f} simulated")
assert abs(after_one - 0.161) < 1e-3 and abs(sim_one - after_one) < 0.01
assert abs(after_two - 0.862) < 1e-3 and abs(sim_two - after_two) < 0.02

# %% [markdown]
# ## 3. Expectation and variance
#
# $$
# \mathbb{E}[X] = \sum_x x P(x), \qquad
# \mathrm{Var}[X] = \mathbb{E}\big[(X - \mathbb{E}[X])^2\big] = \mathbb{E}[X^2] - \mathbb{E}[X]^2
# $$
#
# For a die, $\mathbb{E}[X] = 3.5$ and $\mathrm{Var}[X] = 35/12$ (`expectation`,
# `variance`). The mean $\bar X_n$ of $n$ independent draws has the same expectation and
# $1/n$ of the variance, $\mathrm{Var}[\bar X_n] = \mathrm{Var}[X] / n$ — the law of large
# numbers again, now as a formula.

# %% [markdown] lang="zh"
# ## 3. 期望与方差
#
# $$
# \mathbb{E}[X] = \sum_x x P(x), \qquad
# \mathrm{Var}[X] = \mathbb{E}\big[(X - \mathbb{E}[X])^2\big] = \mathbb{E}[X^2] - \mathbb{E}[X]^2
# $$
#
# 骰子的 $\mathbb{E}[X] = 3.5$，$\mathrm{Var}[X] = 35/12$（`expectation`、`variance`）。$n$ 个独立样本的
# 均值 $\bar X_n$ 期望不变，方差只剩 $1/n$，即 $\mathrm{Var}[\bar X_n] = \mathrm{Var}[X] / n$——又是
# 大数定律，这回写成了公式。

# %%
faces = torch.arange(1, 7, dtype=torch.float64)
expectation = (faces / 6).sum().item()
variance = ((faces - expectation) ** 2 / 6).sum().item()
draws = (torch.randint(1, 7, (20_000, 10), generator=g)).double()           # (R, n=10)
print(f"E[X] = {expectation}, Var[X] = {variance:.4f}; sample: {draws.mean():.3f}, "
      f"{draws.var():.4f}; variance of a mean of 10: {draws.mean(1).var():.4f} "
      f"(predicted {variance / 10:.4f})")
assert expectation == 3.5 and abs(variance - 35 / 12) < 1e-12
assert abs(draws.mean(1).var().item() / (variance / 10) - 1) < 0.05

# %% [markdown]
# ## 4. The noise of SGD: mini-batch gradients
# The loss is an average over $N$ examples, so its gradient is the average of the
# per-example gradients $g_i$. A mini-batch $\mathcal{B}$ of $B$ examples drawn at random
# gives an **unbiased** estimate $g_B$:
#
# $$
# L(w) = \frac{1}{N} \sum_{i=1}^{N} \ell_i(w), \qquad
# g_B = \frac{1}{B} \sum_{i \in \mathcal{B}} g_i, \qquad
# \mathbb{E}[g_B] = \nabla L
# $$
#
# Its noise is measured by $\mathbb{E} \lVert g_B - \nabla L \rVert^2$. With examples drawn
# independently (with replacement) it is
#
# $$
# \mathbb{E} \lVert g_B - \nabla L \rVert^2 = \frac{\mathrm{tr}(\Sigma)}{B}, \qquad
# \Sigma = \frac{1}{N} \sum_{i=1}^{N} (g_i - \nabla L)(g_i - \nabla L)^\top
# $$
#
# where $\Sigma$ is the covariance of the $g_i$, so
# $\mathrm{tr}(\Sigma) = \frac{1}{N} \sum_i \lVert g_i - \nabla L \rVert^2$ (`trace_sigma`).
# A `DataLoader` draws without replacement, which multiplies that by $(N - B) / (N - 1)$
# (zero for the full batch). Quadrupling the batch halves the noise's standard deviation
# $\sqrt{\mathrm{tr}(\Sigma) / B}$ — one reason a larger batch tolerates a larger learning
# rate.
#
# We take a linear regression with $N = 1000$ examples, fix $w$, compute every $g_i$
# (`per_example`),
#
# $$
# \ell_i(w) = (x_i^\top w - y_i)^2, \qquad g_i = 2 (x_i^\top w - y_i) x_i
# $$
#
# and measure the noise of 2000 mini-batches for each $B$ up to 16, 400 above.

# %% [markdown] lang="zh"
# ## 4. SGD 的噪声：小批量梯度
# 损失是 $N$ 个样本的平均，所以它的梯度是逐样本梯度 $g_i$ 的平均。随机抽 $B$ 个样本组成的小批量
# $\mathcal{B}$ 给出一个**无偏**估计 $g_B$：
#
# $$
# L(w) = \frac{1}{N} \sum_{i=1}^{N} \ell_i(w), \qquad
# g_B = \frac{1}{B} \sum_{i \in \mathcal{B}} g_i, \qquad
# \mathbb{E}[g_B] = \nabla L
# $$
#
# 它的噪声用 $\mathbb{E} \lVert g_B - \nabla L \rVert^2$ 衡量。样本独立抽取（有放回）时，噪声是
#
# $$
# \mathbb{E} \lVert g_B - \nabla L \rVert^2 = \frac{\mathrm{tr}(\Sigma)}{B}, \qquad
# \Sigma = \frac{1}{N} \sum_{i=1}^{N} (g_i - \nabla L)(g_i - \nabla L)^\top
# $$
#
# 其中 $\Sigma$ 是 $g_i$ 的协方差，于是
# $\mathrm{tr}(\Sigma) = \frac{1}{N} \sum_i \lVert g_i - \nabla L \rVert^2$（`trace_sigma`）。
# `DataLoader` 是无放回地抽，要再乘以 $(N - B) / (N - 1)$（全批量时为零）。批量大四倍，噪声的标准差
# $\sqrt{\mathrm{tr}(\Sigma) / B}$ 减半——这也是大批量能承受更大学习率的原因之一。
#
# 取一个 $N = 1000$ 的线性回归，固定 $w$，算出每个 $g_i$（`per_example`）：
#
# $$
# \ell_i(w) = (x_i^\top w - y_i)^2, \qquad g_i = 2 (x_i^\top w - y_i) x_i
# $$
#
# 再对每个 $B$ 测小批量的噪声（$B$ 不超过 16 时抽 2000 个小批量，更大时抽 400 个）。

# %%
N, d = 1000, 5
X = torch.randn(N, d, generator=g, dtype=torch.float64)
y = X @ torch.randn(d, generator=g, dtype=torch.float64) + 0.5 * torch.randn(
    N, generator=g, dtype=torch.float64)
w = torch.zeros(d, dtype=torch.float64, requires_grad=True)
per_example = 2 * (X @ w - y).detach()[:, None] * X                        # (N, d) g_i
full = per_example.mean(0)                                                  # grad L
loss = ((X @ w - y) ** 2).mean()
torch.testing.assert_close(full, torch.autograd.grad(loss, w)[0])          # mean of the g_i
trace_sigma = ((per_example - full) ** 2).sum(1).mean().item()             # tr(Sigma)

batches = [1, 4, 16, 64, 256, 1000]
with_repl, without_repl = [], []
for b in batches:
    draws = 2000 if b <= 16 else 400      # a mean of many g_i: fewer draws pin it down
    idx = torch.randint(0, N, (draws, b), generator=g)                      # with replacement
    with_repl.append(((per_example[idx].mean(1) - full) ** 2).sum(1).mean().item())
    idx = torch.rand(draws, N, generator=g).topk(b, dim=1).indices         # without
    without_repl.append(((per_example[idx].mean(1) - full) ** 2).sum(1).mean().item())
print(f"tr(Sigma) = {trace_sigma:.3f}")
print("   B   E||g_B - g||^2 with repl. (pred. tr/B)   without repl. (pred. x (N-B)/(N-1))")
for b, v1, v2 in zip(batches, with_repl, without_repl):
    p1, p2 = trace_sigma / b, trace_sigma / b * (N - b) / (N - 1)
    print(f"{b:5d}   {v1:9.4f} ({p1:7.4f})                 {v2:9.4f} ({p2:7.4f})")
    assert abs(v1 / p1 - 1) < 0.15
    assert (abs(v2 / p2 - 1) < 0.15) if b < N else v2 < 1e-20

# %% [markdown]
# The `DataLoader` itself: one epoch of shuffled batches of 50 covers every example once, so
# the mean of its 20 batch gradients is exactly the full gradient (no leftover noise over an
# epoch), while each single batch's gradient is off by the predicted amount on average,
# $\mathrm{tr}(\Sigma) / 50 \cdot (N - 50) / (N - 1)$ (measured over 10 epochs, 200
# batches).

# %% [markdown] lang="zh"
# 再看 `DataLoader` 本身：一个 epoch 里打乱后大小为 50 的批次恰好把每个样本用一次，所以这 20 个批次
# 梯度的平均正好等于全量梯度（一个 epoch 下来没有剩余噪声）；而单个批次的梯度平均偏离的大小正如预测，
# 为 $\mathrm{tr}(\Sigma) / 50 \cdot (N - 50) / (N - 1)$（在 10 个 epoch、200 个批次上测量）。

# %%
loader = DataLoader(TensorDataset(torch.arange(N)), batch_size=50, shuffle=True,
                    generator=torch.Generator().manual_seed(1))
epochs = [torch.stack([per_example[i].mean(0) for (i,) in loader]) for _ in range(10)]
for batch_grads in epochs:                                                 # (20, d) each
    torch.testing.assert_close(batch_grads.mean(0), full)
noise = torch.cat([((bg - full) ** 2).sum(1) for bg in epochs]).mean().item()
predicted_50 = trace_sigma / 50 * (N - 50) / (N - 1)
print(f"DataLoader, B=50: each epoch's mean batch gradient == the full gradient; "
      f"noise per batch {noise:.3f} (predicted {predicted_50:.3f})")
assert abs(noise / predicted_50 - 1) < 0.25

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
shown = np.unique(np.logspace(0, 4, 300).astype(int)) - 1      # 300 log-spaced points
for face in range(6):
    axes[0].semilogx(shown + 1, running[shown, face].numpy(), lw=1, label=f"P({face + 1})")
axes[0].axhline(1 / 6, color="k", ls=":")
axes[0].set_xlabel("rolls")
axes[0].set_ylabel("estimated probability")
axes[0].set_title("the law of large numbers")
axes[0].legend(fontsize=7, ncol=2)
axes[1].loglog(batches[:-1], with_repl[:-1], "o", label="measured, with replacement")
axes[1].loglog(batches[:-1], without_repl[:-1], "s", mfc="none", label="measured, DataLoader-style")
axes[1].loglog(batches[:-1], [trace_sigma / b for b in batches[:-1]], "k:",
               label="tr(Sigma) / B")
axes[1].set_xlabel("batch size B")
axes[1].set_ylabel("E ||g_B - grad L||^2")
axes[1].set_title("mini-batch gradient noise")
axes[1].legend(fontsize=7)
ctx.savefig(fig, "lln_and_sgd_noise.png")
