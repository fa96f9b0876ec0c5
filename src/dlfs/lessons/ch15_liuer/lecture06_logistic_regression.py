# %% [markdown]
# # Liu Er lecture 6: logistic regression — 刘二大人第 6 讲：逻辑斯蒂回归
#
# **Library files:** `src/dlfs/nn/activation.py` (`Sigmoid`), `src/dlfs/nn/loss.py`
# (`BCELoss`, `BCEWithLogitsLoss`), `src/dlfs/nn/linear.py` (`Linear`),
# `src/dlfs/optim/sgd.py`; parity tests in `tests/nn/test_losses.py` and
# `tests/nn/test_nn_activation.py`.
#
# The question changes from "how many points?" to "pass or fail?". A linear score
# $z = w \cdot x + b$ can be any number; the logistic function squashes it into a probability
#
# $$
# \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad P(\text{pass} \mid x) = \sigma(w \cdot x + b)
# $$
#
# and the loss is the binary cross-entropy (the negative log-likelihood of the labels
# $y_i \in \{0, 1\}$, with $p_i$ the predicted probabilities)
#
# $$
# \text{BCE} = -\frac{1}{N} \sum_{i=1}^{N} \big[\, y_i \log p_i + (1 - y_i) \log(1 - p_i) \,\big] .
# $$
#
# The decision boundary is where P = 0.5, i.e. where z = 0: $x^* = -b / w$.

# %% [markdown] lang="zh"
# # 刘二大人第 6 讲：逻辑斯蒂回归
#
# **库文件：** `src/dlfs/nn/activation.py`（`Sigmoid`）、`src/dlfs/nn/loss.py`（`BCELoss`、
# `BCEWithLogitsLoss`）、`src/dlfs/nn/linear.py`（`Linear`）、`src/dlfs/optim/sgd.py`；一致性测试见
# `tests/nn/test_losses.py` 和 `tests/nn/test_nn_activation.py`。
#
# 问题从“考多少分？”变成了“过还是不过？”。线性得分 $z = w \cdot x + b$ 可以是任意实数；逻辑斯蒂函数
# （logistic function）把它压缩成一个概率
#
# $$
# \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad P(\text{pass} \mid x) = \sigma(w \cdot x + b)
# $$
#
# 损失函数是二元交叉熵（即标签 $y_i \in \{0, 1\}$ 的负对数似然，$p_i$ 是预测概率）
#
# $$
# \text{BCE} = -\frac{1}{N} \sum_{i=1}^{N} \big[\, y_i \log p_i + (1 - y_i) \log(1 - p_i) \,\big] .
# $$
#
# 决策边界在 P = 0.5 处，也就是 z = 0 处：$x^* = -b / w$。

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.linear_model import LogisticRegression  # only as a reference solver

import dlfs.nn as nn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context

ctx = lesson_context("liuer-logistic-regression")
steps = 300 if ctx.quick else 1000

# %% [markdown]
# ## 1. A tiny data set: hours studied → pass
# 40 students, hours uniform in [0, 6]. Each passes with probability
# $\sigma(2 \cdot (\text{hours} - 2.5))$, so
# the "true" boundary is 2.5 hours; the labels are drawn from that with a fixed seed, so a
# few students who studied little pass and a few who studied a lot fail.

# %% [markdown] lang="zh"
# ## 1. 一个很小的数据集：学习时长 → 是否通过
# 40 名学生，学习时长在 [0, 6] 上均匀分布。每人以概率 $\sigma(2 \cdot (\text{hours} - 2.5))$ 通过，
# 所以“真实”边界是 2.5 小时；标签按这个概率用固定种子抽取，因此有几个学得少的学生通过了，
# 也有几个学得多的没通过。

# %%
gen = torch.Generator().manual_seed(0)
N = 40
hours = torch.rand(N, 1, generator=gen) * 6  # (N, 1)
passed = torch.bernoulli(torch.sigmoid(2.0 * (hours - 2.5)), generator=gen)  # (N, 1) of 0./1.
print(f"x {tuple(hours.shape)}, y {tuple(passed.shape)} {passed.dtype}; "
      f"{int(passed.sum())} of {N} passed")
# BCELoss wants float targets with the same shape as the probabilities (not int64 classes).
assert passed.dtype == torch.float32 and set(passed.unique().tolist()) == {0.0, 1.0}

# %% [markdown]
# ## 2. Sigmoid and BCE, by hand and from the library
# `BCEWithLogitsLoss` takes the score z instead of the probability and never forms
# $\log p$ directly: per sample it computes
#
# $$
# \ell(z, y) = (1 - y)\, z - \log \sigma(z),
# $$
#
# which equals the BCE term above with $p = \sigma(z)$, and uses a stable $\log \sigma$.

# %% [markdown] lang="zh"
# ## 2. Sigmoid 与 BCE：手算与库函数
# `BCEWithLogitsLoss` 接收得分 z 而不是概率，也从不直接计算 $\log p$：它对每个样本计算
#
# $$
# \ell(z, y) = (1 - y)\, z - \log \sigma(z),
# $$
#
# 在 $p = \sigma(z)$ 时它等于上面 BCE 中的那一项，而且 $\log \sigma$ 用的是数值稳定的算法。

# %%
z = torch.linspace(-6, 6, 13)
sigmoid = nn.Sigmoid()
assert torch.allclose(sigmoid(z), 1 / (1 + torch.exp(-z)))
assert sigmoid(torch.tensor(0.0)).item() == 0.5
p = torch.rand(N, 1, generator=gen).clamp(0.01, 0.99)  # any probabilities
by_hand = -(passed * p.log() + (1 - passed) * (1 - p).log()).mean()
assert torch.allclose(nn.BCELoss()(p, passed), by_hand)
# BCEWithLogitsLoss takes the score z and applies the sigmoid inside, in a stabler way.
assert torch.allclose(nn.BCEWithLogitsLoss()(p.logit(), passed), by_hand, atol=1e-6)
print(f"BCE of random guesses: {by_hand.item():.4f} (library agrees)")

# %% [markdown]
# ## 3. The model and the four steps of lecture 5
# Full-batch gradient descent with momentum (lr 0.5, momentum 0.9) converges in a few
# hundred steps. With $p_i = \sigma(w x_i + b)$ the gradient of the BCE is simply
#
# $$
# \frac{\partial\,\text{BCE}}{\partial w} = \frac{1}{N} \sum_{i=1}^{N} (p_i - y_i)\, x_i, \qquad
# \frac{\partial\,\text{BCE}}{\partial b} = \frac{1}{N} \sum_{i=1}^{N} (p_i - y_i),
# $$
#
# and SGD with momentum keeps a buffer $m$ per parameter: $m \leftarrow 0.9\, m + g$,
# then $\theta \leftarrow \theta - 0.5\, m$.
# Where to? Logistic regression has no closed form, but scikit-learn's solver
# finds the maximum-likelihood (w, b) to high precision: ours must arrive at the same place.

# %% [markdown] lang="zh"
# ## 3. 模型，以及第 5 讲的四个步骤
# 带动量的全批量梯度下降（lr 0.5，动量 0.9）几百步就能收敛。记 $p_i = \sigma(w x_i + b)$，BCE
# 的梯度非常简洁：
#
# $$
# \frac{\partial\,\text{BCE}}{\partial w} = \frac{1}{N} \sum_{i=1}^{N} (p_i - y_i)\, x_i, \qquad
# \frac{\partial\,\text{BCE}}{\partial b} = \frac{1}{N} \sum_{i=1}^{N} (p_i - y_i),
# $$
#
# 带动量的 SGD 为每个参数保留一个缓冲 $m$：$m \leftarrow 0.9\, m + g$，然后
# $\theta \leftarrow \theta - 0.5\, m$。收敛到哪里？逻辑斯蒂回归没有闭式解，但 scikit-learn
# 的求解器能高精度地找到最大似然的 (w, b)：我们的结果必须落在同一个地方。

# %%
class LogisticRegressionModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(1, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.sigmoid(self.linear(x))  # (N, 1) -> (N, 1) probabilities


torch.manual_seed(0)
model = LogisticRegressionModel()
criterion = nn.BCELoss()
optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
losses = []
for _ in range(steps):
    loss = criterion(model(hours), passed)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
w, b = model.linear.weight.item(), model.linear.bias.item()
print(f"after {steps} steps: BCE {losses[-1]:.4f}, w = {w:.4f}, b = {b:.4f}")

reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000)
reference.fit(hours.numpy(), passed.ravel().numpy())
w_ref, b_ref = reference.coef_.item(), reference.intercept_.item()
print(f"scikit-learn's maximum likelihood: w = {w_ref:.4f}, b = {b_ref:.4f}")
assert abs(w - w_ref) < 0.01 and abs(b - b_ref) < 0.03

# %% [markdown]
# ## 4. The decision boundary and the probability curve
# At $x^* = -b / w$ the score is 0, so the model says exactly $\sigma(0) = 0.5$ there.

# %% [markdown] lang="zh"
# ## 4. 决策边界与概率曲线
# 在 $x^* = -b / w$ 处得分为 0，所以模型在那里给出的恰好是 $\sigma(0) = 0.5$。

# %%
boundary = -b / w
with torch.no_grad():
    p_at_boundary = model(torch.tensor([[boundary]])).item()
    p_1h, p_4h = model(torch.tensor([[1.0], [4.0]])).squeeze(1).tolist()
print(f"boundary x* = −b/w = {boundary:.3f} hours (data drawn with 2.5); "
      f"P(pass | x*) = {p_at_boundary:.4f}")
print(f"P(pass | 1 hour) = {p_1h:.3f}, P(pass | 4 hours) = {p_4h:.3f}")
assert abs(p_at_boundary - 0.5) < 1e-6
assert w > 0 and p_1h < 0.5 < p_4h, "more study, higher probability"
assert abs(boundary - 2.5) < 0.5
with torch.no_grad():
    accuracy = ((model(hours) > 0.5).float() == passed).float().mean().item()
majority = max(passed.mean().item(), 1 - passed.mean().item())
print(f"training accuracy {accuracy:.3f} vs {majority:.3f} for always guessing the majority")
assert accuracy > majority + 0.2

# %%
grid = torch.linspace(0, 6, 200)[:, None]  # (200, 1)
with torch.no_grad():
    curve = model(grid)  # (200, 1)
fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 3.6))
ax0.plot(grid.numpy(), curve.numpy(), label="P(pass | hours)")
ax0.scatter(hours.numpy(), passed.numpy(), s=14, c=passed.numpy().ravel(), cmap="coolwarm",
            label="students (0 fail, 1 pass)")
ax0.axhline(0.5, color="gray", linestyle="--", linewidth=1)
ax0.axvline(boundary, color="gray", linestyle=":", linewidth=1)
ax0.annotate(f"x* = {boundary:.2f} h", (boundary, 0.5), xytext=(boundary + 0.3, 0.35))
ax0.set_xlabel("hours studied")
ax0.set_ylabel("probability of passing")
ax0.legend(loc="center right", fontsize=8)
ax1.plot(losses)
ax1.set_xlabel("step")
ax1.set_ylabel("BCE")
ax1.set_title("training loss")
ctx.savefig(fig, "probability_curve.png")
