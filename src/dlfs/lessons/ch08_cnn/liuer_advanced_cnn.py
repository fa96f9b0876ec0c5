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
# - **ResidualBlock**: y = relu(x + conv2(relu(conv1(x)))), both convs 3×3 with padding 1 so
#   that x and the branch have the same shape and can be added.

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
# padding 1), so every branch keeps H×W and `torch.cat(..., dim=1)` can join them.

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
# respect to the input always contains that identity path: for x > 0 and a zero branch,
# d sum(y) / dx = 1 exactly.

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
#
# 快速模式每个网络只训练 30 个批次（每批 32 张图，约三分之二个 epoch，共几秒钟），断言测试准确率
# 至少 60 %（实测：第 10 讲 CNN 80.2 %，Inception 网络 73.0 %，残差网络 83.6 %；随机猜测为
# 10 %）。完整模式训练 8 个 epoch（批大小 64，双核几分钟），断言至少 93 %（实测 97.5 %、
# 95.3 %、97.5 %）。本课不断言哪个网络最好：在放大到 28×28 的 8×8 数字上，三者最终只差几个百分点。

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
