# %% [markdown]
# # Early stopping: the trainer's callback, and restoring the best weights — 提前停止：训练器回调与恢复最佳权重
#
# **Library files:** `src/dlfs/train/callbacks.py` (`EarlyStopping`: stop after `patience`
# epochs without improvement), `src/dlfs/train/best_weights.py` (`RestoreBestWeights`: keep
# the best epoch's weights and load them back), `src/dlfs/train/loop.py` (`fit`, which
# validates after every epoch), `src/dlfs/data/label_noise.py` (`redraw_labels`). Tests:
# `tests/basics/test_basics_early_stopping.py`.
#
# A network trained long enough fits its training set ever more closely — including the
# parts that are wrong. Here 30 % of the labels (training and validation alike) were
# redrawn at random — about $0.3 \times 9/10 = 0.27$ end up wrong, since a redrawn label is
# right by chance one time in ten — as if careless annotators had been at work. The
# validation loss first falls while the network learns what digits look like, then rises
# while it memorises the wrong labels of its training images. **Early stopping** watches the
# validation loss and stops once it has not improved for `patience` epochs; the weights to
# keep are those of the best epoch, not the last.

# %% [markdown] lang="zh"
# # 提前停止：训练器回调与恢复最佳权重
#
# **库文件：** `src/dlfs/train/callbacks.py`（`EarlyStopping`：连续 `patience` 个 epoch 没有改善就
# 停止），`src/dlfs/train/best_weights.py`（`RestoreBestWeights`：保存最佳 epoch 的权重，最后再载入），
# `src/dlfs/train/loop.py`（`fit`，每个 epoch 之后做一次验证），`src/dlfs/data/label_noise.py`
# （`redraw_labels`）。测试：`tests/basics/test_basics_early_stopping.py`。
#
# 网络训练得足够久，就会把训练集拟合得越来越紧——连错的部分也不放过。这里 30 % 的标签（训练集和验证集
# 都一样）被重新随机抽取——重抽的标签有十分之一的机会碰巧是对的，所以约 $0.3 \times 9/10 = 0.27$ 最终
# 是错的——就像标注员一时马虎。验证损失先是下降（网络在学数字长什么样），随后上升（网络在死记训练图片
# 上的错误标签）。**提前停止**盯着验证损失，一旦它连续 `patience` 个 epoch 没有改善就停下；要保留的是
# 最佳那个 epoch 的权重，而不是最后的权重。

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
from dlfs.train import EarlyStopping, fit
from dlfs.train.best_weights import RestoreBestWeights

ctx = lesson_context("early-stopping")

# %% [markdown]
# ## 1. Digits with noisy labels
# 300 training and 300 validation images with redrawn labels; the remaining 1197 images,
# with their true labels, are the test set that tells who really learned digits.

# %% [markdown] lang="zh"
# ## 1. 带噪声标签的手写数字
# 300 张训练图、300 张验证图，标签经过重新抽取；其余 1197 张图带着真实标签，作为测试集，看谁真的
# 学会了认数字。

# %%
x_all, y_all = digits("all", flatten=True)[:]                       # (1797, 64), (1797,)
order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(0))
train_idx, val_idx, test_idx = order[:300], order[300:600], order[600:]



x_train, y_train = x_all[train_idx], redraw_labels(y_all[train_idx], 0.3, 10, seed=1)
x_val, y_val = x_all[val_idx], redraw_labels(y_all[val_idx], 0.3, 10, seed=2)
x_test, y_test = x_all[test_idx], y_all[test_idx]
wrong = (y_train != y_all[train_idx]).float().mean().item()
print(f"train {len(x_train)}, val {len(x_val)}, test {len(x_test)}; wrong training labels "
      f"{wrong:.0%}")


def new_model() -> dnn.Sequential:
    torch.manual_seed(0)
    return dnn.Sequential(dnn.Linear(64, 256), dnn.ReLU(), dnn.Linear(256, 256), dnn.ReLU(),
                          dnn.Linear(256, 10))


def train(model, epochs: int, callbacks=()):
    """Full-batch Adam through `fit`; validation after every epoch."""
    return fit(model, [(x_train, y_train)], loss_fn=F.cross_entropy,
               optimizer=optim.Adam(model.parameters(), lr=3e-3),
               val_loader=[(x_val, y_val)], metrics={"acc": accuracy}, epochs=epochs,
               callbacks=callbacks, device="cpu", seed=0)


# %% [markdown]
# ## 2. Without stopping: the validation loss turns
# One full-batch step per epoch. The training loss keeps falling towards zero (the network
# ends up reproducing even the wrong labels); the validation loss reaches its lowest point
# early and climbs after it.

# %% [markdown] lang="zh"
# ## 2. 不提前停止：验证损失拐头向上
# 每个 epoch 一步全批量更新。训练损失一路降向零（网络最后连错误标签也能复现）；验证损失很早就到了
# 最低点，之后一路攀升。

# %%
epochs = 60 if ctx.quick else 150
long_model = new_model()
long_run = train(long_model, epochs)
val_loss, train_loss = long_run.metric("val/loss"), long_run.metric("train/loss")
best_epoch = min(range(epochs), key=lambda e: val_loss[e])
with torch.no_grad():
    test_last = accuracy(long_model(x_test), y_test)
print(f"best validation loss {val_loss[best_epoch]:.3f} at epoch {best_epoch}; after {epochs} "
      f"epochs {val_loss[-1]:.3f} (train loss {train_loss[-1]:.3f}); "
      f"test accuracy of the last weights {test_last:.1%}")
assert val_loss[-1] > 1.3 * val_loss[best_epoch] and train_loss[-1] < train_loss[best_epoch]

# %% [markdown]
# ## 3. With `EarlyStopping` and `RestoreBestWeights`
# The same model, data and seed, so the run is the same epoch for epoch until it stops. With
# $L_\text{val}(e)$ the validation loss after epoch $e$, the best epoch so far and the
# stopping rule are (an improvement means a strictly lower loss)
#
# $$
# e^\star(e) = \arg\min_{e' \le e} L_\text{val}(e'), \qquad
# e_\text{stop} = \min \lbrace e : e - e^\star(e) \ge \text{patience} \rbrace
# $$
#
# With `patience = 5`, it must stop 5 epochs after the last improvement — we can predict the
# epoch from the long run's curve (`predicted_stop`) — and end holding the weights of the
# best epoch $e^\star(e_\text{stop})$.

# %% [markdown] lang="zh"
# ## 3. 使用 `EarlyStopping` 与 `RestoreBestWeights`
# 同样的模型、数据和随机种子，所以在停下之前，这次训练与上面逐个 epoch 完全相同。记 $L_\text{val}(e)$
# 为第 $e$ 个 epoch 之后的验证损失，到目前为止的最佳 epoch 与停止规则是（“改善”指损失严格下降）：
#
# $$
# e^\star(e) = \arg\min_{e' \le e} L_\text{val}(e'), \qquad
# e_\text{stop} = \min \lbrace e : e - e^\star(e) \ge \text{patience} \rbrace
# $$
#
# `patience = 5` 时，它必须在最后一次改善之后 5 个 epoch 停下——这个 epoch 可以从上面那条曲线预测出来
# （`predicted_stop`）——并且最后拿着最佳 epoch $e^\star(e_\text{stop})$ 的权重。

# %%
patience = 5
best_so_far, predicted_stop = 0, None
for e in range(1, epochs):
    if val_loss[e] < val_loss[best_so_far]:
        best_so_far = e
    elif e - best_so_far >= patience:
        predicted_stop = e
        break

model = new_model()
restore = RestoreBestWeights("val/loss")
short_run = train(model, epochs, callbacks=[EarlyStopping("val/loss", patience=patience),
                                            restore])
stopped = len(short_run.epochs) - 1
with torch.no_grad():
    val_restored = F.cross_entropy(model(x_val), y_val).item()
    test_best = accuracy(model(x_test), y_test)
print(f"stopped after epoch {stopped} (predicted {predicted_stop}); restored epoch "
      f"{restore.best_epoch}: validation loss {val_restored:.3f}; test accuracy {test_best:.1%} "
      f"(vs {test_last:.1%} for the last weights of the long run)")
print(short_run.events[-2], "|", short_run.events[-1])
assert stopped == predicted_stop and restore.best_epoch == best_so_far
assert abs(val_restored - val_loss[best_so_far]) < 1e-5
assert test_best > test_last + 0.05

fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.plot(train_loss, label="train loss (noisy labels)")
ax.plot(val_loss, label="validation loss (noisy labels)")
ax.axvline(restore.best_epoch, color="green", ls="--", lw=1, label="best epoch (restored)")
ax.axvline(stopped, color="red", ls=":", lw=1, label=f"early stop (patience {patience})")
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy")
ax.set_title(f"test accuracy: restored {test_best:.1%}, trained on {test_last:.1%}")
ax.legend(fontsize=8)
ctx.savefig(fig, "early_stopping.png")

# %% [markdown]
# `patience` trades a little compute for robustness: the validation loss is noisy, and
# stopping at the first uptick would often stop too soon. For a long run or a large model,
# keep the best weights on disk instead of in memory: `fit(..., checkpoint_dir=...)` writes
# `best.pt` whenever the monitored metric improves, and survives a resume.

# %% [markdown] lang="zh"
# `patience` 用一点计算换来稳健：验证损失本身有噪声，一见上升就停，常常停得太早。对长时间训练或大模型，
# 把最佳权重存在磁盘上而不是内存里：`fit(..., checkpoint_dir=...)` 会在监控指标每次改善时写出
# `best.pt`，断点续训后也还在。
