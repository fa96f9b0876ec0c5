# %% [markdown]
# # Model ensembling: averaging the logits of independently trained models — 模型集成：对独立训练的模型的 logits 取平均
#
# **Library files:** `src/dlfs/models/ensemble.py` (`Ensemble`: the mean of its members'
# logits; `member_logits` for other rules). Tests: `tests/basics/test_basics_ensemble.py`.
# The Kaggle lessons use the same idea: `kaggle-digits` averages its k fold models.
#
# Train the same network several times from different random initialisations and each run
# ends somewhere else: the models agree on the easy examples and make partly different
# mistakes on the hard ones. Averaging their outputs cancels some of those mistakes
# (Lakshminarayanan et al., 2017, *Simple and Scalable Predictive Uncertainty Estimation
# using Deep Ensembles*). We train five small MLPs on 200 digits (seeds 0–4), then compare
# each alone with their ensemble: accuracy, and the negative log-likelihood (NLL, the
# cross-entropy on the $N$ test images with logits $z_i$ and labels $y_i$), which also
# rewards being confident only when right:
#
# $$
# \text{NLL} = -\frac{1}{N} \sum_{i=1}^{N} \log \mathrm{softmax}(z_i)_{y_i}
# $$

# %% [markdown] lang="zh"
# # 模型集成：对独立训练的模型的 logits 取平均
#
# **库文件：** `src/dlfs/models/ensemble.py`（`Ensemble`：各成员 logits 的平均；其他组合规则可用
# `member_logits`）。测试：`tests/basics/test_basics_ensemble.py`。Kaggle 系列课程用的也是这个思路：
# `kaggle-digits` 对它的 k 个折模型取平均。
#
# 从不同的随机初始化把同一个网络训练几遍，每次都会停在不同的地方：这些模型在容易的样本上意见一致，在难的
# 样本上犯的错误却不尽相同。把它们的输出取平均，能抵消一部分错误（Lakshminarayanan et al., 2017,
# *Simple and Scalable Predictive Uncertainty Estimation using Deep Ensembles*）。我们在 200 张数字图上
# 训练五个小 MLP（种子 0–4），再把每个单独的模型和它们的集成做比较：看准确率，也看负对数似然（NLL，
# 即 $N$ 张测试图上的交叉熵，$z_i$ 为 logits，$y_i$ 为标签），后者还奖励“只在答对时才有把握”：
#
# $$
# \text{NLL} = -\frac{1}{N} \sum_{i=1}^{N} \log \mathrm{softmax}(z_i)_{y_i}
# $$

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as dnn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.data.datasets import digits
from dlfs.metrics import accuracy
from dlfs.models.ensemble import Ensemble
from dlfs.nn import functional as F

ctx = lesson_context("model-ensembling")
x_all, y_all = digits("all", flatten=True)[:]                       # (1797, 64)
order = torch.randperm(len(x_all), generator=torch.Generator().manual_seed(0))
x_train, y_train = x_all[order[:200]], y_all[order[:200]]
x_test, y_test = x_all[order[200:]], y_all[order[200:]]


def train_member(seed: int, steps: int) -> dnn.Sequential:
    """One MLP; the seed sets its initialisation (the data and the steps are the same)."""
    torch.manual_seed(seed)
    model = dnn.Sequential(dnn.Linear(64, 128), dnn.ReLU(), dnn.Linear(128, 128), dnn.ReLU(),
                           dnn.Linear(128, 10))
    opt = optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(steps):
        loss = F.cross_entropy(model(x_train), y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


# %% [markdown]
# ## 1. Five members, alone and together
# `Ensemble(members)(x)` is the mean of the $M$ members' logits, each of shape `(B, 10)`:
#
# $$
# \bar z(x) = \frac{1}{M} \sum_{m=1}^{M} z^{(m)}(x)
# $$

# %% [markdown] lang="zh"
# ## 1. 五个成员：单独与合起来
# `Ensemble(members)(x)` 就是 $M$ 个成员 logits 的平均，每个的形状都是 `(B, 10)`：
#
# $$
# \bar z(x) = \frac{1}{M} \sum_{m=1}^{M} z^{(m)}(x)
# $$

# %%
steps = 120 if ctx.quick else 400
members = [train_member(seed, steps) for seed in range(5)]
ensemble = Ensemble(members).eval()
with torch.no_grad():
    logits = ensemble.member_logits(x_test)                          # (5, 1597, 10)
    averaged = ensemble(x_test)                                      # (1597, 10)
accs = [accuracy(z, y_test) for z in logits]
nlls = [F.cross_entropy(z, y_test).item() for z in logits]
ens_acc, ens_nll = accuracy(averaged, y_test), F.cross_entropy(averaged, y_test).item()
for seed, (a, n) in enumerate(zip(accs, nlls)):
    print(f"member {seed}: accuracy {a:.2%}, NLL {n:.4f}")
mean_acc, mean_nll = sum(accs) / 5, sum(nlls) / 5
print(f"members' mean: accuracy {mean_acc:.2%}, NLL {mean_nll:.4f}; best member accuracy "
      f"{max(accs):.2%}")
print(f"ensemble (mean logits): accuracy {ens_acc:.2%} ({100 * (ens_acc - mean_acc):+.2f} "
      f"points vs the mean member, {100 * (ens_acc - max(accs)):+.2f} vs the best), "
      f"NLL {ens_nll:.4f}")
torch.testing.assert_close(averaged, logits.mean(0))
assert ens_acc >= mean_acc and ens_nll < mean_nll

# %% [markdown]
# The ensemble beats the average member, which is what one can expect from it; beating the
# *best* member is not guaranteed (on a test set of this size one member can be luckier),
# so the line above reports that difference as measured. The members disagree on a
# minority of test images; that disagreement is where averaging can help.

# %% [markdown] lang="zh"
# 集成胜过平均水平的成员，这是可以期待的；胜过*最好的*成员则没有保证（在这么大的测试集上，某个成员可能
# 运气更好），所以上面一行如实报告了测得的差值。各成员只在少数测试图上意见不一；平均能起作用的，正是
# 这些有分歧的地方。

# %%
votes = logits.argmax(-1)                                            # (5, 1597)
disagree = (votes != votes[0]).any(0)
ens_there = accuracy(averaged[disagree], y_test[disagree])
member_there = sum(accuracy(z[disagree], y_test[disagree]) for z in logits) / 5
print(f"members disagree on {disagree.float().mean():.1%} of the test images; there the "
      f"ensemble is right {ens_there:.1%} of the time, a single member {member_there:.1%}")
assert 0 < disagree.float().mean() < 0.25 and ens_there > member_there

# %% [markdown]
# ## 2. Averaging logits or probabilities
# Averaging the probabilities comes with a guarantee: $-\log$ is convex, so by Jensen's
# inequality, for every example with label $y$,
#
# $$
# \bar p = \frac{1}{M} \sum_{m=1}^{M} \mathrm{softmax}\big(z^{(m)}\big), \qquad
# -\log \bar p(y) \le \frac{1}{M} \sum_{m=1}^{M} -\log p^{(m)}(y)
# $$
#
# — the ensemble's NLL can never exceed the members' mean. Averaging logits is a geometric
# mean of the probabilities, renormalised,
#
# $$
# \mathrm{softmax}(\bar z)_c =
# \frac{\prod_m \big(p^{(m)}_c\big)^{1/M}}{\sum_{c'} \prod_m \big(p^{(m)}_{c'}\big)^{1/M}}
# $$
#
# which has no such guarantee but usually behaves alike; both are measured.

# %% [markdown] lang="zh"
# ## 2. 平均 logits 还是平均概率
# 平均概率有一个保证：$-\log$ 是凸函数，由 Jensen 不等式，对每个标签为 $y$ 的样本都有
#
# $$
# \bar p = \frac{1}{M} \sum_{m=1}^{M} \mathrm{softmax}\big(z^{(m)}\big), \qquad
# -\log \bar p(y) \le \frac{1}{M} \sum_{m=1}^{M} -\log p^{(m)}(y)
# $$
#
# ——集成的 NLL 永远不会超过各成员 NLL 的平均。平均 logits 相当于对概率取几何平均再归一化：
#
# $$
# \mathrm{softmax}(\bar z)_c =
# \frac{\prod_m \big(p^{(m)}_c\big)^{1/M}}{\sum_{c'} \prod_m \big(p^{(m)}_{c'}\big)^{1/M}}
# $$
#
# 它没有这样的保证，但通常表现相近；两者都测一下。

# %%
probs = logits.softmax(-1)                                           # (5, 1597, 10)
p_bar = probs.mean(0)                                                # (1597, 10)
rows = torch.arange(len(y_test))
nll_prob_avg = -p_bar[rows, y_test].log()                            # (1597,) per example
nll_members = -probs[:, rows, y_test].log().mean(0)                  # (1597,)
print(f"NLL: mean of members {mean_nll:.4f}, averaged logits {ens_nll:.4f}, averaged "
      f"probabilities {nll_prob_avg.mean():.4f}")
assert (nll_prob_avg <= nll_members + 1e-6).all()                   # Jensen, example by example

# %% [markdown]
# ## 3. How many members?
# Each member costs a full training run and a forward pass at test time. The first few
# bring most of the gain.

# %% [markdown] lang="zh"
# ## 3. 需要几个成员？
# 每个成员都要花一次完整的训练，测试时还要多跑一次前向。大部分收益来自前几个成员。

# %%
sizes = range(1, 6)
size_acc = [accuracy(logits[:m].mean(0), y_test) for m in sizes]
size_nll = [F.cross_entropy(logits[:m].mean(0), y_test).item() for m in sizes]
print("members:", list(sizes), "accuracy:", [f"{a:.2%}" for a in size_acc])
assert size_nll[-1] < size_nll[0]

fig, axes = plt.subplots(1, 2, figsize=(9, 3.3))
axes[0].plot(list(sizes), [100 * a for a in size_acc], "o-")
axes[0].axhline(100 * mean_acc, color="gray", ls=":", label="mean member")
axes[0].set_ylabel("test accuracy (%)")
axes[1].plot(list(sizes), size_nll, "o-")
axes[1].axhline(mean_nll, color="gray", ls=":", label="mean member")
axes[1].set_ylabel("test NLL")
for ax in axes:
    ax.set_xlabel("members averaged (seeds 0 … m-1)")
    ax.legend(fontsize=8)
ctx.savefig(fig, "ensemble_size.png")
