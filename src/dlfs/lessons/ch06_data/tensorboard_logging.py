# %% [markdown]
# # TensorBoard: scalars, images and histograms — TensorBoard 可视化：标量、图片与直方图
#
# **Library files:** `src/dlfs/train/tensorboard.py` (`TensorBoardLogger`),
# `src/dlfs/train/loop.py` (`fit(..., log_dir=...)`), `src/dlfs/data/datasets/shapes.py`.
#
# TensorBoard reads *event files*: append-only logs of (tag, step, value) records. PyTorch
# writes them with `torch.utils.tensorboard.SummaryWriter`; `dlfs.train.fit` does it for you
# when you pass `log_dir`. Here we write scalars and images by hand, then let `fit` log a
# small CNN's training, and finally read the files back — the way TensorBoard itself does —
# to check what is in them. View them with `tensorboard --logdir runs/tensorboard-logging`.

# %% [markdown] lang="zh"
# # TensorBoard 可视化：标量、图片与直方图
#
# **库文件：** `src/dlfs/train/tensorboard.py`（`TensorBoardLogger`）、`src/dlfs/train/loop.py`
# （`fit(..., log_dir=...)`）、`src/dlfs/data/datasets/shapes.py`。
#
# TensorBoard 读取的是*事件文件*：只追加、不修改的日志，每条记录是 (tag, step, value)。PyTorch
# 用 `torch.utils.tensorboard.SummaryWriter` 写这些文件；传入 `log_dir` 时，`dlfs.train.fit` 会
# 替你写。这里我们先手工写入标量和图片，再让 `fit` 记录一个小 CNN 的训练过程，最后像
# TensorBoard 自己那样把文件读回来，检查里面有什么。用
# `tensorboard --logdir runs/tensorboard-logging` 查看它们。

# %%
import math
import shutil

import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard import SummaryWriter

from dlfs import nn
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader
from dlfs.data.datasets import shapes
from dlfs.data.transforms import ToTensor
from dlfs.optim import SGD
from dlfs.train import TensorBoardLogger, fit

ctx = lesson_context("tensorboard-logging")
torch.manual_seed(0)
for old in ("manual", "fit"):  # a rerun starts from empty logs, so the counts below hold
    shutil.rmtree(ctx.path(old), ignore_errors=True)


def read_events(log_dir):
    """Load every event file under ``log_dir`` (what the TensorBoard UI shows)."""
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


# %% [markdown]
# ## 1. Scalars and images by hand
# `add_scalar(tag, value, step)` adds one point to a curve; `add_image(tag, img, step)`
# stores a (C, H, W) picture with values in [0, 1].

# %% [markdown] lang="zh"
# ## 1. 手工写入标量和图片
# `add_scalar(tag, value, step)` 给一条曲线添加一个点；`add_image(tag, img, step)` 保存一张
# (C, H, W)、取值在 [0, 1] 的图片。

# %%
manual_dir = ctx.path("manual")
writer = SummaryWriter(str(manual_dir))
for step in range(20):
    writer.add_scalar("demo/sine", math.sin(step / 3), step)
train = shapes("train", n_train=60, transform=ToTensor())
for i in range(3):
    image, label = train[i]                       # (3, 32, 32) float in [0, 1]
    writer.add_image(f"shapes/{train.classes[label]}_{i}", image, 0)
writer.close()

acc = read_events(manual_dir)
sine = acc.Scalars("demo/sine")
print(f"scalar tags: {acc.Tags()['scalars']}; {len(sine)} points of demo/sine")
print(f"image tags:  {acc.Tags()['images']}")
assert [e.step for e in sine] == list(range(20))
assert abs(sine[3].value - math.sin(1.0)) < 1e-6
assert len(acc.Tags()["images"]) == 3

# %% [markdown]
# ## 2. Let `fit` do the logging
# `fit(..., log_dir=...)` adds a `TensorBoardLogger`: the step loss and learning rate, every
# epoch metric, and — with a logger of our own — weight/gradient histograms and images. The
# tags follow one scheme in every `dlfs` run: `loss/train`, `loss/val`, `opt/lr`,
# `opt/grad_norm`, `perf/samples_per_s`, metrics as `val/<name>` (`dlfs.train.tensorboard`).

# %% [markdown] lang="zh"
# ## 2. 让 `fit` 来记录
# `fit(..., log_dir=...)` 会添加一个 `TensorBoardLogger`：记录每一步的损失和学习率、每个 epoch
# 的各项指标，以及——如果用我们自己配置的 logger——权重/梯度的直方图和图片。在每次 `dlfs`
# 运行中，标签都遵循同一套命名：`loss/train`、`loss/val`、`opt/lr`、`opt/grad_norm`、
# `perf/samples_per_s`，指标记为 `val/<name>`（见 `dlfs.train.tensorboard`）。

# %%
model = nn.Sequential(
    nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(4),   # (B, 8, 8, 8)
    nn.Flatten(), nn.Linear(8 * 8 * 8, 3),                       # (B, 3)
)
test = shapes("test", n_test=60, transform=ToTensor())
loader = DataLoader(train, batch_size=20, shuffle=True, generator=torch.Generator().manual_seed(0))
fit_dir = ctx.path("fit")
first_filters = lambda trainer: {  # noqa: E731 - a tiny image function for the logger
    "filters/conv1": trainer.model[0].weight[:, :1].detach().sub(-0.5).clamp(0, 1)}
history = fit(model, loader, loss_fn=nn.CrossEntropyLoss(),
              optimizer=SGD(model.parameters(), lr=0.05, momentum=0.9),
              val_loader=DataLoader(test, batch_size=30), epochs=2 if ctx.quick else 10,
              device="cpu",
              callbacks=[TensorBoardLogger(str(fit_dir), histogram_every=3,
                                           image_fn=first_filters)])
acc = read_events(fit_dir)
tags = acc.Tags()
print("scalars:", sorted(tags["scalars"]))
print("histograms:", len(tags["histograms"]), "tags, e.g.", sorted(tags["histograms"])[:2])
for tag in ("loss/train", "opt/lr", "loss/val", "opt/grad_norm"):
    assert tag in tags["scalars"], tag
assert len(acc.Scalars("loss/train")) == len(history.step_loss)
assert any(t.startswith("weights/") for t in tags["histograms"])
assert any(t.startswith("grads/") for t in tags["histograms"])
assert "filters/conv1" in tags["images"]
print(f"val loss per epoch: {[round(v, 3) for v in history.metric('val/loss')]}")
print(f"open them: tensorboard --logdir {ctx.out_dir}")
