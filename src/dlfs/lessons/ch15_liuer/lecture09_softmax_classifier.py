# %% [markdown]
# # Liu Er lecture 9: a softmax classifier for handwritten digits — 刘二大人第 9 讲：多分类问题（Softmax 分类器）
#
# **Library files:** `src/dlfs/nn/loss.py` (`CrossEntropyLoss`, `NLLLoss`),
# `src/dlfs/nn/activation.py` (`Softmax`, `LogSoftmax`, `ReLU`), `src/dlfs/nn/linear.py`,
# `src/dlfs/data/datasets/digits.py` (the embedded digits), `src/dlfs/data/loader.py`
# (`DataLoader`), `src/dlfs/optim/sgd.py`; parity in `tests/nn/test_losses.py`.
#
# With K classes the network outputs K scores (logits) z. Softmax turns them into a
# probability distribution, and the loss is the negative log-probability of the true class y:
#
# $$
# \mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}, \qquad
# \text{loss} = -\log \mathrm{softmax}(z)_y = -z_y + \log \sum_{j=1}^{K} e^{z_j}
# $$
#
# `CrossEntropyLoss` does both steps in one, so the network's last layer is a plain
# `Linear` with no softmax after it, and the targets are class indices (int64), not one-hot.
# Over a batch of B samples it returns the mean of the B losses, and its gradient with respect
# to the logits is the famous "probabilities minus one-hot":
#
# $$
# \frac{\partial\,\text{loss}}{\partial z_k} = \mathrm{softmax}(z)_k - [k = y]
# $$

# %% [markdown] lang="zh"
# # 刘二大人第 9 讲：多分类问题（Softmax 分类器）
#
# **库文件：** `src/dlfs/nn/loss.py`（`CrossEntropyLoss`、`NLLLoss`）、`src/dlfs/nn/activation.py`
# （`Softmax`、`LogSoftmax`、`ReLU`）、`src/dlfs/nn/linear.py`、`src/dlfs/data/datasets/digits.py`
# （内置的 digits 数据）、`src/dlfs/data/loader.py`（`DataLoader`）、`src/dlfs/optim/sgd.py`；
# 一致性测试见 `tests/nn/test_losses.py`。
#
# 有 K 个类别时，网络输出 K 个得分（logits）z。Softmax 把它们变成一个概率分布，损失是真实类别 y
# 的负对数概率：
#
# $$
# \mathrm{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}, \qquad
# \text{loss} = -\log \mathrm{softmax}(z)_y = -z_y + \log \sum_{j=1}^{K} e^{z_j}
# $$
#
# `CrossEntropyLoss` 一步完成这两件事，所以网络最后一层就是一个普通的 `Linear`，后面不接 softmax，
# 目标是类别索引（int64）而不是 one-hot。对 B 个样本的一个批次，它返回 B 个损失的平均值；它对 logits
# 的梯度就是著名的“概率减 one-hot”：
#
# $$
# \frac{\partial\,\text{loss}}{\partial z_k} = \mathrm{softmax}(z)_k - [k = y]
# $$

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader
from dlfs.data.datasets import digits

ctx = lesson_context("liuer-softmax-classifier")
epochs = 5 if ctx.quick else 15

# %% [markdown]
# ## 1. Softmax and cross-entropy by hand, for one sample
# Three classes, scores z = (0.2, 0.1, −0.1), true class 0. The second half of the cell
# shows why the library computes the stable form: adding a constant to every score does not
# change the softmax, so it subtracts the largest score first and never overflows,
#
# $$
# \mathrm{softmax}(z)_k = \frac{e^{z_k - \max_j z_j}}{\sum_{i=1}^{K} e^{z_i - \max_j z_j}} .
# $$

# %% [markdown] lang="zh"
# ## 1. 对一个样本手算 softmax 与交叉熵
# 三个类别，得分 z = (0.2, 0.1, −0.1)，真实类别为 0。代码格的后半部分说明库为什么要用稳定形式：
# 给每个得分加上同一个常数不改变 softmax，所以先减去最大得分，就永远不会溢出，
#
# $$
# \mathrm{softmax}(z)_k = \frac{e^{z_k - \max_j z_j}}{\sum_{i=1}^{K} e^{z_i - \max_j z_j}} .
# $$

# %%
z = torch.tensor([0.2, 0.1, -0.1])
y = torch.tensor(0)
p = z.exp() / z.exp().sum()
loss_by_hand = -p[y].log()
print(f"softmax {[round(v, 4) for v in p.tolist()]} (sums to {p.sum().item():.4f}); "
      f"loss = −log p[0] = {loss_by_hand.item():.4f}")
ce = nn.CrossEntropyLoss()(z[None], y[None])  # logits (B, K), targets (B,) int64
nll = nn.NLLLoss()(nn.LogSoftmax(dim=1)(z[None]), y[None])
assert torch.allclose(nn.Softmax(dim=0)(z), p)
assert torch.allclose(ce, loss_by_hand) and torch.allclose(nll, loss_by_hand)
print(f"CrossEntropyLoss = {ce.item():.4f} = NLLLoss(LogSoftmax) = {nll.item():.4f}")

# Large scores: e^1000 overflows, so the naive formula gives nan; the library subtracts the
# largest score first (softmax is unchanged by adding a constant to every score).
big = z + 1000
naive = big.exp() / big.exp().sum()
assert torch.isnan(naive).all()
assert torch.allclose(nn.CrossEntropyLoss()(big[None], y[None]), loss_by_hand, atol=1e-5)
print("z + 1000: naive softmax -> nan; CrossEntropyLoss -> the same loss as before")

# %% [markdown]
# ## 2. The data: scikit-learn's 8×8 digits
# The lecture uses MNIST (28×28, 60 000 images, downloaded). Our embedded stand-in has
# 1797 images of 8×8 pixels in [0, 1]; `flatten=True` gives one row of 64 pixels each.

# %% [markdown] lang="zh"
# ## 2. 数据：scikit-learn 的 8×8 digits
# 课上用的是 MNIST（28×28，60 000 张图，需要下载）。我们内置的替身有 1797 张 8×8 像素、取值在 [0, 1]
# 的图像；`flatten=True` 把每张图展平成一行 64 个像素。

# %%
train, test = digits("train", flatten=True), digits("test", flatten=True)
x_test, y_test = test[:]
print(f"train {len(train)} images, test {len(test)}; x {tuple(x_test.shape)} "
      f"{x_test.dtype}, y {tuple(y_test.shape)} {y_test.dtype}")
assert x_test.shape[1] == 64 and y_test.dtype == torch.int64

# %% [markdown]
# ## 3. Two models: softmax regression and a small MLP
# Softmax regression is one `Linear(64, 10)`: $z = x W^\top + b$ with $W$ of shape (10, 64).
# The lecture's MLP for 784 pixels is
# 784 → 512 → 256 → 128 → 64 → 10; with 64 pixels we use 64 → 128 → 64 → 10, ReLU between
# layers and none after the last. The lecture's SGD (lr 0.01, momentum 0.5) does ~940 steps
# per MNIST epoch; our 1438 training images give 23 batches of 64, so we take larger steps
# (lr 0.1, momentum 0.9) to train in a few epochs.

# %% [markdown] lang="zh"
# ## 3. 两个模型：softmax 回归和一个小 MLP
# softmax 回归就是一个 `Linear(64, 10)`：$z = x W^\top + b$，$W$ 的形状为 (10, 64)。课上针对 784
# 个像素的 MLP 是 784 → 512 → 256 → 128 → 64 → 10；我们只有 64 个像素，用 64 → 128 → 64 → 10，
# 层与层之间用 ReLU，最后一层之后不加。课上的 SGD（lr 0.01，动量 0.5）每个 MNIST epoch 约走 940 步；
# 我们 1438 张训练图只有 23 个大小为 64 的批次，所以用更大的步子（lr 0.1，动量 0.9），几个 epoch
# 就能训练好。

# %%
def train_model(model: torch.nn.Module) -> tuple[list[float], list[float]]:
    """Mini-batch SGD; returns the mean training loss and the test accuracy of each epoch."""
    loader = DataLoader(train, batch_size=64, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    criterion = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses, accs = [], []
    for _ in range(epochs):
        model.train()
        total = 0.0
        for xb, yb in loader:  # xb (64, 64), yb (64,)
            loss = criterion(model(xb), yb)  # logits (64, 10) vs class indices
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        model.eval()
        with torch.no_grad():
            accs.append((model(x_test).argmax(dim=1) == y_test).float().mean().item())
        losses.append(total / len(train))
    return losses, accs


torch.manual_seed(0)
softmax_reg = nn.Linear(64, 10)
torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                    nn.Linear(64, 10))
results = {"softmax regression": train_model(softmax_reg), "MLP 64-128-64-10": train_model(mlp)}
for name, (losses, accs) in results.items():
    print(f"{name:20s} epoch losses {[round(v, 3) for v in losses]}")
    print(f"{'':20s} test accuracy {[round(v, 3) for v in accs]}")
    assert accs[-1] >= 0.9, f"{name}: {accs[-1]:.3f}"
    assert losses[-1] < losses[0]

# %% [markdown]
# ## 4. From logits to a prediction
# The predicted class is the arg-max of the logits (the softmax does not change the order,
# so it is not needed to predict); the probabilities are there when a confidence $c$ is
# wanted:
#
# $$
# \hat{y} = \arg\max_k z_k = \arg\max_k \mathrm{softmax}(z)_k, \qquad
# c = \max_k \mathrm{softmax}(z)_k
# $$

# %% [markdown] lang="zh"
# ## 4. 从 logits 到预测
# 预测类别就是 logits 的 arg-max（softmax 不改变大小顺序，所以预测时用不着它）；需要置信度 $c$
# 时再看概率：
#
# $$
# \hat{y} = \arg\max_k z_k = \arg\max_k \mathrm{softmax}(z)_k, \qquad
# c = \max_k \mathrm{softmax}(z)_k
# $$

# %%
with torch.no_grad():
    logits = mlp(x_test)  # (N, 10)
probs = logits.softmax(dim=1)  # (N, 10)
pred = logits.argmax(dim=1)  # (N,)
assert torch.equal(pred, probs.argmax(dim=1))
assert torch.allclose(probs.sum(dim=1), torch.ones(len(probs)))
wrong = (pred != y_test).nonzero().squeeze(1)
print(f"MLP: {len(wrong)} of {len(y_test)} test digits wrong; "
      f"mean confidence when right {probs.max(1).values[pred == y_test].mean():.3f}, "
      f"when wrong {probs.max(1).values[wrong].mean():.3f}")
assert probs.max(1).values[pred == y_test].mean() > probs.max(1).values[wrong].mean()

# %%
fig, axes = plt.subplots(2, 8, figsize=(10, 3))
shown = torch.cat([(pred == y_test).nonzero().squeeze(1)[:8], wrong[:8]])
for ax, i in zip(axes.flat, shown.tolist()):
    ax.imshow(x_test[i].reshape(8, 8).numpy(), cmap="gray_r")
    color = "green" if pred[i] == y_test[i] else "red"
    ax.set_title(f"{pred[i].item()} ({probs[i].max():.2f})", color=color, fontsize=9)
for ax in axes.flat:
    ax.axis("off")
fig.suptitle("MLP predictions (confidence): top row right, bottom row wrong")
ctx.savefig(fig, "predictions.png")

fig, ax = plt.subplots(figsize=(5, 3.5))
for name, (_, accs) in results.items():
    ax.plot(range(1, epochs + 1), accs, marker="o", label=name)
ax.set_xlabel("epoch")
ax.set_ylabel("test accuracy")
ax.legend()
ctx.savefig(fig, "test_accuracy.png")
