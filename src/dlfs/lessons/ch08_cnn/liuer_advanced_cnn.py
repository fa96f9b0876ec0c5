# %% [markdown]
# # Liu Er, lecture 11: Inception block and residual block — 刘二大人 第 11 讲：卷积神经网络（高级篇）
#
# **Library files:** `src/dlfs/models/cnn/lecture_nets.py` (InceptionA, ResidualBlock and the
# two lecture nets; also the lecture-10 CNN), `src/dlfs/data/datasets/digits.py` (the
# embedded digits, upscaled to 28×28 so the MNIST code runs unchanged), `dlfs.optim`.
# Tests: `tests/models/test_cnn_forward.py`, `tests/models/test_cnn_params.py`.
#
# The lecture builds two blocks by hand:
#
# - **InceptionA**: four branches on the same input — 1×1 (16), 1×1 → 5×5 (24),
#   1×1 → 3×3 → 3×3 (24), 3×3 average pool → 1×1 (24) — concatenated: 16 + 24 + 24 + 24 = 88
#   channels, whatever came in.
# - **ResidualBlock**: both convs 3×3 with padding 1 so that x and the branch have the same
#   shape and can be added,
#   $y = \mathrm{relu}\big(x + \mathrm{conv}_2(\mathrm{relu}(\mathrm{conv}_1(x)))\big)$.
#
# References: Szegedy et al., 2015, *Going Deeper with Convolutions*; He et al., 2016,
# *Deep Residual Learning for Image Recognition*.

# %% [markdown] lang="zh"
# # 刘二大人第 11 讲：卷积神经网络（高级篇）
#
# **库文件：** `src/dlfs/models/cnn/lecture_nets.py`（InceptionA、ResidualBlock 和两个课上的网络；
# 还有第 10 讲的 CNN）、`src/dlfs/data/datasets/digits.py`（内置的手写数字数据，放大到 28×28，
# 这样 MNIST 的代码无需改动就能运行）、`dlfs.optim`。
# 测试：`tests/models/test_cnn_forward.py`、`tests/models/test_cnn_params.py`。
#
# 这一讲亲手搭建了两个模块：
#
# - **InceptionA**：在同一个输入上跑四个分支——1×1（16）、1×1 → 5×5（24）、
#   1×1 → 3×3 → 3×3（24）、3×3 平均池化 → 1×1（24）——再拼接起来：16 + 24 + 24 + 24 = 88 个
#   通道，与输入有多少通道无关。
# - **ResidualBlock**：两个卷积都是 3×3、填充 1，使 x 与分支的形状相同，可以相加，
#   $y = \mathrm{relu}\big(x + \mathrm{conv}_2(\mathrm{relu}(\mathrm{conv}_1(x)))\big)$。
#
# 参考文献：Szegedy et al., 2015, *Going Deeper with Convolutions*；He et al., 2016,
# *Deep Residual Learning for Image Recognition*。

# %%
import time

import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.metrics import accuracy
from dlfs.models.cnn import (
    InceptionA,
    ResidualBlock,
    liuer_cnn,
    liuer_inception_net,
    liuer_residual_net,
)
from dlfs.playground import model_summary, seed_everything

ctx = lesson_context("liuer-advanced-cnn")
seed_everything(0)

# %% [markdown]
# ## 1. InceptionA: 88 channels out, size kept
# Padding is chosen per kernel (2 for 5×5, 1 for 3×3, none for 1×1; the pool uses stride 1,
# padding 1), so every branch keeps H×W and `torch.cat(..., dim=1)` can join them: with stride
# 1 and $p = (k - 1) / 2$, $H_{\text{out}} = H + 2p - k + 1 = H$.

# %% [markdown] lang="zh"
# ## 1. InceptionA：输出 88 个通道，尺寸不变
# 每种卷积核各自选择填充（5×5 用 2，3×3 用 1，1×1 不填充；池化用步长 1、填充 1），所以每个分支都
# 保持 H×W 不变，`torch.cat(..., dim=1)` 才能把它们拼起来：步长为 1 且 $p = (k - 1) / 2$ 时，
# $H_{\text{out}} = H + 2p - k + 1 = H$。

# %%
block = InceptionA(in_channels=10)
x = torch.randn(2, 10, 12, 12)
with torch.no_grad():
    branches = {
        "branch1x1": block.branch1x1(x),
        "branch5x5": block.branch5x5_2(block.branch5x5_1(x)),
        "branch3x3": block.branch3x3_3(block.branch3x3_2(block.branch3x3_1(x))),
        "branch_pool": block.branch_pool(block.branch_pool_avg(x)),
    }
    y = block(x)
for name, out in branches.items():
    print(f"{name:12s} {tuple(out.shape)}")
print(f"{'concatenated':12s} {tuple(y.shape)}")
assert [b.shape[1] for b in branches.values()] == [16, 24, 24, 24]
assert y.shape == (2, 88, 12, 12)
assert torch.equal(y, torch.cat(list(branches.values()), dim=1))
for c_in, side in [(1, 28), (20, 4), (88, 7)]:
    with torch.no_grad():
        assert InceptionA(c_in)(torch.zeros(1, c_in, side, side)).shape == (1, 88, side, side)
print("InceptionA(c)(x) has 88 channels for c = 1, 10, 20, 88 and keeps H x W")

# %% [markdown]
# ## 2. The lecture's Inception net
# conv 5×5 (10) → pool → InceptionA → conv 5×5 (88 → 20) → pool → InceptionA → linear.
# 28 → 24 → 12 → 8 → 4: the linear layer sees 88 · 4 · 4 = 1408 features, the number the
# lecture derives by running a dummy input through the net — which is what `model_summary`
# does for us.

# %% [markdown] lang="zh"
# ## 2. 课上的 Inception 网络
# 5×5 卷积（10）→ 池化 → InceptionA → 5×5 卷积（88 → 20）→ 池化 → InceptionA → 线性层。
# 28 → 24 → 12 → 8 → 4：线性层看到 88 · 4 · 4 = 1408 个特征。课上是让一个假输入跑一遍网络来得出
# 这个数的——`model_summary` 替我们做的正是这件事。

# %%
inception_net = liuer_inception_net()
summary = model_summary(inception_net, (2, 1, 28, 28), depth=1)
print(summary)
shapes = {r.name: r.output_shape for r in summary.rows}
assert shapes["incep1"] == (2, 88, 12, 12) and shapes["incep2"] == (2, 88, 4, 4)
assert inception_net.fc.in_features == 1408

# %% [markdown]
# ## 3. ResidualBlock: the input skips ahead
# With the branch switched off (conv2's weights and bias set to zero) the block returns
# relu(x): the skip passes the input through untouched. And the gradient of the output with
# respect to the input always contains that identity path. With
# $F(x) = \mathrm{conv}_2(\mathrm{relu}(\mathrm{conv}_1(x)))$ the chain rule gives
#
# $$
# \frac{\partial y}{\partial x} = \mathrm{relu}'\big(x + F(x)\big)
# \Big( I + \frac{\partial F}{\partial x} \Big),
# $$
#
# so for x > 0 and a zero branch, d sum(y) / dx = 1 exactly.

# %% [markdown] lang="zh"
# ## 3. ResidualBlock：输入跳过分支直接向前
# 把分支关掉（conv2 的权重和偏置都置零）之后，这个块返回 relu(x)：跳跃连接把输入原封不动地传了
# 过去。而且输出对输入的梯度总是包含这条恒等路径。记
# $F(x) = \mathrm{conv}_2(\mathrm{relu}(\mathrm{conv}_1(x)))$，由链式法则
#
# $$
# \frac{\partial y}{\partial x} = \mathrm{relu}'\big(x + F(x)\big)
# \Big( I + \frac{\partial F}{\partial x} \Big),
# $$
#
# 所以当 x > 0 且分支为零时，d sum(y) / dx 恰好等于 1。

# %%
rblock = ResidualBlock(16)
x = torch.randn(2, 16, 12, 12)
with torch.no_grad():
    assert rblock(x).shape == x.shape
    nn.init.zeros_(rblock.conv2.weight)
    nn.init.zeros_(rblock.conv2.bias)
    assert torch.equal(rblock(x), x.clamp(min=0))
xp = x.abs().requires_grad_(True)
rblock(xp).sum().backward()
assert torch.equal(xp.grad, torch.ones_like(xp))
print("zero branch: ResidualBlock(x) == relu(x), and d sum(y)/dx == 1 for x > 0")

residual_net = liuer_residual_net()
summary = model_summary(residual_net, (2, 1, 28, 28), depth=1)
print(summary)
shapes = {r.name: r.output_shape for r in summary.rows}
assert shapes["rblock1"] == (2, 16, 12, 12) and shapes["rblock2"] == (2, 32, 4, 4)
assert residual_net.fc.in_features == 512

# %% [markdown]
# ## 4. Training the three lecture nets on digits
# The lecture trains on MNIST; here the embedded scikit-learn digits, upscaled to 28×28, take
# its place (same shapes: (B, 1, 28, 28), 10 classes). Adam, learning rate 3e-3. Quick mode
# trains each net on 30 batches of 32 images (two thirds of one epoch, a few seconds in all)
# and expects at least 60 % test accuracy (measured: 80.2 % for the lecture-10 CNN, 73.0 %
# for the Inception net, 83.6 % for the residual net; chance is 10 %). Full mode trains 8
# epochs of batches of 64 (a few minutes on two cores) and expects at least 93 % (measured:
# 97.5 %, 95.3 %, 97.5 %, on 1,438 training images). Which net is best is not claimed: on
# 8×8 digits blown up to 28×28 the three end within a few points of each other.

# %% [markdown] lang="zh"
# ## 4. 在手写数字上训练课上的三个网络
# 课上用 MNIST 训练；这里用 scikit-learn 内置的手写数字数据代替，放大到 28×28（形状相同：
# (B, 1, 28, 28)，10 个类别）。优化器为 Adam，学习率 3e-3。快速模式下每个网络只训练 30 个批次、
# 每批 32 张图（约三分之二个 epoch，总共几秒钟），并要求测试准确率至少 60 %（实测：第 10 讲的 CNN
# 80.2 %，Inception 网络 73.0 %，残差网络 83.6 %；随机猜测为 10 %）。完整模式训练 8 个 epoch，
# 批大小 64（双核上几分钟），要求至少 93 %（实测：97.5 %、95.3 %、97.5 %，训练图像 1,438 张）。
# 本课不断言哪个网络最好：在从 8×8 放大到 28×28 的数字上，三者最终只差几个百分点。

# %%
train_set, test_set = digits("train", size=28), digits("test", size=28)
x_train, y_train = train_set[:]
x_test, y_test = test_set[:]
batch = 32 if ctx.quick else 64
steps_per_epoch = 30 if ctx.quick else len(x_train) // batch  # quick: 2/3 of one epoch
epochs = 1 if ctx.quick else 8
min_accuracy = 0.6 if ctx.quick else 0.93


def test_accuracy(model: torch.nn.Module) -> float:
    model.eval()
    with torch.no_grad():   # in batches of 64: im2col of all 359 images at once is ~200 MB
        logits = torch.cat([model(xb) for xb in x_test.split(64)])  # (N_test, 10)
    return accuracy(logits, y_test)


def train(model: torch.nn.Module) -> list[float]:
    opt = optim.Adam(model.parameters(), lr=3e-3)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    g = torch.Generator().manual_seed(0)
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x_train), generator=g)
        for step in range(steps_per_epoch):
            idx = order[step * batch:(step + 1) * batch]
            loss = loss_fn(model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


curves = {}
for name, factory in [("lecture 10 CNN", liuer_cnn), ("Inception net", liuer_inception_net),
                      ("Residual net", liuer_residual_net)]:
    torch.manual_seed(0)
    model = factory()
    start = time.perf_counter()
    losses = curves[name] = train(model)
    acc = test_accuracy(model)
    print(f"{name:15s} loss {losses[0]:.3f} -> {losses[-1]:.3f} in {len(losses)} steps   "
          f"test accuracy {acc:.1%}   ({time.perf_counter() - start:.1f} s)")
    assert acc >= min_accuracy, f"{name}: test accuracy {acc:.1%} < {min_accuracy:.0%}"

fig, ax = plt.subplots(figsize=(6, 3))
for name, losses in curves.items():
    ax.plot(losses, label=name)
ax.set_xlabel("step")
ax.set_ylabel("training loss")
ax.legend()
fig.tight_layout()
ctx.savefig(fig, "liuer_cnn_losses.png")
