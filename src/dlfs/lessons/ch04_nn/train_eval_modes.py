# %% [markdown]
# # Side effects of train/eval mode: Dropout and BatchNorm — Train/Eval 模式的副作用
#
# **Library files:** `src/dlfs/nn/functional/dropout.py` (inverted dropout),
# `src/dlfs/nn/functional/normalization.py` and `src/dlfs/nn/normalization.py` (BatchNorm with
# running statistics); parity in `tests/nn/test_nn_dropout.py` and
# `tests/nn/test_nn_normalization.py`.
#
# `model.train()` and `model.eval()` change nothing but a flag, `module.training`, on every
# submodule. Two layers read it:
#
# - **Dropout** zeroes a random fraction `p` of its input while training and scales the rest by
#   `1 / (1 - p)`; in eval mode it is the identity.
# - **BatchNorm** normalizes with the statistics of the *current batch* while training, and
#   quietly updates its running estimates as a side effect; in eval mode it uses those running
#   estimates and changes nothing.
#
# Forgetting `model.eval()` before validation is a classic bug: the numbers come out noisy,
# batch-size dependent, and the running statistics drift on the validation data.

# %% [markdown] lang="zh"
# # Train/Eval 模式的副作用：Dropout 与 BatchNorm
#
# **库文件：** `src/dlfs/nn/functional/dropout.py`（反向缩放的 inverted dropout）、
# `src/dlfs/nn/functional/normalization.py` 和 `src/dlfs/nn/normalization.py`（带滑动统计量的
# BatchNorm）；一致性测试见 `tests/nn/test_nn_dropout.py` 和 `tests/nn/test_nn_normalization.py`。
#
# `model.train()` 和 `model.eval()` 只改变每个子模块上的一个标志 `module.training`，别的什么也
# 不改。有两种层会读取它：
#
# - **Dropout** 在训练时把输入中随机的 `p` 比例置零，其余的乘以 `1 / (1 - p)`；在 eval 模式
#   下它就是恒等映射。
# - **BatchNorm** 在训练时用*当前批次*的统计量做归一化，同时悄悄地更新它的滑动估计值，这是
#   一个副作用；在 eval 模式下它使用这些滑动估计值，并且什么都不改变。
#
# 验证前忘了调用 `model.eval()` 是一个经典 bug：得到的数字带噪声、依赖批量大小，而且滑动统计量
# 会朝验证数据漂移。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
from dlfs.curriculum import lesson_context

ctx = lesson_context("train-eval-modes")
torch.manual_seed(0)

# %% [markdown]
# ## 1. Dropout: random in training, the identity in eval
# Inverted dropout keeps the *expected* activation unchanged: `E[y] = (1-p) * x / (1-p) = x`.
#
# $$
# y = \frac{m \odot x}{1 - p}, \qquad m_i \sim \mathrm{Bernoulli}(1 - p), \qquad
# \mathbb{E}[y_i] = (1 - p)\,\frac{x_i}{1 - p} = x_i
# $$

# %% [markdown] lang="zh"
# ## 1. Dropout：训练时随机，eval 时是恒等映射
# 反向缩放的 dropout（inverted dropout）保持激活值的*期望*不变：
# `E[y] = (1-p) * x / (1-p) = x`。
#
# $$
# y = \frac{m \odot x}{1 - p}, \qquad m_i \sim \mathrm{Bernoulli}(1 - p), \qquad
# \mathbb{E}[y_i] = (1 - p)\,\frac{x_i}{1 - p} = x_i
# $$

# %%
p = 0.25
drop = nn.Dropout(p)
x = torch.ones(4, 8)
y_train = drop(x)  # a fresh module is in training mode
print("training:", drop.training)
print(y_train)
kept = y_train != 0
assert torch.allclose(y_train[kept], torch.full_like(y_train[kept], 1 / (1 - p)))
print(f"survivors are scaled to 1/(1-p) = {1 / (1 - p):.4f}")

drop.eval()
y_eval = drop(x)
assert y_eval is x  # not even a copy
print("eval mode: output is the input itself:", y_eval is x)

# %%
n = 20_000 if ctx.quick else 200_000
big = torch.ones(n)
drop.train()
fractions = [(drop(big) == 0).float().mean().item() for _ in range(20)]
means = [drop(big).mean().item() for _ in range(20)]
print(f"fraction zeroed over 20 calls: {min(fractions):.4f} .. {max(fractions):.4f} (p = {p})")
print(f"mean of the output: {min(means):.4f} .. {max(means):.4f} (input mean 1)")
assert all(abs(f - p) < 0.02 for f in fractions)
assert all(abs(m - 1) < 0.03 for m in means)

# %% [markdown]
# ## 2. BatchNorm in training mode: batch statistics, and a side effect
# In training mode each channel is normalized with the mean $\mu_B$ and the (biased) variance
# $\sigma_B^2$ of the current batch of $n$ values, then scaled by `weight` $\gamma$ and
# shifted by `bias` $\beta$:
#
# $$
# y = \gamma\, \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta
# $$
#
# The running statistics start at mean 0 and variance 1, and after each training batch move a
# fraction `momentum` of the way towards the batch's mean and *unbiased* variance:
#
# $$
# \begin{aligned}
# \mathrm{running\_mean} &\leftarrow (1 - \mathrm{momentum})\, \mathrm{running\_mean}
# + \mathrm{momentum}\, \mu_B \\
# \mathrm{running\_var} &\leftarrow (1 - \mathrm{momentum})\, \mathrm{running\_var}
# + \mathrm{momentum}\, \frac{n}{n - 1}\, \sigma_B^2
# \end{aligned}
# $$
#
# Ioffe & Szegedy, 2015, *Batch Normalization: Accelerating Deep Network Training by Reducing
# Internal Covariate Shift*.

# %% [markdown] lang="zh"
# ## 2. 训练模式下的 BatchNorm：批次统计量，以及一个副作用
# 训练模式下，每个通道用当前批次 $n$ 个值的均值 $\mu_B$ 和（有偏）方差 $\sigma_B^2$ 做归一化，
# 再乘以 `weight` $\gamma$、加上 `bias` $\beta$：
#
# $$
# y = \gamma\, \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta
# $$
#
# 滑动统计量从均值 0、方差 1 开始，每个训练批次之后都朝该批次的均值和*无偏*方差移动
# `momentum` 那么大比例的距离：
#
# $$
# \begin{aligned}
# \mathrm{running\_mean} &\leftarrow (1 - \mathrm{momentum})\, \mathrm{running\_mean}
# + \mathrm{momentum}\, \mu_B \\
# \mathrm{running\_var} &\leftarrow (1 - \mathrm{momentum})\, \mathrm{running\_var}
# + \mathrm{momentum}\, \frac{n}{n - 1}\, \sigma_B^2
# \end{aligned}
# $$
#
# 参考文献：Ioffe & Szegedy, 2015, *Batch Normalization: Accelerating Deep Network Training by
# Reducing Internal Covariate Shift*。

# %%
bn = nn.BatchNorm1d(3, momentum=0.1)
print(bn)
print("running_mean", bn.running_mean, "running_var", bn.running_var)
true_mean = torch.tensor([5.0, -2.0, 0.0])
true_std = torch.tensor([2.0, 0.5, 1.0])

history = []
steps = 60 if ctx.quick else 200
for _ in range(steps):
    batch = true_mean + true_std * torch.randn(32, 3)
    expected_mean = 0.9 * bn.running_mean + 0.1 * batch.mean(0)
    out = bn(batch)
    assert torch.allclose(bn.running_mean, expected_mean, atol=1e-6)
    assert torch.allclose(out.mean(0), torch.zeros(3), atol=1e-5)  # batch statistics used
    history.append(bn.running_mean.clone())
print(f"after {steps} training batches: running_mean {bn.running_mean}")
print(f"                         running_var  {bn.running_var}")
print("num_batches_tracked", int(bn.num_batches_tracked))
assert int(bn.num_batches_tracked) == steps
assert torch.allclose(bn.running_mean, true_mean, atol=0.5)
assert torch.allclose(bn.running_var.sqrt(), true_std, rtol=0.25)

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
h = torch.stack(history)
for c in range(3):
    ax.plot(h[:, c], label=f"channel {c}")
    ax.axhline(true_mean[c], ls=":", color=f"C{c}")
ax.set_xlabel("training batch")
ax.set_ylabel("running_mean")
ax.set_title("BatchNorm running mean approaches the data mean (momentum 0.1)")
ax.legend()
ctx.savefig(fig, "running_mean.png")

# %% [markdown]
# ## 3. BatchNorm in eval mode: a fixed affine map
# In eval mode the output no longer depends on the other samples of the batch, a single
# sample works, and nothing is updated:
#
# $$
# y = \frac{x - \mathrm{running\_mean}}{\sqrt{\mathrm{running\_var} + \epsilon}}\, \gamma + \beta
# $$

# %% [markdown] lang="zh"
# ## 3. eval 模式下的 BatchNorm：一个固定的仿射映射
# 在 eval 模式下，输出不再依赖同一批次中的其他样本，单个样本也能处理，而且什么都不会被更新：
#
# $$
# y = \frac{x - \mathrm{running\_mean}}{\sqrt{\mathrm{running\_var} + \epsilon}}\, \gamma + \beta
# $$

# %%
bn.eval()
before = bn.running_mean.clone(), bn.running_var.clone(), int(bn.num_batches_tracked)
sample = torch.tensor([[7.0, -2.5, 1.0]])
alone = bn(sample)
in_batch = bn(torch.cat([sample, 100 * torch.randn(5, 3)]))[:1]
assert torch.allclose(alone, in_batch)
manual = (sample - bn.running_mean) / torch.sqrt(bn.running_var + bn.eps) * bn.weight + bn.bias
assert torch.allclose(alone, manual, atol=1e-6)
after = bn.running_mean, bn.running_var, int(bn.num_batches_tracked)
assert torch.equal(before[0], after[0]) and torch.equal(before[1], after[1])
assert before[2] == after[2]
print("eval output of one sample:", alone.detach())
print("same sample inside a wild batch:", in_batch.detach(), "(identical)")

# %% [markdown]
# ## 4. The bug: validating in training mode
# Run the "validation set" through the model while it is still in training mode: each output
# depends on which other samples share its batch, and the running statistics drift toward the
# validation data.

# %% [markdown] lang="zh"
# ## 4. 这个 bug：在训练模式下做验证
# 在模型仍处于训练模式时把“验证集”送进去：每个输出都取决于同一批次里还有哪些样本，而且滑动
# 统计量会朝验证数据漂移。

# %%
bn.train()
settled = bn.running_mean.clone()
val = true_mean + true_std * torch.randn(8, 3) + torch.tensor([3.0, 0.0, 0.0])  # shifted data
first = bn(val[:4])[0]
second = bn(torch.cat([val[:1], val[4:7]]))[0]  # the same first sample, different batch mates
print("same sample, two batches (train mode):", first.detach(), second.detach())
assert not torch.allclose(first, second)
print("running_mean drifted from", settled, "to", bn.running_mean)
assert not torch.equal(settled, bn.running_mean)

# %% [markdown]
# ## 5. Momentum None: a cumulative average
# With `momentum=None` the running statistics are the plain average over all batches seen so
# far (the factor is `1 / num_batches_tracked`): after batch $k$,
#
# $$
# \mathrm{running\_mean}_k = \mathrm{running\_mean}_{k-1}
# + \frac{1}{k}\bigl(\mu_{B,k} - \mathrm{running\_mean}_{k-1}\bigr)
# = \frac{1}{k} \sum_{j=1}^{k} \mu_{B,j}
# $$

# %% [markdown] lang="zh"
# ## 5. momentum 为 None：累积平均
# 设置 `momentum=None` 时，滑动统计量就是迄今见过的所有批次的简单平均（系数为
# `1 / num_batches_tracked`）：第 $k$ 个批次之后，
#
# $$
# \mathrm{running\_mean}_k = \mathrm{running\_mean}_{k-1}
# + \frac{1}{k}\bigl(\mu_{B,k} - \mathrm{running\_mean}_{k-1}\bigr)
# = \frac{1}{k} \sum_{j=1}^{k} \mu_{B,j}
# $$

# %%
cum = nn.BatchNorm1d(2, momentum=None)
batches = [torch.randn(16, 2) * 3 + 1 for _ in range(5)]
for b in batches:
    cum(b)
average = torch.stack([b.mean(0) for b in batches]).mean(0)
assert torch.allclose(cum.running_mean, average, atol=1e-6)
print("momentum=None: running_mean == mean of batch means:", cum.running_mean)
