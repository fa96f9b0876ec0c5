# %% [markdown]
# # Under- and over-fitting: polynomial regression, training vs validation error — 欠拟合与过拟合：多项式回归中的训练误差与验证误差
#
# **Library files:** `src/dlfs/data/preprocessing.py` (`polynomial_features`: `x^i / i!`),
# `src/dlfs/nn/linear.py` (`Linear`), `src/dlfs/optim/sgd.py`. Tests:
# `tests/basics/test_basics_preprocessing.py`. Next: `model-selection-kfold` picks the degree
# from data, `weight-decay` controls capacity without changing the features.
#
# A model's **training error** says how well it fits the examples it has seen; what we want
# is a small error on examples it has not seen, estimated on a **validation** set. The gap
# between the two, $\text{MSE}_\text{val} - \text{MSE}_\text{train}$, is the generalisation
# gap. We generate data from a cubic polynomial plus noise and fit polynomials of degree 0
# to 12: a model of too low a degree cannot follow the data (**under-fitting**: both errors
# high); one of too high a degree follows the noise of its 20 training points as well
# (**over-fitting**: training error tiny, validation error large). Validation error against
# capacity traces a U.

# %% [markdown] lang="zh"
# # 欠拟合与过拟合：多项式回归中的训练误差与验证误差
#
# **库文件：** `src/dlfs/data/preprocessing.py`（`polynomial_features`：`x^i / i!`），
# `src/dlfs/nn/linear.py`（`Linear`），`src/dlfs/optim/sgd.py`。测试：
# `tests/basics/test_basics_preprocessing.py`。下一步：`model-selection-kfold` 根据数据挑选多项式
# 次数，`weight-decay` 在不改变特征的前提下控制模型容量。
#
# 模型的**训练误差**说明它对见过的样本拟合得多好；我们真正要的是在没见过的样本上误差小，这用**验证集**
# 来估计。两者之差 $\text{MSE}_\text{val} - \text{MSE}_\text{train}$ 就是泛化差距。我们用一个三次多项式
# 加噪声生成数据，再用 0 到 12 次的多项式去拟合：次数太低的模型跟不上数据（**欠拟合**：两种误差都高）；
# 次数太高的模型连 20 个训练点里的噪声也一起拟合了（**过拟合**：训练误差极小，验证误差很大）。验证误差
# 随模型容量变化，画出来是一个 U 形。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as dnn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data.preprocessing import polynomial_features

ctx = lesson_context("underfit-overfit")
D = torch.float64

# %% [markdown]
# ## 1. The data
#
# $$
# y = 5 + 1.2 x - 3.4 \frac{x^2}{2!} + 5.6 \frac{x^3}{3!} + \epsilon, \qquad
# x \sim \mathcal{N}(0, 1), \qquad \epsilon \sim \mathcal{N}(0, 0.1^2)
# $$
#
# The features are $\phi_i(x) = x^i / i!$ (the factorials keep the high powers from
# dwarfing the rest), so a polynomial of degree $d$ is a linear model on $d + 1$ features,
#
# $$
# \hat y = \sum_{i=0}^{d} w_i \phi_i(x) = \phi(x)^\top w ,
# $$
#
# and the true weights are $w = (5, 1.2, -3.4, 5.6, 0, 0, \dots)$ (`TRUE_W`). The noise
# variance $0.1^2 = 0.01$ is the smallest validation error any model can reach.

# %% [markdown] lang="zh"
# ## 1. 数据
#
# $$
# y = 5 + 1.2 x - 3.4 \frac{x^2}{2!} + 5.6 \frac{x^3}{3!} + \epsilon, \qquad
# x \sim \mathcal{N}(0, 1), \qquad \epsilon \sim \mathcal{N}(0, 0.1^2)
# $$
#
# 特征是 $\phi_i(x) = x^i / i!$（除以阶乘，免得高次幂把其余各项压下去），所以 $d$ 次多项式就是
# $d + 1$ 个特征上的线性模型：
#
# $$
# \hat y = \sum_{i=0}^{d} w_i \phi_i(x) = \phi(x)^\top w ,
# $$
#
# 真实权重是 $w = (5, 1.2, -3.4, 5.6, 0, 0, \dots)$（`TRUE_W`）。噪声方差 $0.1^2 = 0.01$ 是任何模型
# 能达到的最小验证误差。

# %%
TRUE_W = torch.tensor([5.0, 1.2, -3.4, 5.6], dtype=D)
NOISE = 0.1


def make_data(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """x (n,), y (n,) from the cubic plus noise."""
    x = torch.randn(n, generator=g, dtype=D)
    y = polynomial_features(x, 3) @ TRUE_W + NOISE * torch.randn(n, generator=g, dtype=D)
    return x, y


g = torch.Generator().manual_seed(0)
x_train, y_train = make_data(20, g)
x_val, y_val = make_data(1000, g)
print("features of x = 2 up to degree 4:", polynomial_features(torch.tensor([2.0], dtype=D),
                                                                  4).tolist())

# %% [markdown]
# ## 2. Training one model by gradient descent
# With the right degree (3) a `Linear(4, 1)` trained by SGD on 100 examples recovers the
# true weights: each step takes a mini-batch $\mathcal{B}$ of 10 examples and moves the
# weights against the gradient of its mean squared error, with learning rate $\eta = 0.05$
# (`lr`):
#
# $$
# \ell(w) = \frac{1}{10} \sum_{i \in \mathcal{B}} \big(\phi(x_i)^\top w - y_i\big)^2, \qquad
# w \leftarrow w - \eta \nabla_w \ell(w)
# $$
#
# This is the from-scratch route; for the sweep below we use the exact least-squares
# solution instead (`torch.linalg.lstsq`), which is the model SGD would reach if trained to
# convergence, and takes a millisecond. With $\Phi$ the matrix of features of the training
# inputs (`polynomial_features(x, degree)`, one row $\phi(x_i)^\top$ per example) and full
# column rank:
#
# $$
# \hat w = \arg\min_w \lVert \Phi w - y \rVert^2 = (\Phi^\top \Phi)^{-1} \Phi^\top y
# $$

# %% [markdown] lang="zh"
# ## 2. 用梯度下降训练一个模型
# 次数取对（3 次）时，用 SGD 在 100 个样本上训练一个 `Linear(4, 1)`，就能找回真实权重：每一步取一个含
# 10 个样本的小批量 $\mathcal{B}$，沿其均方误差梯度的反方向移动权重，学习率 $\eta = 0.05$（`lr`）：
#
# $$
# \ell(w) = \frac{1}{10} \sum_{i \in \mathcal{B}} \big(\phi(x_i)^\top w - y_i\big)^2, \qquad
# w \leftarrow w - \eta \nabla_w \ell(w)
# $$
#
# 这是从零训练的路线；下面扫描各个次数时改用精确的最小二乘解（`torch.linalg.lstsq`）：它就是 SGD
# 训练到收敛时会到达的模型，而且只要一毫秒。记 $\Phi$ 为训练输入的特征矩阵
# （`polynomial_features(x, degree)`，每个样本一行 $\phi(x_i)^\top$），在它列满秩时：
#
# $$
# \hat w = \arg\min_w \lVert \Phi w - y \rVert^2 = (\Phi^\top \Phi)^{-1} \Phi^\top y
# $$

# %%
torch.manual_seed(0)
x100, y100 = make_data(100, torch.Generator().manual_seed(1))
features = polynomial_features(x100, 3)                              # (100, 4)
model = dnn.Linear(4, 1, bias=False).double()
opt = optim.SGD(model.parameters(), lr=0.05)
for _ in range(30):
    for i in range(0, 100, 10):
        loss = ((model(features[i:i + 10]).squeeze(-1) - y100[i:i + 10]) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
learned = model.weight.detach().flatten()
print("learned weights:", [round(w, 3) for w in learned.tolist()], " true:", TRUE_W.tolist())
assert (learned - TRUE_W).abs().max() < 0.1

# %% [markdown]
# ## 3. Training and validation error against the degree
# Both errors are the mean squared error of the fitted weights on a set of $N$ points
# (`mse`):
#
# $$
# \text{MSE}(w) = \frac{1}{N} \sum_{i=1}^{N} \big(\phi(x_i)^\top w - y_i\big)^2
# $$
#
# The models are nested: a polynomial of degree $d$ is one of degree $d + 1$ with a zero
# last weight, so the least-squares training error can only go down as $d$ grows. The
# validation error goes down while the extra terms capture real structure (up to degree
# 3), then up once they can only fit noise. With 20 training points, degree 12 has 13
# weights to bend through them. A single data set of 20 points is itself noisy, so we
# repeat the experiment on 30 independent data sets and look at the median errors.

# %% [markdown] lang="zh"
# ## 3. 训练误差、验证误差与次数
# 两种误差都是拟合出的权重在一组 $N$ 个点上的均方误差（`mse`）：
#
# $$
# \text{MSE}(w) = \frac{1}{N} \sum_{i=1}^{N} \big(\phi(x_i)^\top w - y_i\big)^2
# $$
#
# 这些模型是嵌套的：$d$ 次多项式就是最高项权重为零的 $d + 1$ 次多项式，所以最小二乘的训练误差只会随
# $d$ 增大而下降。验证误差则在新增的项还能捕捉真实结构时下降（直到 3 次），之后新增的项只能去拟合噪声，
# 验证误差随之上升。只有 20 个训练点时，12 次多项式有 13 个权重可以弯过它们。20 个点的单个数据集本身
# 就带有随机性，所以我们在 30 个独立数据集上重复实验，看误差的中位数。


# %%
def least_squares(x: torch.Tensor, y: torch.Tensor, degree: int) -> torch.Tensor:
    """The weights (degree + 1,) minimising the training squared error."""
    return torch.linalg.lstsq(polynomial_features(x, degree), y[:, None]).solution[:, 0]


def mse(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> float:
    return ((polynomial_features(x, len(w) - 1) @ w - y) ** 2).mean().item()


degrees = list(range(13))
train_err, val_err = [], []                                          # (data sets, degrees)
for rep in range(30):
    gr = torch.Generator().manual_seed(100 + rep)
    xt, yt = make_data(20, gr)
    xv, yv = make_data(1000, gr)
    weights = [least_squares(xt, yt, d) for d in degrees]
    train_err.append([mse(w, xt, yt) for w in weights])
    val_err.append([mse(w, xv, yv) for w in weights])
train_med = torch.tensor(train_err).median(0).values
val_med = torch.tensor(val_err).median(0).values
print("degree  train MSE   validation MSE   (medians over 30 data sets)")
for d in degrees:
    print(f"{d:6d}  {train_med[d]:9.4f}   {val_med[d]:14.4g}")
best = int(val_med.argmin())
print(f"lowest validation error at degree {best}")
# training error never rises with the degree (nested models), on every data set
assert all(b <= a * (1 + 1e-6) + 1e-12 for row in train_err for a, b in zip(row, row[1:]))
# the U: high when under-fitting, lowest at the true degree, high again when over-fitting
assert best == 3
assert val_med[1] > 10 * val_med[3] and val_med[12] > 10 * val_med[3]
assert val_med[3] < 2 * NOISE**2                                     # near the noise floor
assert (val_med[3:] - val_med[3]).diff().ge(0).float().mean() > 0.8  # rising after 3
assert train_med[12] < train_med[3]                                  # but fits train better

# %% [markdown]
# The fitted curves on the first data set show what the numbers mean: degree 1 misses the
# curve everywhere, degree 3 follows it, degree 10 passes close to every training point and
# swings wildly between and beyond them.

# %% [markdown] lang="zh"
# 第一个数据集上拟合出的曲线说明了这些数字的含义：1 次多项式处处偏离曲线；3 次多项式贴着曲线走；
# 10 次多项式几乎穿过每一个训练点，却在点与点之间、在点的范围之外剧烈摆动。

# %%
gr = torch.Generator().manual_seed(100)
xt, yt = make_data(20, gr)
grid = torch.linspace(-2.5, 2.5, 200, dtype=D)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
axes[0].semilogy(degrees, train_med, "o-", label="training error")
axes[0].semilogy(degrees, val_med, "s-", label="validation error")
axes[0].axhline(NOISE**2, color="k", ls=":", label="noise variance")
axes[0].axvline(3, color="gray", lw=0.8)
axes[0].set_xlabel("polynomial degree (capacity)")
axes[0].set_ylabel("MSE (median of 30 data sets)")
axes[0].set_title("under-fitting <- | -> over-fitting")
axes[0].legend(fontsize=8)
axes[1].plot(xt, yt, "ko", ms=4, label="20 training points")
axes[1].plot(grid, polynomial_features(grid, 3) @ TRUE_W, "k:", label="true cubic")
for d in (1, 3, 10):
    axes[1].plot(grid, polynomial_features(grid, d) @ least_squares(xt, yt, d),
                 label=f"degree {d}")
axes[1].set_ylim(-25, 25)
axes[1].set_xlabel("x")
axes[1].legend(fontsize=8)
ctx.savefig(fig, "capacity_u_curve.png")
