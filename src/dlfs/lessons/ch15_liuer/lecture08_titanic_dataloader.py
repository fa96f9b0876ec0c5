# %% [markdown]
# # Liu Er lecture 8: Dataset and DataLoader, the Titanic homework — 刘二大人第 8 讲：加载数据集（泰坦尼克号作业）
#
# **Library files:** `src/dlfs/data/dataset.py` (`Dataset`), `src/dlfs/data/loader.py`
# (`DataLoader`), `src/dlfs/data/datasets/titanic.py` (`load_titanic`, `score_submission`:
# Kaggle's files shipped offline, and the leaderboard's scoring), `src/dlfs/nn/linear.py`,
# `src/dlfs/optim/adam.py`.
#
# The lecture wraps a table in a `Dataset` (two methods: `__len__` and `__getitem__`) and lets
# a `DataLoader` cut it into shuffled mini-batches; its homework is Kaggle's Titanic. Here is
# that homework, end to end: a `Dataset` over the passenger table, a `DataLoader`, a small
# network trained epoch by epoch on mini-batches, a validation split to see what it learned,
# and a `submission.csv` scored offline exactly as Kaggle scores it.

# %% [markdown] lang="zh"
# # 刘二大人第 8 讲：加载数据集（泰坦尼克号作业）
#
# **库文件：** `src/dlfs/data/dataset.py`（`Dataset`）、`src/dlfs/data/loader.py`（`DataLoader`）、
# `src/dlfs/data/datasets/titanic.py`（`load_titanic`、`score_submission`：离线附带的 Kaggle
# 数据文件，以及排行榜的评分方式）、`src/dlfs/nn/linear.py`、`src/dlfs/optim/adam.py`。
#
# 本讲把一张表包装成 `Dataset`（只要 `__len__` 和 `__getitem__` 两个方法），再由 `DataLoader`
# 把它切成打乱顺序的小批量；课后作业就是 Kaggle 的泰坦尼克号。下面把作业完整做一遍：用 `Dataset`
# 包装乘客表、`DataLoader` 取小批量、逐个 epoch 在小批量上训练一个小网络、用验证集看它学到了什么，
# 最后写出 `submission.csv` 并像 Kaggle 那样离线评分。

# %%
import math

import numpy as np
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data import DataLoader, Dataset
from dlfs.data.datasets.titanic import load_titanic, score_submission

ctx = lesson_context("liuer-titanic-dataloader")
torch.manual_seed(0)
epochs = 30 if ctx.quick else 100

# %% [markdown]
# ## 1. From rows of text to a matrix of numbers
# Six columns the lecture's homework suggests: class, sex, age, siblings/spouses, parents/
# children, fare. Two of them have holes (age: 177 of 891 missing in train; fare: 1 in test),
# filled with the **training** median, and every column is standardized with the training
# mean and deviation (`mean`, `std`: computed after the filling over all 891 rows of
# `train.csv`, the validation rows of section 2 included) — the test rows never shape the
# preprocessing:
#
# $$
# x' = \frac{x - \text{mean}}{\text{std}}
# $$

# %% [markdown] lang="zh"
# ## 1. 从文本行到数值矩阵
# 采用课后作业建议的六列：舱位、性别、年龄、同行的兄弟姐妹/配偶数、同行的父母/子女数、票价。
# 其中两列有缺失（年龄：训练集 891 行中缺 177 个；票价：测试集缺 1 个），用**训练集**的中位数填补；
# 每一列再用训练集的均值和标准差（`mean`、`std`：填补之后在 `train.csv` 的全部 891 行上计算，包括第
# 2 节划出的验证行）标准化——测试行从不参与预处理：
#
# $$
# x' = \frac{x - \text{mean}}{\text{std}}
# $$

# %%
train, test = load_titanic()
FEATURES = ["Pclass", "Sex", "Age", "SibSp", "Parch", "Fare"]


def raw_features(table) -> np.ndarray:
    """(N, 6) float64; sex as 1 for female; missing numbers stay NaN."""
    cols = [table.numeric(c) if c != "Sex" else
            np.array([s == "female" for s in table.column("Sex")], dtype=float)
            for c in FEATURES]
    return np.stack(cols, axis=1)


x_train_raw, x_test_raw = raw_features(train), raw_features(test)
y_all = train.numeric("Survived")
missing_age = int(np.isnan(x_train_raw[:, 2]).sum())
print(f"train {x_train_raw.shape}, test {x_test_raw.shape}; missing ages in train: "
      f"{missing_age}, missing fares in test: {int(np.isnan(x_test_raw[:, 5]).sum())}")
assert x_train_raw.shape == (891, 6) and x_test_raw.shape == (418, 6) and missing_age == 177

medians = np.nanmedian(x_train_raw, axis=0)             # fitted on train only
mean, std = None, None


def prepare(raw: np.ndarray) -> np.ndarray:
    filled = np.where(np.isnan(raw), medians, raw)
    return (filled - mean) / std


filled_train = np.where(np.isnan(x_train_raw), medians, x_train_raw)
mean, std = filled_train.mean(0), filled_train.std(0)
x_all, x_test = prepare(x_train_raw), prepare(x_test_raw)
assert np.isfinite(x_all).all() and np.isfinite(x_test).all()
assert np.allclose(x_all.mean(0), 0) and np.allclose(x_all.std(0), 1)

# %% [markdown]
# ## 2. The Dataset: two methods
# `__len__` says how many samples there are; `__getitem__(i)` returns sample `i` as
# `(features, label)`. Everything else — batching, shuffling, stacking — is the loader's job.

# %% [markdown] lang="zh"
# ## 2. Dataset：两个方法
# `__len__` 说明有多少个样本；`__getitem__(i)` 以 `(features, label)` 的形式返回样本 `i`。
# 其余的一切——分批、打乱、堆叠——都是加载器（loader）的事。

# %%
class TitanicDataset(Dataset):
    """Passengers as (x (6,) float32, y (1,) float32) pairs."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x = torch.as_tensor(x, dtype=torch.float32)
        self.y = torch.as_tensor(y, dtype=torch.float32)[:, None]

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int):
        return self.x[i], self.y[i]


# A fixed 80 / 20 split of the 891 training passengers for validation.
order = torch.randperm(891, generator=torch.Generator().manual_seed(0)).numpy()
fit_rows, val_rows = order[:712], order[712:]
fit_set = TitanicDataset(x_all[fit_rows], y_all[fit_rows])
val_set = TitanicDataset(x_all[val_rows], y_all[val_rows])
x0, y0 = fit_set[0]
print(f"len(fit_set) = {len(fit_set)}, len(val_set) = {len(val_set)}; one sample: "
      f"x {tuple(x0.shape)}, y {tuple(y0.shape)}")
assert len(fit_set) == 712 and len(val_set) == 179 and x0.shape == (6,) and y0.shape == (1,)

# %% [markdown]
# ## 3. The DataLoader: shuffled mini-batches
# `batch_size=32, shuffle=True`: each epoch visits every sample once in a new order, in
# $\lceil 712 / 32 \rceil = 23$ batches (the last one has $712 - 22 \cdot 32 = 8$ samples).

# %% [markdown] lang="zh"
# ## 3. DataLoader：打乱的小批量
# `batch_size=32, shuffle=True`：每个 epoch 以新的顺序把每个样本访问一次，共
# $\lceil 712 / 32 \rceil = 23$ 个批次（最后一批有 $712 - 22 \cdot 32 = 8$ 个样本）。

# %%
loader = DataLoader(fit_set, batch_size=32, shuffle=True,
                    generator=torch.Generator().manual_seed(1))
sizes = [xb.shape[0] for xb, _ in loader]
print(f"{len(sizes)} batches per epoch, sizes {sizes[:3]} ... {sizes[-1]}")
assert len(sizes) == math.ceil(712 / 32) == 23 and sizes[-1] == 8 and sum(sizes) == 712
first_epoch = torch.cat([yb for _, yb in loader])
second_epoch = torch.cat([yb for _, yb in loader])
assert first_epoch.sum() == second_epoch.sum() and not torch.equal(first_epoch, second_epoch)
print("two epochs: the same samples, in a different order")

# %% [markdown]
# ## 4. The model and the training loop over mini-batches
# 6 → 8 → 1 with a sigmoid output and binary cross-entropy, as in lectures 6–7; the only
# new thing is the inner loop over the loader's batches. Each step minimizes the BCE of one
# batch $\mathcal{B}$; the printed epoch loss $\bar{L}$ is the size-weighted mean over the batches:
#
# $$
# \text{loss}_{\mathcal{B}} = -\frac{1}{|\mathcal{B}|} \sum_{i \in \mathcal{B}}
# \big[\, y_i \log p_i + (1 - y_i) \log(1 - p_i) \,\big], \qquad
# \bar{L} = \frac{1}{712} \sum_{\mathcal{B}} |\mathcal{B}|\, \text{loss}_{\mathcal{B}}
# $$

# %% [markdown] lang="zh"
# ## 4. 模型，以及在小批量上的训练循环
# 6 → 8 → 1，sigmoid 输出加二元交叉熵，与第 6–7 讲相同；唯一的新东西是内层对加载器各批次的循环。
# 每一步最小化一个批次 $\mathcal{B}$ 的 BCE；打印的 epoch 损失 $\bar{L}$ 是各批次按大小加权的平均：
#
# $$
# \text{loss}_{\mathcal{B}} = -\frac{1}{|\mathcal{B}|} \sum_{i \in \mathcal{B}}
# \big[\, y_i \log p_i + (1 - y_i) \log(1 - p_i) \,\big], \qquad
# \bar{L} = \frac{1}{712} \sum_{\mathcal{B}} |\mathcal{B}|\, \text{loss}_{\mathcal{B}}
# $$

# %%
model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
loss_fn = nn.BCELoss()
optimizer = optim.Adam(model.parameters(), lr=0.01)


def accuracy(dataset: TitanicDataset) -> float:
    with torch.no_grad():
        return ((model(dataset.x) > 0.5).float() == dataset.y).float().mean().item()


losses = []
for _ in range(epochs):
    total = 0.0
    for xb, yb in loader:                       # one step per mini-batch
        loss = loss_fn(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    losses.append(total / len(fit_set))
train_acc, val_acc = accuracy(fit_set), accuracy(val_set)
print(f"after {epochs} epochs: mean loss {losses[0]:.3f} -> {losses[-1]:.3f}; "
      f"accuracy train {train_acc:.3f}, validation {val_acc:.3f}")
assert losses[-1] < losses[0] * 0.8
# 'every woman survives' is the baseline: the network must at least match it
gender_all = float(((x_train_raw[:, 1] == 1) == (y_all == 1)).mean())
gender_val = ((val_set.x[:, 1:2] > 0).float() == val_set.y).float().mean().item()
print(f"'every woman survives' is right for {gender_all:.3f} of the 891 training passengers "
      f"and {gender_val:.3f} of the validation ones")
assert 0.78 < gender_all < 0.79
assert val_acc >= gender_val - 0.02 and val_acc > 0.75

# %% [markdown]
# ## 5. The submission, scored as Kaggle scores it
# Predict the 418 test passengers, write Kaggle's two columns, and score the file offline
# against the answer key shipped with the package (`score_submission`). Kaggle's own
# gender-only sample submission scores 0.76555 there, as on the leaderboard.

# %% [markdown] lang="zh"
# ## 5. 提交文件，像 Kaggle 那样评分
# 预测 418 名测试乘客，写出 Kaggle 要求的两列，再用包里附带的答案离线给文件评分
# （`score_submission`）。Kaggle 自带的只按性别预测的样例提交在这里得 0.76555，与排行榜上一样。

# %%
with torch.no_grad():
    survived = (model(torch.as_tensor(x_test, dtype=torch.float32)) > 0.5).int()[:, 0]
ids = test.column("PassengerId")
path = ctx.path("submission.csv")
path.write_text("PassengerId,Survived\n" + "".join(
    f"{i},{s}\n" for i, s in zip(ids, survived.tolist())))
score, right, total = score_submission(path)
print(f"wrote {path.name}: {total} rows; offline leaderboard score {score:.5f} ({right}/{total})")
gender_score, _, _ = score_submission([(int(i), int(s == "female"))
                                       for i, s in zip(ids, test.column("Sex"))])
assert total == 418 and abs(gender_score - 0.76555) < 1e-5
assert score > 0.74
print(f"the gender-only baseline scores {gender_score:.5f}")

# %% [markdown]
# **Takeaways**
# - A `Dataset` answers two questions — how many samples, and what is sample `i`; the
#   `DataLoader` does the batching and the shuffling.
# - Fit every preprocessing step (medians, means, deviations) on the training rows only.
# - For the full Kaggle treatment — engineered features, k-fold CV, an ensemble — see the
#   "Kaggle · Titanic" lesson and `dlfs train kaggle-titanic`.

# %% [markdown] lang="zh"
# **要点**
# - `Dataset` 只回答两个问题：有多少样本、第 `i` 个样本是什么；分批和打乱交给 `DataLoader`。
# - 所有预处理（中位数、均值、标准差）只在训练行上拟合。
# - 完整的 Kaggle 流程——工程特征、k 折交叉验证、集成——见“Kaggle · Titanic”一课和
#   `dlfs train kaggle-titanic`。
