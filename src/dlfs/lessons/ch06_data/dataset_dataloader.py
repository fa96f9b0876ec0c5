# %% [markdown]
# # Day 12 · Custom Dataset and DataLoader — DataLoader 与 Dataset 自定义
#
# **Library files:** `src/dlfs/data/dataset.py` (Dataset, TensorDataset, Subset, random_split,
# ConcatDataset), `src/dlfs/data/sampler.py`, `src/dlfs/data/collate.py`,
# `src/dlfs/data/loader.py`, `src/dlfs/data/formats/image_folder.py` (label files),
# `src/dlfs/data/datasets/tabular.py` (the diabetes task).
#
# A **Dataset** answers two questions: how many samples (`len`) and what is sample `i`
# (`ds[i]`). A **DataLoader** does the rest: it asks a *sampler* for an order, cuts it into
# batches, fetches the samples and *collates* them into tensors with a batch dimension.
#
# Vocabulary (Liu Er, lecture 8): one **epoch** is one pass over all N samples; a
# **batch** holds B samples; an epoch has $\lceil N / B \rceil$ **iterations**
# ($\lfloor N / B \rfloor$ with drop_last).

# %% [markdown] lang="zh"
# # 第 12 天 · 自定义 Dataset 与 DataLoader
#
# **库文件：** `src/dlfs/data/dataset.py`（Dataset、TensorDataset、Subset、random_split、
# ConcatDataset）、`src/dlfs/data/sampler.py`、`src/dlfs/data/collate.py`、
# `src/dlfs/data/loader.py`、`src/dlfs/data/formats/image_folder.py`（标签文件）、
# `src/dlfs/data/datasets/tabular.py`（糖尿病任务）。
#
# **Dataset** 回答两个问题：有多少个样本（`len`），第 `i` 个样本是什么（`ds[i]`）。其余的事都由
# **DataLoader** 来做：它向*采样器*（sampler）要一个顺序，把顺序切成批次，取出样本，再把它们
# *整理*（collate）成带批量维度的张量。
#
# 术语（刘二大人第 8 讲）：一个 **epoch** 是把全部 N 个样本过一遍；一个**批次**（batch）包含
# B 个样本；一个 epoch 有 $\lceil N / B \rceil$ 次**迭代**（iteration；设置 drop_last 时为
# $\lfloor N / B \rfloor$）。

# %%
import math
import shutil

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.utils.data as tud
from torch import nn

from dlfs.curriculum import lesson_context
from dlfs.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    Subset,
    default_collate,
    random_split,
)
from dlfs.data.datasets import diabetes_binary, make_shapes
from dlfs.data.formats import LabelFileDataset, generate_labels, read_image, write_image

ctx = lesson_context("dataset-dataloader")
torch.manual_seed(0)

# %% [markdown]
# ## 1. A custom Dataset over image files and label files
# The ants/bees practice set keeps images in `train/ants_image/` and one text file per image
# in `train/ants_label/` holding the word `ants`. We build a tiny copy from the synthetic
# shapes (circles play "ants", squares "bees"), let `generate_labels` write the label
# files, and read them back with `LabelFileDataset` — a Dataset whose `__getitem__` opens
# one image and its label file.

# %% [markdown] lang="zh"
# ## 1. 基于图像文件和标签文件的自定义 Dataset
# 蚂蚁/蜜蜂练习数据集把图像放在 `train/ants_image/` 里，每张图像在 `train/ants_label/` 里对应
# 一个文本文件，内容是单词 `ants`。我们用合成的形状图像做一个小副本（圆形扮演“蚂蚁”，方形
# 扮演“蜜蜂”），让 `generate_labels` 写出标签文件，再用 `LabelFileDataset` 读回来——这个
# Dataset 的 `__getitem__` 会打开一张图像及其标签文件。

# %%
root = ctx.path("hymenoptera") / "train"
shutil.rmtree(root, ignore_errors=True)  # start clean: a previous run may have left files
images, labels = make_shapes(12, seed=0)
for kind, label_value in (("ants", 0), ("bees", 1)):
    folder = root / f"{kind}_image"
    folder.mkdir(parents=True, exist_ok=True)
    for i in np.flatnonzero(labels == label_value):
        write_image(folder / f"{kind}_{i:03d}.ppm", images[i])
    written = generate_labels(root, f"{kind}_image")
    print(f"{kind}: {len(written)} images, label file {written[0].name} says "
          f"{written[0].read_text()!r}")

ants = LabelFileDataset(root, "ants_image", "ants_label")
bees = LabelFileDataset(root, "bees_image", "bees_label")
train_set = ants + bees  # `+` builds a ConcatDataset
img, label = train_set[0]
print("len(ants), len(bees), len(ants + bees):", len(ants), len(bees), len(train_set))
print("sample 0:", img.shape, img.dtype, label)
assert len(train_set) == len(ants) + len(bees) == 8
assert train_set[len(ants)][1] == "bees" and label == "ants"
assert np.array_equal(img, read_image(ants.images[0]))

# %% [markdown]
# ## 2. Writing a Dataset yourself: the diabetes table (Liu Er, lecture 8)
# A class with `__init__` (load once), `__getitem__` and `__len__` is all a DataLoader needs.
# The data: `dlfs.data.datasets.diabetes_binary` (scikit-learn's diabetes table with the
# target split at its median — the lecture's Pima table is not shipped by any package here).

# %% [markdown] lang="zh"
# ## 2. 自己写一个 Dataset：糖尿病数据表（刘二大人第 8 讲）
# 一个带有 `__init__`（只加载一次）、`__getitem__` 和 `__len__` 的类，就是 DataLoader 需要的
# 全部。数据：`dlfs.data.datasets.diabetes_binary`（scikit-learn 的糖尿病数据表，目标值按中位数
# 一分为二——课上用的 Pima 数据表在这里没有任何包提供）。

# %%
class DiabetesDataset(tud.Dataset):
    """Rows of (10 features, 1 label as float for BCE)."""

    def __init__(self, split):
        x, y = diabetes_binary(split)[:]
        self.x, self.y = x, y.float().unsqueeze(1)  # (N, 10), (N, 1)

    def __getitem__(self, index):
        return self.x[index], self.y[index]

    def __len__(self):
        return len(self.x)


train_data, test_data = DiabetesDataset("train"), DiabetesDataset("test")
loader = DataLoader(train_data, batch_size=32, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
xb, yb = next(iter(loader))
print(f"N = {len(train_data)}, B = 32 -> {len(loader)} iterations per epoch")
print("one batch:", tuple(xb.shape), tuple(yb.shape))
assert len(loader) == math.ceil(len(train_data) / 32) and xb.shape == (32, 10)
assert len(DataLoader(train_data, batch_size=32, drop_last=True)) == len(train_data) // 32

# %% [markdown]
# ## 3. What the DataLoader does, step by step
# sampler (order) → BatchSampler (lists of indices) → `dataset[i]` for each → `default_collate`.
# Spelled out by hand, it gives exactly the DataLoader's batches — and torch's DataLoader
# gives the same ones for the same generator seed.

# %% [markdown] lang="zh"
# ## 3. DataLoader 一步一步做了什么
# 采样器（顺序）→ BatchSampler（索引列表）→ 对每个索引取 `dataset[i]` → `default_collate`。
# 手工逐步写出来，得到的批次与 DataLoader 的完全一样——而对同一个生成器种子，torch 的
# DataLoader 也给出同样的批次。

# %%
g = torch.Generator().manual_seed(42)
torch.empty((), dtype=torch.int64).random_(generator=g)  # a loader first draws a worker seed
by_hand = []
for indices in BatchSampler(RandomSampler(train_data, generator=g), 32, drop_last=False):
    samples = [train_data[i] for i in indices]  # B tuples of ((10,), (1,))
    by_hand.append(default_collate(samples))  # [(B, 10), (B, 1)]
ours = list(DataLoader(train_data, batch_size=32, shuffle=True,
                       generator=torch.Generator().manual_seed(42)))
theirs = list(tud.DataLoader(train_data, batch_size=32, shuffle=True,
                             generator=torch.Generator().manual_seed(42)))
print("first batch labels (ours):", ours[0][1][:8, 0].tolist())
assert all(torch.equal(a[0], b[0]) for a, b in zip(by_hand, ours))
assert all(torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) for a, b in zip(ours, theirs))
print("by hand == dlfs DataLoader == torch DataLoader: same", len(ours), "batches")

# %% [markdown]
# Collation follows the structure of a sample: tuples become lists of batched tensors,
# dicts become dicts, strings stay lists of strings.

# %% [markdown] lang="zh"
# 整理（collate）遵循样本的结构：元组变成由批量张量组成的列表，字典仍是字典，字符串则保持为
# 字符串列表。

# %%
samples = [{"x": torch.ones(3), "label": 1, "name": "a"},
           {"x": torch.zeros(3), "label": 0, "name": "b"}]
batch = default_collate(samples)
print({k: (tuple(v.shape) if torch.is_tensor(v) else v) for k, v in batch.items()})
assert batch["x"].shape == (2, 3) and batch["label"].tolist() == [1, 0]
assert batch["name"] == ["a", "b"]

# %% [markdown]
# ## 4. Splits and subsets
# `random_split` shuffles once and cuts; fractions work too. A `Subset` is just a list of
# indices into the parent data set.

# %% [markdown] lang="zh"
# ## 4. 划分与子集
# `random_split` 先打乱一次再切分；也可以按比例切分。`Subset` 不过是指向父数据集的一个索引
# 列表。

# %%
part_a, part_b = random_split(train_data, [0.8, 0.2], generator=torch.Generator().manual_seed(1))
print("random_split sizes:", len(part_a), len(part_b))
assert len(part_a) + len(part_b) == len(train_data)
assert not set(part_a.indices) & set(part_b.indices)
assert torch.equal(Subset(train_data, [5])[0][0], train_data[5][0])

# %% [markdown]
# ## 5. Mini-batch training (Liu Er, lecture 8)
# A 10 → 6 → 4 → 1 network with sigmoids and binary cross-entropy, trained for a few epochs
# over the DataLoader: the two nested loops `for epoch` / `for batch`. For a batch of $B$ rows
# $x_i$ with labels $y_i \in \{0, 1\}$:
#
# $$
# \hat{y}_i = \sigma\Bigl(W_3\, \sigma\bigl(W_2\, \sigma(W_1 x_i + b_1) + b_2\bigr) + b_3\Bigr),
# \qquad
# L = -\frac{1}{B} \sum_{i=1}^{B} \bigl(y_i \log \hat{y}_i + (1 - y_i) \log(1 - \hat{y}_i)\bigr)
# $$

# %% [markdown] lang="zh"
# ## 5. 小批量训练（刘二大人第 8 讲）
# 一个 10 → 6 → 4 → 1 的网络，使用 sigmoid 激活和二元交叉熵，在 DataLoader 上训练几个 epoch：
# 就是 `for epoch` / `for batch` 两层嵌套循环。对一个含 $B$ 行 $x_i$、标签 $y_i \in \{0, 1\}$ 的
# 批次：
#
# $$
# \hat{y}_i = \sigma\Bigl(W_3\, \sigma\bigl(W_2\, \sigma(W_1 x_i + b_1) + b_2\bigr) + b_3\Bigr),
# \qquad
# L = -\frac{1}{B} \sum_{i=1}^{B} \bigl(y_i \log \hat{y}_i + (1 - y_i) \log(1 - \hat{y}_i)\bigr)
# $$

# %%
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(10, 6), nn.Sigmoid(), nn.Linear(6, 4), nn.Sigmoid(),
                      nn.Linear(4, 1), nn.Sigmoid())
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.BCELoss()
epochs = 5 if ctx.quick else 60
history = []
for _epoch in range(epochs):
    total = 0.0
    for xb, yb in loader:
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    history.append(total / len(train_data))
with torch.no_grad():
    accuracy = ((model(test_data.x) > 0.5).float() == test_data.y).float().mean().item()
print(f"epoch 1 loss {history[0]:.3f} -> epoch {epochs} loss {history[-1]:.3f}; "
      f"test accuracy {accuracy:.2f}")
assert history[-1] < history[0] - 0.1, "mini-batch training should lower the loss"
assert accuracy > 0.65, "well above the 0.5 of guessing"

# %% [markdown]
# ## 6. Resuming in the middle of an epoch
# `loader.state_dict()` stores the epoch's order and how many batches were handed out; a new
# loader that loads it continues with the next batch (this is what a checkpoint saves).

# %% [markdown] lang="zh"
# ## 6. 在一个 epoch 中途恢复
# `loader.state_dict()` 保存本 epoch 的顺序以及已经发出了多少个批次；新的 loader 加载它之后，
# 会从下一个批次接着来（检查点保存的正是这些）。

# %%
def make_loader():
    return DataLoader(train_data, batch_size=32, shuffle=True,
                      generator=torch.Generator().manual_seed(7))


full = [yb for _, yb in make_loader()]
run = make_loader()
it = iter(run)
first_three = [next(it)[1] for _ in range(3)]
state = run.state_dict()
resumed = make_loader()
resumed.load_state_dict(state)
rest = [yb for _, yb in resumed]
print(f"stopped after {state['num_yielded']} batches; resumed with {len(rest)} more")
assert all(torch.equal(a, b) for a, b in zip(first_three + rest, full))
assert len(first_three) + len(rest) == len(full)

# %%
fig, (ax_img, ax_loss) = plt.subplots(1, 2, figsize=(9, 3.2))
ax_img.imshow(np.concatenate([train_set[i][0] for i in (0, 1, 4, 5)], axis=1))
ax_img.set_title("ants (circles) | bees (squares)")
ax_img.axis("off")
ax_loss.plot(range(1, epochs + 1), history, marker="o", ms=3)
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("mean BCE loss")
ax_loss.set_title("diabetes task, mini-batches of 32")
fig.tight_layout()
ctx.savefig(fig, "dataset_dataloader.png")
