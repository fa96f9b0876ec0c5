# %% [markdown]
# # Liu Er lecture 7: multi-dimensional input — 刘二大人第 7 讲：处理多维特征的输入
#
# **Library files:** `src/dlfs/data/datasets/tabular.py` (`diabetes_binary`: where the data
# comes from and how it is split and standardized), `src/dlfs/nn/linear.py` (`Linear`),
# `src/dlfs/nn/activation.py` (`Sigmoid`), `src/dlfs/nn/loss.py` (`BCELoss`),
# `src/dlfs/optim/adam.py`.
#
# Lecture 6 had one feature per sample. With F features, a sample is a row of F numbers and
# the data is a matrix X (N, F); a linear layer computes all N outputs in one product
#
# $$
# Z = X W^\top + b, \qquad X \in \mathbb{R}^{N \times F},\;
# W \in \mathbb{R}^{\text{out} \times F},\; b \in \mathbb{R}^{\text{out}}
# \;\longrightarrow\; Z \in \mathbb{R}^{N \times \text{out}},
# $$
#
# and stacking such layers, each followed by a sigmoid, gives a network that can bend its
# decision boundary.
#
# **The data, honestly:** the lecture uses the Pima Indians diabetes table (768 rows,
# 8 features). No installed package ships it, so `dlfs.data.datasets.diabetes_binary` is a
# stand-in built from scikit-learn's diabetes data: 442 patients, 10 standardized features
# (age, sex, body-mass index, blood pressure, six blood-serum measurements), label 1 when
# the disease progressed more than the median after a year. The lecture's 8 → 6 → 4 → 1
# network therefore becomes **10 → 6 → 4 → 1** here: only the input width changes.

# %% [markdown] lang="zh"
# # 刘二大人第 7 讲：处理多维特征的输入
#
# **库文件：** `src/dlfs/data/datasets/tabular.py`（`diabetes_binary`：数据从哪来、
# 如何划分和标准化）、`src/dlfs/nn/linear.py`（`Linear`）、`src/dlfs/nn/activation.py`
# （`Sigmoid`）、`src/dlfs/nn/loss.py`（`BCELoss`）、`src/dlfs/optim/adam.py`。
#
# 第 6 讲每个样本只有一个特征。有 F 个特征时，一个样本就是一行 F 个数，数据是一个矩阵 X (N, F)；
# 线性层用一次矩阵乘法算出全部 N 个输出
#
# $$
# Z = X W^\top + b, \qquad X \in \mathbb{R}^{N \times F},\;
# W \in \mathbb{R}^{\text{out} \times F},\; b \in \mathbb{R}^{\text{out}}
# \;\longrightarrow\; Z \in \mathbb{R}^{N \times \text{out}},
# $$
#
# 把这样的层堆叠起来、每层后面接一个 sigmoid，就得到一个能把决策边界弯曲的网络。
#
# **关于数据，实话实说：** 课上用的是皮马印第安人糖尿病数据表（768 行，8 个特征）。
# 没有哪个已安装的包自带它，所以 `dlfs.data.datasets.diabetes_binary` 是用 scikit-learn 的 diabetes
# 数据做的替身：442 名患者，10 个标准化特征（年龄、性别、体重指数、血压、六项血清指标），
# 一年后病情进展超过中位数时标签为 1。因此课上的 8 → 6 → 4 → 1 网络在这里变成 **10 → 6 → 4 → 1**：
# 只有输入宽度变了。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import diabetes_binary

ctx = lesson_context("liuer-multi-dim-input")
epochs = 200 if ctx.quick else 400

# %% [markdown]
# ## 1. The data: a matrix of features, a column of labels
# `split="train"` and `"test"` are a fixed 80 / 20 split; the features are standardized
# with the mean and standard deviation of the training rows only, column by column:
# $x' = (x - \mu_{\text{train}}) / \sigma_{\text{train}}$.

# %% [markdown] lang="zh"
# ## 1. 数据：一个特征矩阵，一列标签
# `split="train"` 和 `"test"` 是固定的 80 / 20 划分；特征只用训练行的均值和标准差逐列标准化：
# $x' = (x - \mu_{\text{train}}) / \sigma_{\text{train}}$。

# %%
x_train, y_train = diabetes_binary("train")[:]
x_test, y_test = diabetes_binary("test")[:]
y_train, y_test = y_train.float()[:, None], y_test.float()[:, None]  # (N, 1) for BCELoss
print(f"train x {tuple(x_train.shape)}, y {tuple(y_train.shape)}; "
      f"test x {tuple(x_test.shape)}, y {tuple(y_test.shape)}")
assert x_train.shape == (354, 10) and x_test.shape == (88, 10)
print("train feature means ≈ 0:", [round(v, 2) for v in x_train.mean(0).tolist()])
assert x_train.mean(0).abs().max() < 1e-5 and (x_train.std(0) - 1).abs().max() < 1e-5

# The baseline any model must beat: always predict the most common training label.
majority_label = float(y_train.mean() >= 0.5)
baseline = (y_test == majority_label).float().mean().item()
print(f"majority-class baseline on test: {baseline:.3f} ({y_train.mean().item():.0%} of train are 1)")

# %% [markdown]
# ## 2. The network: 10 → 6 → 4 → 1 with sigmoids
# Each `Linear` maps a whole batch at once; the shapes show how each layer narrows a row:
#
# $$
# \hat{y} = \sigma\Big( \sigma\big( \sigma(X W_1^\top + b_1)\, W_2^\top + b_2 \big)\,
# W_3^\top + b_3 \Big),
# \qquad W_1 \in \mathbb{R}^{6 \times 10},\; W_2 \in \mathbb{R}^{4 \times 6},\;
# W_3 \in \mathbb{R}^{1 \times 4}
# $$

# %% [markdown] lang="zh"
# ## 2. 网络：带 sigmoid 的 10 → 6 → 4 → 1
# 每个 `Linear` 一次处理整个批次；打印的形状显示每一层如何把一行变窄：
#
# $$
# \hat{y} = \sigma\Big( \sigma\big( \sigma(X W_1^\top + b_1)\, W_2^\top + b_2 \big)\,
# W_3^\top + b_3 \Big),
# \qquad W_1 \in \mathbb{R}^{6 \times 10},\; W_2 \in \mathbb{R}^{4 \times 6},\;
# W_3 \in \mathbb{R}^{1 \times 4}
# $$

# %%
torch.manual_seed(0)
model = nn.Sequential(
    nn.Linear(10, 6), nn.Sigmoid(),
    nn.Linear(6, 4), nn.Sigmoid(),
    nn.Linear(4, 1), nn.Sigmoid(),
)
h = x_train[:5]  # (5, 10)
for layer in model:
    h = layer(h)
    print(f"  {type(layer).__name__:8s} -> {tuple(h.shape)}")
assert h.shape == (5, 1) and ((h > 0) & (h < 1)).all()
first = model[0]
assert torch.allclose(first(x_train), x_train @ first.weight.T + first.bias, atol=1e-6)
print(f"parameters: {sum(p.numel() for p in model.parameters())} "
      "(10·6+6 + 6·4+4 + 4·1+1 = 99)")
assert sum(p.numel() for p in model.parameters()) == 99

# %% [markdown]
# ## 3. Training on the whole table at once
# Lecture 7 feeds all rows in every step (lecture 8 adds mini-batches). Plain SGD with
# sigmoids everywhere learns very slowly (the lecture's lr = 0.1 barely moves the loss in a
# hundred epochs), so we use Adam with lr = 0.01.

# %% [markdown] lang="zh"
# ## 3. 一次在整张表上训练
# 第 7 讲每一步都喂入全部行（第 8 讲才引入小批量）。到处都是 sigmoid 时，普通 SGD 学得非常慢（课上的
# lr = 0.1 训练一百个 epoch，损失几乎不动），所以我们用 lr = 0.01 的 Adam。

# %%
def train(net: torch.nn.Module, n_epochs: int) -> list[float]:
    opt = optim.Adam(net.parameters(), lr=0.01)
    criterion = nn.BCELoss()
    losses = []
    for _ in range(n_epochs):
        loss = criterion(net(x_train), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def binary_accuracy(net: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return ((net(x) > 0.5).float() == y).float().mean().item()


losses = train(model, epochs)
train_acc, test_acc = binary_accuracy(model, x_train, y_train), binary_accuracy(model, x_test, y_test)
print(f"10→6→4→1 after {epochs} epochs: BCE {losses[-1]:.3f}, "
      f"train accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")
assert losses[-1] < losses[0] - 0.1
assert train_acc > baseline + 0.15 and test_acc > baseline + 0.15

# %% [markdown]
# ## 4. Is depth worth it here?
# The same training for a single `Linear(10, 1)` + sigmoid (logistic regression on all ten
# features). On this small table the two end up close: the deeper network fits the
# training rows better, which does not necessarily carry over to the test rows.

# %% [markdown] lang="zh"
# ## 4. 这里值得加深度吗？
# 对单个 `Linear(10, 1)` + sigmoid（即在全部十个特征上做逻辑斯蒂回归）做同样的训练。
# 在这张小表上两者最终很接近：更深的网络对训练行拟合得更好，但这不一定能带到测试行上。

# %%
torch.manual_seed(0)
linear_model = nn.Sequential(nn.Linear(10, 1), nn.Sigmoid())
linear_losses = train(linear_model, epochs)
lin_train = binary_accuracy(linear_model, x_train, y_train)
lin_test = binary_accuracy(linear_model, x_test, y_test)
print(f"10→1 logistic regression: train accuracy {lin_train:.3f}, test accuracy {lin_test:.3f}")
assert lin_test > baseline + 0.15 and abs(lin_test - test_acc) < 0.1
assert train_acc >= lin_train, "the extra layers fit the training rows at least as well"

# %%
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.6))
ax0.plot(losses, label="10→6→4→1")
ax0.plot(linear_losses, label="10→1")
ax0.set_xlabel("epoch")
ax0.set_ylabel("BCE on the training rows")
ax0.legend()
names = ["baseline", "10→1 train", "10→1 test", "10→6→4→1 train", "10→6→4→1 test"]
values = [baseline, lin_train, lin_test, train_acc, test_acc]
ax1.bar(names, values, color=["gray", "C1", "C1", "C0", "C0"])
ax1.set_ylim(0, 1)
ax1.set_ylabel("accuracy")
ax1.tick_params(axis="x", labelrotation=20, labelsize=8)
ctx.savefig(fig, "diabetes.png")
