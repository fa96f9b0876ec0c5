# %% [markdown]
# # Linear regression, from scratch and concise — 线性回归：从零实现与简洁实现
#
# **Library files:** the concise half uses `src/dlfs/data/dataset.py` (`TensorDataset`),
# `src/dlfs/data/loader.py` (`DataLoader`), `src/dlfs/nn/linear.py`, `src/dlfs/nn/init.py`,
# `src/dlfs/nn/loss.py` (`MSELoss`), `src/dlfs/optim/sgd.py` and `src/dlfs/train/loop.py`
# (`fit`); the from-scratch half uses only tensors and autograd.
#
# The d2l way of learning a concept: build it twice. First every part by hand — a batch
# iterator, the parameters, the model, the loss and the update — then the same with the
# library, and check that both arrive at the same place. The model is
#
# $$
# \hat{y} = X w + b
# $$
#
# with X (B, 2), w (2, 1), b (1,) → ŷ (B, 1), fitted to synthetic data made from
# w = (2, −3.4), b = 4.2 with Gaussian noise of standard deviation 0.01, so we know the answer:
#
# $$
# y = X w^{*} + b^{*} + \epsilon, \qquad
# w^{*} = (2, -3.4)^\top, \quad b^{*} = 4.2, \quad \epsilon \sim \mathcal{N}(0, 0.01^2)
# $$
#
# Zhang, Lipton, Li and Smola, 2023, *Dive into Deep Learning* (section "Linear Regression
# Implementation from Scratch").

# %% [markdown] lang="zh"
# # 线性回归：从零实现与简洁实现
#
# **库文件：** 简洁实现部分用到 `src/dlfs/data/dataset.py`（`TensorDataset`）、
# `src/dlfs/data/loader.py`（`DataLoader`）、`src/dlfs/nn/linear.py`、`src/dlfs/nn/init.py`、
# `src/dlfs/nn/loss.py`（`MSELoss`）、`src/dlfs/optim/sgd.py` 和 `src/dlfs/train/loop.py`
# （`fit`）；从零实现部分只用张量和 autograd。
#
# d2l 学习一个概念的方式：把它构建两遍。先亲手实现每一个部分——批量迭代器、参数、模型、
# 损失函数和更新——再用库把同样的东西做一遍，并检验两者到达同一个地方。模型是
#
# $$
# \hat{y} = X w + b
# $$
#
# 其中 X (B, 2)、w (2, 1)、b (1,) → ŷ (B, 1)。它被拟合到由 w = (2, −3.4)、b = 4.2 加上标准差
# 为 0.01 的高斯噪声生成的合成数据上，所以我们事先知道答案：
#
# $$
# y = X w^{*} + b^{*} + \epsilon, \qquad
# w^{*} = (2, -3.4)^\top, \quad b^{*} = 4.2, \quad \epsilon \sim \mathcal{N}(0, 0.01^2)
# $$
#
# 参考：Zhang, Lipton, Li and Smola, 2023, *Dive into Deep Learning*（“线性回归的从零开始实现”
# 一节）。

# %%
from collections.abc import Iterator

import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader, TensorDataset
from dlfs.train import fit

ctx = lesson_context("d2l-linear-regression")
epochs = 3 if ctx.quick else 5
lr, batch_size = 0.03, 10

# %% [markdown]
# ## 1. Synthetic data

# %% [markdown] lang="zh"
# ## 1. 合成数据

# %%
gen = torch.Generator().manual_seed(0)
true_w, true_b = torch.tensor([[2.0], [-3.4]]), 4.2
X = torch.randn(1000, 2, generator=gen)  # (N, 2)
y = X @ true_w + true_b + 0.01 * torch.randn(1000, 1, generator=gen)  # (N, 1)
print(f"X {tuple(X.shape)}, y {tuple(y.shape)}; first row {[round(v, 3) for v in X[0].tolist()]} "
      f"-> {y[0].item():.3f}")
noise_mse = ((X @ true_w + true_b - y) ** 2).mean().item()
print(f"MSE of the true parameters (the noise floor): {noise_mse:.2e}")

# %% [markdown]
# ## 2. From scratch
# A generator that shuffles the indices and yields mini-batches; parameters as plain tensors
# with `requires_grad=True`; the loss $\ell_i = \frac{1}{2} (\hat{y}_i - y_i)^2$ (the ½ cancels
# the 2 of the derivative); and the update, done under `torch.no_grad()`, with the mean of the
# batch's gradients:
#
# $$
# p \leftarrow p - \frac{\text{lr}}{B} \,
# \frac{\partial}{\partial p} \sum_{i \in \text{batch}} \ell_i,
# \qquad
# \frac{\partial}{\partial w} \sum_{i} \ell_i = X_{\text{batch}}^\top (\hat{y} - y), \quad
# \frac{\partial}{\partial b} \sum_{i} \ell_i = \sum_{i} (\hat{y}_i - y_i)
# $$

# %% [markdown] lang="zh"
# ## 2. 从零实现
# 一个打乱下标并逐个产出小批量的生成器；参数就是设置了 `requires_grad=True` 的普通张量；损失
# $\ell_i = \frac{1}{2} (\hat{y}_i - y_i)^2$（½ 正好抵消求导产生的 2）；以及在 `torch.no_grad()`
# 下进行的、使用该批次平均梯度的更新：
#
# $$
# p \leftarrow p - \frac{\text{lr}}{B} \,
# \frac{\partial}{\partial p} \sum_{i \in \text{batch}} \ell_i,
# \qquad
# \frac{\partial}{\partial w} \sum_{i} \ell_i = X_{\text{batch}}^\top (\hat{y} - y), \quad
# \frac{\partial}{\partial b} \sum_{i} \ell_i = \sum_{i} (\hat{y}_i - y_i)
# $$

# %%
def data_iter(batch: int, features: torch.Tensor, labels: torch.Tensor,
              g: torch.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Mini-batches (B, 2), (B, 1) in a random order; the last one may be shorter."""
    order = torch.randperm(len(features), generator=g)
    for start in range(0, len(features), batch):
        idx = order[start:start + batch]
        yield features[idx], labels[idx]


def linreg(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return x @ w + b  # (B, 2) @ (2, 1) + (1,) -> (B, 1)


def squared_loss(y_hat: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (y_hat - target) ** 2 / 2  # (B, 1), one loss per example


def sgd(params: list[torch.Tensor], step: float, batch: int) -> None:
    with torch.no_grad():
        for p in params:
            p -= step * p.grad / batch
            p.grad.zero_()


w = torch.normal(0, 0.01, size=(2, 1), generator=gen, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
scratch_steps, scratch_epochs = [], []
for epoch in range(epochs):
    for xb, yb in data_iter(batch_size, X, y, gen):
        loss = squared_loss(linreg(xb, w, b), yb)  # (B, 1)
        loss.sum().backward()
        sgd([w, b], lr, len(xb))
        scratch_steps.append(2 * loss.mean().item())  # as an MSE, to compare with MSELoss
    with torch.no_grad():
        scratch_epochs.append(((linreg(X, w, b) - y) ** 2).mean().item())
    print(f"  scratch epoch {epoch + 1}: MSE {scratch_epochs[-1]:.2e}")
print(f"scratch: w = {[round(v, 4) for v in w.flatten().tolist()]}, b = {b.item():.4f}")
assert (w.detach() - true_w).abs().max() < 0.01 and abs(b.item() - true_b) < 0.01

# %% [markdown]
# ## 3. Concise
# The same four pieces from the library: `TensorDataset` + `DataLoader` replace `data_iter`;
# `Linear(2, 1)` holds w and b (initialized like ours: weight ~ N(0, 0.01²), bias 0);
# `MSELoss` averages (ŷ − y)² over the batch; `SGD` does the update; `fit` runs the loop.
# `MSELoss` has no ½, so its gradient is twice that of ours: lr 0.015 takes the same steps.
#
# $$
# \text{MSE} = \frac{1}{B} \sum_{i} (\hat{y}_i - y_i)^2, \qquad
# \frac{\partial\, \text{MSE}}{\partial p}
# = \frac{2}{B} \, \frac{\partial}{\partial p} \sum_{i} \ell_i
# $$
#
# Validation on all 1000 rows gives the same per-epoch MSE we computed by hand.

# %% [markdown] lang="zh"
# ## 3. 简洁实现
# 同样的四个部分，换成库里的：`TensorDataset` + `DataLoader` 取代 `data_iter`；`Linear(2, 1)`
# 持有 w 和 b（初始化方式与我们的相同：权重 ~ N(0, 0.01²)，偏置为 0）；`MSELoss` 对批次内的
# (ŷ − y)² 取平均；`SGD` 负责更新；`fit` 运行整个循环。`MSELoss` 没有 ½，所以它的梯度是我们的
# 两倍：学习率取 0.015 就能走出完全相同的步子。
#
# $$
# \text{MSE} = \frac{1}{B} \sum_{i} (\hat{y}_i - y_i)^2, \qquad
# \frac{\partial\, \text{MSE}}{\partial p}
# = \frac{2}{B} \, \frac{\partial}{\partial p} \sum_{i} \ell_i
# $$
#
# 在全部 1000 行上做验证，得到的每轮（epoch）MSE 与我们手算的相同。

# %%
dataset = TensorDataset(X, y)
loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
full = DataLoader(dataset, batch_size=1000)
net = nn.Sequential(nn.Linear(2, 1))
nn.init.normal_(net[0].weight, 0.0, 0.01, generator=torch.Generator().manual_seed(1))
nn.init.zeros_(net[0].bias)
history = fit(net, loader, loss_fn=nn.MSELoss(), optimizer=optim.SGD(net.parameters(), lr=lr / 2),
              epochs=epochs, val_loader=full, device="cpu")
concise_epochs = history.metric("val/loss")
for epoch, value in enumerate(concise_epochs):
    print(f"  concise epoch {epoch + 1}: MSE {value:.2e}")
w2, b2 = net[0].weight.detach().T, net[0].bias.item()  # (2, 1), scalar
print(f"concise: w = {[round(v, 4) for v in w2.flatten().tolist()]}, b = {b2:.4f}")
assert (w2 - true_w).abs().max() < 0.01 and abs(b2 - true_b) < 0.01

# %% [markdown]
# ## 4. Both reach the noise floor
# Different initial draws and batch orders, same destination: the two final MSEs sit at the
# noise level and the parameters agree with each other to a few thousandths. That destination
# is the least-squares solution, which also has a closed form: with
# $\tilde{X} = [X \;\; \mathbf{1}]$ of shape (N, 3),
#
# $$
# (\hat{w}, \hat{b}) = \arg\min_{w, b} \frac{1}{N} \lVert X w + b - y \rVert^2
# = (\tilde{X}^\top \tilde{X})^{-1} \tilde{X}^\top y
# $$

# %% [markdown] lang="zh"
# ## 4. 两者都到达了噪声下限
# 初始值的抽取不同，批次顺序也不同，终点却相同：两个最终 MSE 都处于噪声水平，两组参数彼此
# 相差不过千分之几。这个终点就是最小二乘解，它也有闭式解：记形状为 (N, 3) 的
# $\tilde{X} = [X \;\; \mathbf{1}]$，
#
# $$
# (\hat{w}, \hat{b}) = \arg\min_{w, b} \frac{1}{N} \lVert X w + b - y \rVert^2
# = (\tilde{X}^\top \tilde{X})^{-1} \tilde{X}^\top y
# $$

# %%
print(f"final MSE: scratch {scratch_epochs[-1]:.3e}, concise {concise_epochs[-1]:.3e}, "
      f"noise floor {noise_mse:.3e}")
assert scratch_epochs[-1] < 2 * noise_mse and concise_epochs[-1] < 2 * noise_mse
assert (w.detach() - w2).abs().max() < 0.005 and abs(b.item() - b2) < 0.005
assert len(history.step_loss) == len(scratch_steps) == epochs * 100

# %%
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(scratch_steps, label="from scratch", linewidth=1)
ax.plot(history.step_loss, label="concise (fit)", linewidth=1, alpha=0.8)
ax.axhline(noise_mse, color="gray", linestyle="--", linewidth=1, label="noise floor")
ax.set_yscale("log")
ax.set_xlabel("step (batch of 10)")
ax.set_ylabel("batch MSE")
ax.legend()
ctx.savefig(fig, "scratch_vs_concise.png")
