# %% [markdown]
# # Dropout as regularisation: training vs validation curves — Dropout 作为正则化：训练曲线与验证曲线
#
# **Library files:** `src/dlfs/nn/dropout.py` (`Dropout`), `src/dlfs/nn/functional/dropout.py`
# (the mask and the `1 / (1 - p)` scaling), `src/dlfs/data/label_noise.py` (`redraw_labels`).
# The mechanics — what train and eval mode change — are the lesson `train-eval-modes`; this
# one measures what dropout does to generalisation.
#
# While training, dropout zeroes each hidden unit with probability $p$ and scales the
# survivors by $1 / (1 - p)$, so the expected activation is unchanged; at evaluation it
# does nothing:
#
# $$
# \mathrm{dropout}(h)_i = \frac{m_i h_i}{1 - p}, \qquad m_i \sim \mathrm{Bernoulli}(1 - p),
# \qquad \mathbb{E}\big[\mathrm{dropout}(h)_i\big] = h_i
# $$
#
# No unit can rely on a particular other unit being present, so the network cannot build
# the delicate co-adapted features that memorising individual examples needs (Srivastava et
# al., 2014, *Dropout: A Simple Way to Prevent Neural Networks from Overfitting*). We train
# the same network with $p = 0$ and $p = 0.5$ and compare the curves. To compare fairly,
# both training losses are measured in **eval mode** (dropout off) on the training set: the
# loss printed during training, with dropout on, is higher for $p = 0.5$ simply because half
# the units are missing.

# %% [markdown] lang="zh"
# # Dropout 作为正则化：训练曲线与验证曲线
#
# **库文件：** `src/dlfs/nn/dropout.py`（`Dropout`），`src/dlfs/nn/functional/dropout.py`（掩码以及
# `1 / (1 - p)` 缩放），`src/dlfs/data/label_noise.py`（`redraw_labels`）。其中的机制——训练模式与评估
# 模式各改变了什么——见 `train-eval-modes` 一课；这一课测量的是 dropout 对泛化的影响。
#
# 训练时，dropout 以概率 $p$ 把每个隐藏单元置零，幸存的单元乘以 $1 / (1 - p)$，使激活的期望不变；
# 评估时它什么也不做：
#
# $$
# \mathrm{dropout}(h)_i = \frac{m_i h_i}{1 - p}, \qquad m_i \sim \mathrm{Bernoulli}(1 - p),
# \qquad \mathbb{E}\big[\mathrm{dropout}(h)_i\big] = h_i
# $$
#
# 没有哪个单元能指望另一个特定单元一定在场，网络也就搭不起死记单个样本所需的那种精巧的、相互依赖的
# 特征（Srivastava et al., 2014, *Dropout: A Simple Way to Prevent Neural Networks from
# Overfitting*）。我们用 $p = 0$ 和 $p = 0.5$ 训练同一个网络，比较它们的曲线。为了公平，两者的训练损失
# 都在**评估模式**（关闭 dropout）下在训练集上测量：训练过程中打印的损失是开着 dropout 算的，
# $p = 0.5$ 时它偏高，只是因为一半的单元缺席了。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as dnn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.data.label_noise import redraw_labels
from dlfs.metrics import accuracy
from dlfs.nn import functional as F

ctx = lesson_context("dropout-regularisation")
x_all, y_all = digits("all", flatten=True)[:]                       # (1797, 64), (1797,)
order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(0))


def mlp(p: float) -> dnn.Sequential:
    torch.manual_seed(0)
    return dnn.Sequential(dnn.Linear(64, 128), dnn.ReLU(), dnn.Dropout(p),
                          dnn.Linear(128, 128), dnn.ReLU(), dnn.Dropout(p),
                          dnn.Linear(128, 10))


def train(model, x, y, x_val, y_val, x_test, y_test, steps: int, every: int = 10):
    """Full-batch Adam; every `every` steps: train loss (eval mode), val loss, test accuracy."""
    opt = optim.Adam(model.parameters(), lr=3e-3)
    curve = []
    for step in range(1, steps + 1):
        model.train()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % every == 0:
            model.eval()
            with torch.no_grad():
                curve.append((step, F.cross_entropy(model(x), y).item(),
                              F.cross_entropy(model(x_val), y_val).item(),
                              accuracy(model(x_test), y_test)))
    return torch.tensor(curve)                      # (steps / every, 4)


# %% [markdown]
# ## 1. Training labels with mistakes
# As in `early-stopping`: 300 training and 300 validation images whose labels were redrawn
# at random 30 % of the time (`redraw_labels`; a redrawn label is right by chance one time
# in ten, so about $0.3 \times 9/10 = 0.27$ of the labels are wrong), and 1197 test images
# with their true labels. The losses are the cross-entropy of the logits $z_i$,
# $-\frac{1}{N} \sum_i \log \mathrm{softmax}(z_i)_{y_i}$, and "gap" below is validation
# loss minus training loss.

# %% [markdown] lang="zh"
# ## 1. 带错误标签的训练集
# 与 `early-stopping` 一样：300 张训练图和 300 张验证图，标签有 30 % 的概率被重新随机抽取
# （`redraw_labels`；重抽的标签有十分之一的机会碰巧是对的，所以约有 $0.3 \times 9/10 = 0.27$ 的标签
# 是错的）；1197 张测试图带真实标签。损失是 logits $z_i$ 的交叉熵
# $-\frac{1}{N} \sum_i \log \mathrm{softmax}(z_i)_{y_i}$，下文的 gap（差距）是验证损失减去训练损失。

# %%
tr, va, te = order[:300], order[300:600], order[600:]
data = (x_all[tr], redraw_labels(y_all[tr], 0.3, 10, seed=1),          # train (noisy)
        x_all[va], redraw_labels(y_all[va], 0.3, 10, seed=2),          # validation (noisy)
        x_all[te], y_all[te])                                           # test (true labels)
steps = 120 if ctx.quick else 400
curves = {p: train(mlp(p), *data, steps=steps) for p in (0.0, 0.5)}
print(f"after {steps} steps     train loss   val loss   gap    test accuracy (true labels)")
for p, c in curves.items():
    _, tl, vl, acc = c[-1].tolist()
    print(f"  dropout p = {p:.1f}    {tl:9.3f}   {vl:8.3f}   {vl - tl:5.2f}   {acc:.1%}")
plain, drop = curves[0.0][-1], curves[0.5][-1]
assert plain[1] < drop[1]                  # without dropout it fits the (noisy) train set more
assert drop[2] < plain[2] and drop[2] - drop[1] < plain[2] - plain[1]   # smaller val loss, gap
assert drop[3] > plain[3] + 0.03           # and it learned the digits better

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
for p, c in curves.items():
    color = "tab:orange" if p else "tab:blue"
    axes[0].plot(c[:, 0], c[:, 1], "--", color=color, label=f"train, p={p}")
    axes[0].plot(c[:, 0], c[:, 2], "-", color=color, label=f"validation, p={p}")
    axes[1].plot(c[:, 0], c[:, 3], "-", color=color, label=f"p={p}")
axes[0].set_ylabel("cross-entropy (eval mode)")
axes[0].set_title("30 % redrawn labels: train vs validation")
axes[1].set_ylabel("test accuracy (true labels)")
for ax in axes:
    ax.set_xlabel("step")
    ax.legend(fontsize=8)
ctx.savefig(fig, "dropout_curves.png")

# %% [markdown]
# ## 2. Clean labels, few examples
# With correct labels there is less harm in memorising: 100 training images, the rest split
# into validation and test. Dropout still narrows the gap between training and validation
# loss; whether that buys accuracy is a measurement, printed rather than promised.

# %% [markdown] lang="zh"
# ## 2. 干净的标签，很少的样本
# 标签正确时，死记硬背的危害小一些：100 张训练图，其余的分成验证集和测试集。dropout 依然缩小了训练损失
# 与验证损失之间的差距；至于能否换来准确率，那是一个测量结果——下面如实打印，不作保证。

# %%
tr, va, te = order[:100], order[100:600], order[600:]
clean = (x_all[tr], y_all[tr], x_all[va], y_all[va], x_all[te], y_all[te])
clean_curves = {p: train(mlp(p), *clean, steps=steps, every=steps) for p in (0.0, 0.5)}
for p, c in clean_curves.items():
    _, tl, vl, acc = c[-1].tolist()
    print(f"clean, 100 images, p = {p:.1f}: train loss {tl:.3f}, val loss {vl:.3f}, gap "
          f"{vl - tl:.2f}, test accuracy {acc:.1%}")
c0, c5 = clean_curves[0.0][-1], clean_curves[0.5][-1]
assert c5[2] - c5[1] < c0[2] - c0[1]
print(f"test accuracy change from dropout on clean labels: {100 * (c5[3] - c0[3]):+.1f} points")
