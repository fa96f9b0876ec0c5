# %% [markdown]
# # Day 14 · The minimal runnable training template — 复盘：最小可运行训练模板
#
# **Library files:** `src/dlfs/train/loop.py` (`fit`: the same loop with checkpoints,
# callbacks, AMP and accumulation around it), `src/dlfs/metrics/classification.py` (`accuracy`).
#
# Below is a complete training script that uses nothing but torch — copy it and change the
# data, the model and the loss. Then the same run through `dlfs.train.fit`, and a check that
# both end with bitwise-identical weights: `fit` is this loop, plus the things you add later.
#
# The skeleton, in order: seed → data → model → loss → optimizer → for each epoch:
# `train()`, for each batch: `zero_grad`, forward, loss, `backward`, `step`; then `eval()`
# and validation under `no_grad`.

# %% [markdown] lang="zh"
# # 第 14 天 · 复盘：最小可运行训练模板
#
# **库文件：** `src/dlfs/train/loop.py`（`fit`：同样的循环，外面再加上检查点、回调、AMP 和梯度
# 累积）、`src/dlfs/metrics/classification.py`（`accuracy`）。
#
# 下面是一个只用 torch 的完整训练脚本——复制它，换掉数据、模型和损失函数即可。然后用
# `dlfs.train.fit` 跑同一次训练，并检查两者最终的权重逐位相同：`fit` 就是这个循环，再加上你以后
# 会添加的那些东西。
#
# 骨架按顺序是：种子 → 数据 → 模型 → 损失函数 → 优化器 → 对每个 epoch：`train()`，对每个批次：
# `zero_grad`、前向传播、计算损失、`backward`、`step`；然后 `eval()`，并在 `no_grad` 下做验证。

# %%
import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlfs.curriculum import lesson_context
from dlfs.metrics import accuracy
from dlfs.train import fit

ctx = lesson_context("train-template")

# %% [markdown]
# ## 1. The template (torch only)
# One detail goes beyond the textbook loop: the loader's generator is re-seeded with
# `SEED + epoch` at the start of every epoch, so each epoch's order depends only on the seed
# and the epoch number — the property that makes an exact resume possible (Day 13).
#
# Each step computes the mean cross-entropy of the batch and one step of SGD with momentum
# ($\mu = 0.9$, $\eta$ = `LR` = 0.1; torch's form, with $v = g$ at the first step):
#
# $$
# \text{loss} = \frac{1}{B} \sum_{i=1}^{B} \Big( \log \sum_{k} e^{\text{logits}_{ik}} -
# \text{logits}_{i, y_i} \Big), \qquad
# v \leftarrow \mu v + g, \qquad w \leftarrow w - \eta v
# $$

# %% [markdown] lang="zh"
# ## 1. 模板（只用 torch）
# 有一个细节超出了教科书里的循环：每个 epoch 开始时，都用 `SEED + epoch` 重新设定数据加载器的
# 生成器种子，于是每个 epoch 的顺序只取决于种子和 epoch 编号——正是这一性质让精确续训成为可能
# （第 13 天）。
#
# 每一步计算这个批次的平均交叉熵，并做一步带动量的 SGD（$\mu = 0.9$，$\eta$ = `LR` = 0.1；采用
# torch 的形式，第一步时 $v = g$）：
#
# $$
# \text{loss} = \frac{1}{B} \sum_{i=1}^{B} \Big( \log \sum_{k} e^{\text{logits}_{ik}} -
# \text{logits}_{i, y_i} \Big), \qquad
# v \leftarrow \mu v + g, \qquad w \leftarrow w - \eta v
# $$

# %%
SEED, EPOCHS, BATCH, LR = 0, (3 if ctx.quick else 30), 64, 0.1
device = torch.device("cpu")

# data: scikit-learn's 8x8 digits (shipped with the package), scaled to [0, 1]
digits = load_digits()
X = torch.tensor(digits.data, dtype=torch.float32) / 16.0       # (1797, 64)
Y = torch.tensor(digits.target)                                 # (1797,)
split = torch.randperm(len(X), generator=torch.Generator().manual_seed(SEED))
train_idx, val_idx = split[:1400], split[1400:]
train_ds = TensorDataset(X[train_idx], Y[train_idx])
val_ds = TensorDataset(X[val_idx], Y[val_idx])


def make_model() -> nn.Module:
    torch.manual_seed(SEED)  # same initial weights for both runs
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))


def template_run():
    generator = torch.Generator()
    train_loader = DataLoader(train_ds, batch_size=BATCH, shuffle=True, generator=generator)
    val_loader = DataLoader(val_ds, batch_size=256)
    model = make_model().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    losses, val_acc = [], []
    for epoch in range(EPOCHS):
        generator.manual_seed(SEED + epoch)       # this epoch's order = f(seed, epoch)
        model.train()
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)     # (B, 64), (B,)
            optimizer.zero_grad()
            logits = model(x)                     # (B, 10)
            loss = loss_fn(logits, y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_loader:
                correct += (model(x.to(device)).argmax(1) == y.to(device)).sum().item()
        val_acc.append(correct / len(val_ds))
        print(f"epoch {epoch}: last loss {losses[-1]:.4f}  val acc {val_acc[-1]:.3f}")
    return model, losses, val_acc


plain_model, plain_losses, plain_acc = template_run()

# %% [markdown]
# ## 2. The same run through `fit`
# `fit` does the seeding (`seed=SEED`), the per-epoch re-seeding, the modes and `no_grad`;
# it returns a History with every step's loss and each epoch's metrics.

# %% [markdown] lang="zh"
# ## 2. 通过 `fit` 跑同一次训练
# `fit` 负责设定种子（`seed=SEED`）、每个 epoch 重新设定种子、切换训练/评估模式以及 `no_grad`；
# 它返回一个 History，里面有每一步的损失和每个 epoch 的指标。

# %%
model = make_model()
history = fit(model, DataLoader(train_ds, batch_size=BATCH, shuffle=True,
                                generator=torch.Generator()),
              loss_fn=nn.CrossEntropyLoss(),
              optimizer=torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9),
              epochs=EPOCHS, val_loader=DataLoader(val_ds, batch_size=256),
              metrics={"acc": accuracy}, seed=SEED, device="cpu")
for row in history.epochs:
    print(f"epoch {row['epoch']}: train loss {row['train/loss']:.4f}  val acc {row['val/acc']:.3f}")

# %% [markdown]
# ## 3. They are the same computation

# %% [markdown] lang="zh"
# ## 3. 它们是同一个计算

# %%
same = all(torch.equal(a, b) for a, b in zip(plain_model.parameters(), model.parameters()))
print("weights bitwise equal:", same)
assert same
assert history.step_loss == plain_losses
for a, b in zip(history.metric("val/acc"), plain_acc):
    assert abs(a - b) < 1e-6  # fit averages float32 batch accuracies; the template counts
assert plain_acc[-1] > (0.85 if ctx.quick else 0.95), plain_acc[-1]
print(f"final val accuracy {plain_acc[-1]:.3f}")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
ax1.plot(plain_losses, lw=3, alpha=0.5, label="torch template")
ax1.plot(history.step_loss, "--", label="dlfs fit")
ax1.set(xlabel="step", ylabel="train loss", yscale="log")
ax1.legend()
ax2.plot(plain_acc, "o-", lw=3, alpha=0.5, label="torch template")
ax2.plot(history.metric("val/acc"), "x--", label="dlfs fit")
ax2.set(xlabel="epoch", ylabel="val accuracy")
ax2.legend()
ctx.savefig(fig, "template_vs_fit.png")
