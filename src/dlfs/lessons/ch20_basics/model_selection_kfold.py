# %% [markdown]
# # Model selection: a validation split and K-fold cross-validation — 模型选择：验证集划分与 K 折交叉验证
#
# **Library files:** `src/dlfs/recipes/kaggle_digits.py` (`kfold_indices`: a seeded shuffle
# cut into K folds), `src/dlfs/recipes/titanic.py` (`stratified_folds`, for classes),
# `src/dlfs/data/preprocessing.py` (`polynomial_features`). Before: `underfit-overfit`.
#
# In `underfit-overfit` we knew the answer (degree 3) and had 1000 fresh validation points.
# In practice there are only the data we have, say 20 points, and a choice to make (the
# degree, a learning rate, a weight decay). The test set must not make it: a number that
# picked the model is no longer an honest estimate of how the model does on new data. So
# the choice is made on data carved out of the training set:
#
# - a **validation split**: hold out some points (here 5 of 20), fit on the rest, compare
#   the candidates on the held-out ones;
# - **K-fold cross-validation**: cut the data into K folds; each fold in turn is held out
#   while the other K - 1 fit; average the K validation errors. Every point is used for
#   validation once, so the estimate rests on all 20 points instead of 5.
#
# Then the chosen model is refitted on all the training data and evaluated once on the test
# set. We repeat the whole procedure on 50 independent data sets to see how often each method
# picks the right degree, and what the choice costs on the test set.

# %% [markdown] lang="zh"
# # 模型选择：验证集划分与 K 折交叉验证
#
# **库文件：** `src/dlfs/recipes/kaggle_digits.py`（`kfold_indices`：用固定种子打乱一次，再切成
# K 折），`src/dlfs/recipes/titanic.py`（`stratified_folds`，用于分类问题），
# `src/dlfs/data/preprocessing.py`（`polynomial_features`）。前置课程：`underfit-overfit`。
#
# 在 `underfit-overfit` 里我们知道答案（3 次），还有 1000 个全新的验证点。实际中只有手头的数据，比如
# 20 个点，却要做选择（多项式次数、学习率、权重衰减）。这个选择不能用测试集来做：一个参与了选模型的
# 数字，就不再是模型在新数据上表现的诚实估计。所以要从训练集里划出数据来做选择：
#
# - **验证集划分**：留出一部分点（这里是 20 个里的 5 个），用其余的点拟合，在留出的点上比较各个候选；
# - **K 折交叉验证**：把数据切成 K 折，轮流留出一折做验证、用其余 K - 1 折拟合，再把 K 个验证误差取
#   平均。每个点都恰好当一次验证点，所以估计依据的是全部 20 个点，而不是 5 个。
#
# 选定之后，用全部训练数据重新拟合，再在测试集上评估一次。我们在 50 个独立的数据集上把整个流程重复
# 一遍，看看每种方法多常选中正确的次数，以及这个选择在测试集上的代价。

# %%
from collections import Counter

import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.data.preprocessing import polynomial_features
from dlfs.recipes.kaggle_digits import kfold_indices

ctx = lesson_context("model-selection-kfold")
D = torch.float64
TRUE_W = torch.tensor([5.0, 1.2, -3.4, 5.6], dtype=D)     # the cubic of `underfit-overfit`


def make_data(n: int, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(n, generator=g, dtype=D)
    return x, polynomial_features(x, 3) @ TRUE_W + 0.1 * torch.randn(n, generator=g, dtype=D)


def fit(x: torch.Tensor, y: torch.Tensor, degree: int) -> torch.Tensor:
    """Least-squares weights (degree + 1,)."""
    return torch.linalg.lstsq(polynomial_features(x, degree), y[:, None]).solution[:, 0]


def mse(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> float:
    return ((polynomial_features(x, len(w) - 1) @ w - y) ** 2).mean().item()


DEGREES = range(11)

# %% [markdown]
# ## 1. The folds
# `kfold_indices(n, k, seed)` shuffles `0 … n-1` once and cuts the order into `k` folds; the
# `i`-th pair is (all other folds, fold `i`). The validation folds partition the data:
# every index appears in exactly one.

# %% [markdown] lang="zh"
# ## 1. 折的划分
# `kfold_indices(n, k, seed)` 把 `0 … n-1` 打乱一次，再切成 `k` 折；第 `i` 对是（其余各折，第 `i` 折）。
# 各验证折恰好划分了全部数据：每个下标只出现在一折里。

# %%
folds = kfold_indices(20, 5, seed=0)
for i, (fit_idx, val_idx) in enumerate(folds):
    print(f"fold {i}: fit on {len(fit_idx)} points, validate on {sorted(val_idx.tolist())}")
assert sorted(torch.cat([v for _, v in folds]).tolist()) == list(range(20))
assert all(set(a.tolist()).isdisjoint(b.tolist()) for a, b in folds)

# %% [markdown]
# ## 2. One data set, both methods
# For each degree $d$, with $\hat w_d^{(S)}$ the least-squares weights fitted on the points
# $S$ (`fit`) and $\phi_d$ the features of degree $d$: `by_split` scores $d$ on the 5
# held-out points $V$ of one random 15/5 split, and `by_kfold` averages over the $K$ folds
# $F_1, \dots, F_K$, each scored by weights fitted without it:
#
# $$
# \text{Val}(d) = \frac{1}{|V|} \sum_{i \in V}
# \big(\phi_d(x_i)^\top \hat w_d^{(\bar V)} - y_i\big)^2,
# \qquad
# \text{CV}(d) = \frac{1}{K} \sum_{k=1}^{K} \frac{1}{|F_k|} \sum_{i \in F_k}
# \big(\phi_d(x_i)^\top \hat w_d^{(\bar F_k)} - y_i\big)^2
# $$
#
# where $\bar V$ and $\bar F_k$ are the remaining points. Each method picks the degree with
# the lowest score, $d^\star = \arg\min_d \text{CV}(d)$ (or $\text{Val}(d)$).

# %% [markdown] lang="zh"
# ## 2. 一个数据集，两种方法
# 对每个次数 $d$，记 $\hat w_d^{(S)}$ 为在点集 $S$ 上拟合出的最小二乘权重（`fit`），$\phi_d$ 为 $d$ 次
# 特征：`by_split` 在一次随机 15/5 划分留出的 5 个点 $V$ 上给 $d$ 打分；`by_kfold` 则对 $K$ 折
# $F_1, \dots, F_K$ 取平均，每一折都用不含它的数据拟合出的权重来打分：
#
# $$
# \text{Val}(d) = \frac{1}{|V|} \sum_{i \in V}
# \big(\phi_d(x_i)^\top \hat w_d^{(\bar V)} - y_i\big)^2,
# \qquad
# \text{CV}(d) = \frac{1}{K} \sum_{k=1}^{K} \frac{1}{|F_k|} \sum_{i \in F_k}
# \big(\phi_d(x_i)^\top \hat w_d^{(\bar F_k)} - y_i\big)^2
# $$
#
# 其中 $\bar V$ 和 $\bar F_k$ 是其余的点。每种方法都选得分最低的次数，$d^\star = \arg\min_d \text{CV}(d)$
# （或 $\text{Val}(d)$）。

# %%
def by_split(x, y, g) -> list[float]:
    """Validation error of each degree on one random 15/5 split."""
    order = torch.randperm(len(x), generator=g)
    tr, va = order[:15], order[15:]
    return [mse(fit(x[tr], y[tr], d), x[va], y[va]) for d in DEGREES]


def by_kfold(x, y, k: int, seed: int) -> list[float]:
    """Mean validation error of each degree over k folds."""
    splits = kfold_indices(len(x), k, seed=seed)
    return [sum(mse(fit(x[a], y[a], d), x[b], y[b]) for a, b in splits) / k for d in DEGREES]


g = torch.Generator().manual_seed(0)
x, y = make_data(20, g)
split_err, kfold_err = by_split(x, y, g), by_kfold(x, y, 5, seed=0)
print("degree   validation split   5-fold CV")
for d in DEGREES:
    print(f"{d:6d}   {split_err[d]:16.4g}   {kfold_err[d]:9.4g}")

# %% [markdown]
# ## 3. Fifty data sets: which degree does each method pick?
# On each data set, both methods choose a degree; the chosen model is refitted on all 20
# points and scored on 2000 test points that played no part in the choice.

# %% [markdown] lang="zh"
# ## 3. 五十个数据集：每种方法选中哪个次数？
# 在每个数据集上，两种方法各选一个次数；选中的模型用全部 20 个点重新拟合，再在 2000 个完全没参与选择的
# 测试点上打分。

# %%
picked = {"split": [], "5-fold": []}
test_mse = {"split": [], "5-fold": []}
for rep in range(50):
    gr = torch.Generator().manual_seed(1000 + rep)
    x, y = make_data(20, gr)
    x_test, y_test = make_data(2000, gr)
    scores = {"split": by_split(x, y, gr), "5-fold": by_kfold(x, y, 5, seed=rep)}
    for method, errs in scores.items():
        d = min(DEGREES, key=lambda d: errs[d])
        picked[method].append(d)
        test_mse[method].append(mse(fit(x, y, d), x_test, y_test))
for method in picked:
    counts = Counter(picked[method])
    median = torch.tensor(test_mse[method]).median().item()
    print(f"{method:7s} picked degree 3 on {counts[3]}/50 data sets; degrees picked "
          f"{dict(sorted(counts.items()))}; median test MSE {median:.4f}")
right_split, right_kfold = picked["split"].count(3), picked["5-fold"].count(3)
assert right_kfold > right_split
assert torch.tensor(test_mse["5-fold"]).median() < torch.tensor(test_mse["split"]).median()
assert max(picked["5-fold"]) < max(picked["split"])      # the split sometimes picks far too high

# %% [markdown]
# Five validation points are a noisy judge: on some data sets a high degree happens to pass
# near them, and the split picks it. K-fold averages over all 20 points and is fooled less
# often. The price is K fits per candidate instead of one — cheap here, expensive for a
# large network, where a single validation split (with a large validation set) is the usual
# compromise. For classification, `stratified_folds` keeps each class's share in every fold.

# %% [markdown] lang="zh"
# 五个验证点是个不可靠的裁判：在某些数据集上，一个高次多项式碰巧从它们附近经过，验证集划分就选中了它。
# K 折把全部 20 个点都平均进来，被骗的次数少得多。代价是每个候选要拟合 K 次而不是一次——这里很便宜，
# 对大型网络就很贵，那时常用的折中是单一划分，但留出一个较大的验证集。分类问题用 `stratified_folds`，
# 它让每一折里各个类别的比例都保持不变。

# %%
fig, ax = plt.subplots(figsize=(6, 3.4))
width = 0.4
for offset, method in ((-width / 2, "split"), (width / 2, "5-fold")):
    counts = Counter(picked[method])
    ax.bar([d + offset for d in DEGREES], [counts[d] for d in DEGREES], width,
           label=f"{method} ({counts[3]}/50 pick 3)")
ax.set_xticks(list(DEGREES))
ax.set_xlabel("degree picked")
ax.set_ylabel("data sets (of 50)")
ax.set_title("model selection on 20 points: the true degree is 3")
ax.legend(fontsize=8)
ctx.savefig(fig, "degrees_picked.png")
