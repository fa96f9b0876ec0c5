# %% [markdown]
# # Softmax regression, from scratch and concise — Softmax 回归：从零实现与简洁实现
#
# **Library files:** the concise half uses `src/dlfs/nn/linear.py`, `src/dlfs/nn/init.py`,
# `src/dlfs/nn/loss.py` (`CrossEntropyLoss`), `src/dlfs/optim/sgd.py`,
# `src/dlfs/train/loop.py` (`fit`), `src/dlfs/metrics/classification.py` (`accuracy`) and
# `src/dlfs/data/datasets/digits.py`; the from-scratch half uses only tensors and autograd.
#
# Softmax regression is one linear layer followed by a softmax: for an image flattened to
# a row x of D pixels, with X (B, D), W (D, K), b (K,) → O (B, K),
#
# $$
# O = X W + b, \qquad
# \hat{Y}_{ik} = \mathrm{softmax}(O_i)_k = \frac{e^{O_{ik}}}{\sum_{j=1}^{K} e^{O_{ij}}}, \qquad
# \ell_i = -\log \hat{Y}_{i, y_i} \ \text{(cross-entropy)}
# $$
#
# d2l trains it on Fashion-MNIST (28 × 28, downloaded); here the embedded scikit-learn
# digits (8 × 8, D = 64, K = 10) stand in, so it runs offline in seconds.
#
# Zhang, Lipton, Li and Smola, 2023, *Dive into Deep Learning* (section "Softmax Regression
# Implementation from Scratch").

# %% [markdown] lang="zh"
# # Softmax 回归：从零实现与简洁实现
#
# **库文件：** 简洁实现部分用到 `src/dlfs/nn/linear.py`、`src/dlfs/nn/init.py`、
# `src/dlfs/nn/loss.py`（`CrossEntropyLoss`）、`src/dlfs/optim/sgd.py`、
# `src/dlfs/train/loop.py`（`fit`）、`src/dlfs/metrics/classification.py`（`accuracy`）和
# `src/dlfs/data/datasets/digits.py`；从零实现部分只用张量和 autograd。
#
# Softmax 回归就是一个线性层后面接一个 softmax：把一张图像展平成一行含 D 个像素的 x，
# X (B, D)、W (D, K)、b (K,) → O (B, K)，
#
# $$
# O = X W + b, \qquad
# \hat{Y}_{ik} = \mathrm{softmax}(O_i)_k = \frac{e^{O_{ik}}}{\sum_{j=1}^{K} e^{O_{ij}}}, \qquad
# \ell_i = -\log \hat{Y}_{i, y_i} \ \text{(cross-entropy)}
# $$
#
# 其中最后一项是交叉熵。d2l 在 Fashion-MNIST（28 × 28，需要下载）上训练它；这里换成内置的
# scikit-learn 手写数字（8 × 8，D = 64，K = 10），因此无需联网，几秒钟就能跑完。
#
# 参考：Zhang, Lipton, Li and Smola, 2023, *Dive into Deep Learning*（“softmax 回归的从零开始
# 实现”一节）。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader
from dlfs.data.datasets import digits
from dlfs.metrics import accuracy
from dlfs.train import fit

ctx = lesson_context("d2l-softmax-regression")
epochs = 5 if ctx.quick else 10
lr, batch_size = 0.5, 64
train, test = digits("train"), digits("test")  # x (1, 8, 8) per image
x_test, y_test = test[:]  # (N, 1, 8, 8), (N,)
print(f"train {len(train)}, test {len(test)}; an image {tuple(train[0][0].shape)}")

# %% [markdown]
# ## 1. From scratch
# The softmax subtracts each row's maximum $m_i = \max_j O_{ij}$ first: it does not change the
# result (the factor $e^{-m_i}$ cancels) and keeps $e^{o}$ from overflowing. Cross-entropy
# picks, in every row, the probability of the true class with fancy indexing.
#
# $$
# \hat{Y}_{ik} = \frac{e^{O_{ik} - m_i}}{\sum_{j} e^{O_{ij} - m_i}}
# $$
#
# The training loop minimises the batch mean $\bar{\ell} = \frac{1}{B} \sum_i \ell_i$ by
# minibatch SGD with lr = 0.5, $p \leftarrow p - \text{lr} \cdot \partial \bar{\ell} / \partial p$,
# where autograd finds (with $Y$ the one-hot targets)
#
# $$
# \frac{\partial \bar{\ell}}{\partial O} = \frac{1}{B} (\hat{Y} - Y), \qquad
# \frac{\partial \bar{\ell}}{\partial W} = X^\top \frac{\partial \bar{\ell}}{\partial O}, \qquad
# \frac{\partial \bar{\ell}}{\partial b}
# = \sum_{i} \left(\frac{\partial \bar{\ell}}{\partial O}\right)_{i, :}
# $$

# %% [markdown] lang="zh"
# ## 1. 从零实现
# softmax 先从每一行中减去该行的最大值 $m_i = \max_j O_{ij}$：这不改变结果（因子 $e^{-m_i}$
# 会被约掉），却能防止 $e^{o}$ 溢出。交叉熵用花式索引在每一行中取出真实类别的概率。
#
# $$
# \hat{Y}_{ik} = \frac{e^{O_{ik} - m_i}}{\sum_{j} e^{O_{ij} - m_i}}
# $$
#
# 训练循环用小批量 SGD（学习率 lr = 0.5）最小化批次平均损失 $\bar{\ell} = \frac{1}{B} \sum_i \ell_i$：
# $p \leftarrow p - \text{lr} \cdot \partial \bar{\ell} / \partial p$，其中 autograd 求出的梯度为
# （$Y$ 为 one-hot 形式的目标）
#
# $$
# \frac{\partial \bar{\ell}}{\partial O} = \frac{1}{B} (\hat{Y} - Y), \qquad
# \frac{\partial \bar{\ell}}{\partial W} = X^\top \frac{\partial \bar{\ell}}{\partial O}, \qquad
# \frac{\partial \bar{\ell}}{\partial b}
# = \sum_{i} \left(\frac{\partial \bar{\ell}}{\partial O}\right)_{i, :}
# $$

# %%
def softmax(o: torch.Tensor) -> torch.Tensor:
    """Row-wise softmax of (B, K) scores."""
    o_exp = (o - o.max(dim=1, keepdim=True).values).exp()  # (B, K)
    return o_exp / o_exp.sum(dim=1, keepdim=True)  # (B, K), rows sum to 1


def net(x: torch.Tensor) -> torch.Tensor:
    return softmax(x.reshape(len(x), -1) @ W + b)  # (B, 1, 8, 8) -> (B, 64) -> (B, K)


def cross_entropy(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return -y_hat[torch.arange(len(y_hat)), y].log()  # (B,)


gen = torch.Generator().manual_seed(0)
W = torch.normal(0, 0.01, size=(64, 10), generator=gen, requires_grad=True)
b = torch.zeros(10, requires_grad=True)

# Checked against the library on one batch before training.
xb, yb = next(iter(DataLoader(train, batch_size=8)))
logits = xb.reshape(8, -1) @ W + b  # (8, 10)
assert torch.allclose(softmax(logits), nn.Softmax(dim=1)(logits))
assert torch.allclose(cross_entropy(net(xb), yb).mean(), nn.CrossEntropyLoss()(logits, yb))
print("hand softmax and cross-entropy == dlfs.nn.Softmax / CrossEntropyLoss on a batch")

scratch_acc, scratch_loss = [], []
for epoch in range(epochs):
    total = 0.0
    for xb, yb in DataLoader(train, batch_size=batch_size, shuffle=True, generator=gen):
        loss = cross_entropy(net(xb), yb)  # (B,)
        loss.mean().backward()
        with torch.no_grad():  # minibatch SGD, by hand
            for p in (W, b):
                p -= lr * p.grad
                p.grad.zero_()
        total += loss.sum().item()
    with torch.no_grad():
        scratch_acc.append(accuracy(net(x_test), y_test))
    scratch_loss.append(total / len(train))
    print(f"  scratch epoch {epoch + 1}: train loss {scratch_loss[-1]:.3f}, "
          f"test accuracy {scratch_acc[-1]:.3f}")

# %% [markdown]
# ## 2. Concise
# `Flatten` + `Linear(64, 10)`, initialized like ours. No softmax layer: `CrossEntropyLoss`
# takes the raw scores and applies a stable log-softmax inside,
# $\log \mathrm{softmax}(o)_k = o_k - m - \log \sum_j e^{o_j - m}$ with $m = \max_j o_j$.
# `fit` runs the same loop and, with `metrics`, reports the test accuracy after every epoch.

# %% [markdown] lang="zh"
# ## 2. 简洁实现
# `Flatten` + `Linear(64, 10)`，初始化方式与我们的相同。没有 softmax 层：`CrossEntropyLoss`
# 直接接收原始分数，并在内部做数值稳定的 log-softmax，
# $\log \mathrm{softmax}(o)_k = o_k - m - \log \sum_j e^{o_j - m}$，其中 $m = \max_j o_j$。
# `fit` 运行同样的循环，并且在传入 `metrics` 时，于每轮（epoch）结束后报告测试准确率。

# %%
model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
nn.init.normal_(model[1].weight, 0.0, 0.01, generator=torch.Generator().manual_seed(1))
nn.init.zeros_(model[1].bias)
history = fit(model, DataLoader(train, batch_size=batch_size, shuffle=True,
                                generator=torch.Generator().manual_seed(0)),
              loss_fn=nn.CrossEntropyLoss(), optimizer=optim.SGD(model.parameters(), lr=lr),
              epochs=epochs, val_loader=DataLoader(test, batch_size=len(test)),
              metrics={"acc": accuracy}, device="cpu")
concise_acc, concise_loss = history.metric("val/acc"), history.metric("train/loss")
for epoch, (acc, loss) in enumerate(zip(concise_acc, concise_loss)):
    print(f"  concise epoch {epoch + 1}: train loss {loss:.3f}, test accuracy {acc:.3f}")

# %% [markdown]
# ## 3. The same result both ways

# %% [markdown] lang="zh"
# ## 3. 两种方式，同样的结果

# %%
print(f"final test accuracy: scratch {scratch_acc[-1]:.3f}, concise {concise_acc[-1]:.3f}")
assert scratch_acc[-1] >= 0.88 and concise_acc[-1] >= 0.88
assert abs(scratch_acc[-1] - concise_acc[-1]) <= 0.03
assert abs(scratch_loss[-1] - concise_loss[-1]) < 0.05
assert scratch_loss[-1] < scratch_loss[0] and concise_loss[-1] < concise_loss[0]

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.5))
steps = range(1, epochs + 1)
ax0.plot(steps, scratch_loss, "o-", label="from scratch")
ax0.plot(steps, concise_loss, "s--", label="concise (fit)")
ax0.set_xlabel("epoch")
ax0.set_ylabel("train cross-entropy")
ax0.legend()
ax1.plot(steps, scratch_acc, "o-", label="from scratch")
ax1.plot(steps, concise_acc, "s--", label="concise (fit)")
ax1.set_xlabel("epoch")
ax1.set_ylabel("test accuracy")
ax1.legend()
ctx.savefig(fig, "scratch_vs_concise.png")

# The learned weights as images: row k of Wᵀ is a template for digit k.
fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for k, ax in enumerate(axes):
    ax.imshow(model[1].weight[k].detach().reshape(8, 8).numpy(), cmap="coolwarm")
    ax.set_title(str(k))
    ax.axis("off")
ctx.savefig(fig, "weight_templates.png")
