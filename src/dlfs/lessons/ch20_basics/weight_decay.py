# %% [markdown]
# # Weight decay from scratch: the L2 term, and the optimizer's decoupled decay — 从零实现权重衰减：L2 惩罚项与优化器的解耦衰减
#
# **Library files:** `src/dlfs/train/regularization.py` (`l2_penalty`:
# $\frac{1}{2} \sum_p \lVert w_p \rVert^2$ over the tensors it is given),
# `src/dlfs/optim/sgd.py` and `src/dlfs/optim/adam.py` (`weight_decay=`, `AdamW`). Tests:
# `tests/basics/test_basics_regularization.py`. The per-coordinate story of Adam vs AdamW is
# the lesson `adamw-vs-adam`.
#
# Choosing the polynomial degree (`underfit-overfit`) changes capacity in coarse steps.
# **Weight decay** turns a dial instead: it adds $\frac{\lambda}{2} \lVert w \rVert^2$ to the
# loss, so every weight pays for being large, and $\lambda$ (`lam` in the code) trades
# fitting the training data against keeping the weights small. We write that term
# ourselves, watch it rescue a model that over-fits badly, show that for SGD it is exactly
# the optimizer's `weight_decay=`, and that for Adam the optimizer-side decay comes in two
# kinds that differ.

# %% [markdown] lang="zh"
# # 从零实现权重衰减：L2 惩罚项与优化器的解耦衰减
#
# **库文件：** `src/dlfs/train/regularization.py`（`l2_penalty`：对传入的各张量求
# $\frac{1}{2} \sum_p \lVert w_p \rVert^2$），`src/dlfs/optim/sgd.py` 和 `src/dlfs/optim/adam.py`
# （`weight_decay=`、`AdamW`）。测试：`tests/basics/test_basics_regularization.py`。Adam 与 AdamW 在
# 每个坐标上的差别，见 `adamw-vs-adam` 一课。
#
# 选多项式次数（`underfit-overfit`）只能一档一档地改变模型容量。**权重衰减**则像一个旋钮：它在损失上
# 加上 $\frac{\lambda}{2} \lVert w \rVert^2$，每个权重都要为自己的大小付出代价，$\lambda$（代码里的
# `lam`）在“拟合训练数据”与“让权重保持小”之间做权衡。我们亲手写出这一项，看它挽救一个严重过拟合的
# 模型；再说明对 SGD 而言它与优化器的 `weight_decay=` 完全相同，而对 Adam，优化器一侧的衰减有两种，
# 结果并不一样。

# %%
import matplotlib.pyplot as plt
import torch

import dlfs.nn as dnn
import dlfs.optim as optim
from dlfs.curriculum import lesson_context
from dlfs.train.regularization import l2_penalty

ctx = lesson_context("weight-decay")

# %% [markdown]
# ## 1. A model with far more weights than examples
#
# $$
# y = 0.05 + \sum_{i=1}^{200} 0.01 x_i + \epsilon, \qquad
# x \sim \mathcal{N}(0, I), \qquad \epsilon \sim \mathcal{N}(0, 0.01^2)
# $$
#
# 200 inputs but only **20** training examples (and 100 test examples). A `Linear(200, 1)`
# can fit 20 points exactly in many ways. Gradient descent only ever moves $w$ inside the
# 20-dimensional span of the training inputs — the gradient of the squared error is a
# combination of them, $\sum_i (f(x_i) - y_i) x_i$ up to a constant factor — so the other
# 180 directions keep whatever the initialisation put there ($w_i \sim \mathcal{N}(0, 1)$,
# as d2l does), and on new inputs that leftover is pure noise. Weight decay shrinks every
# direction, including those 180.

# %% [markdown] lang="zh"
# ## 1. 权重远多于样本的模型
#
# $$
# y = 0.05 + \sum_{i=1}^{200} 0.01 x_i + \epsilon, \qquad
# x \sim \mathcal{N}(0, I), \qquad \epsilon \sim \mathcal{N}(0, 0.01^2)
# $$
#
# 输入有 200 维，训练样本却只有 **20** 个（测试样本 100 个）。一个 `Linear(200, 1)` 可以有很多种方式
# 把 20 个点拟合得分毫不差。梯度下降只会在训练输入张成的 20 维子空间里移动 $w$——平方误差的梯度是
# 训练输入的线性组合，不计常数因子为 $\sum_i (f(x_i) - y_i) x_i$——所以其余 180 个方向保持初始化给的值
# （和 d2l 一样用 $w_i \sim \mathcal{N}(0, 1)$），到了新输入上，这些残留就是纯粹的噪声。权重衰减会把
# 每个方向都往回收，包括这 180 个。

# %%
g = torch.Generator().manual_seed(0)
d, n_train, n_test = 200, 20, 100


def make_data(n: int, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.randn(n, d, generator=g, dtype=dtype)                  # (n, 200)
    return x, x.sum(1) * 0.01 + 0.05 + 0.01 * torch.randn(n, generator=g, dtype=dtype)


x_train, y_train = make_data(n_train)
x_test, y_test = make_data(n_test)


def new_model(dtype=torch.float32) -> dnn.Linear:
    torch.manual_seed(0)
    model = dnn.Linear(d, 1).to(dtype)
    with torch.no_grad():
        model.weight.normal_()
        model.bias.zero_()
    return model


def half_mse(model, x, y) -> torch.Tensor:
    return ((model(x).squeeze(-1) - y) ** 2).mean() / 2


# %% [markdown]
# ## 2. The L2 term, written into the loss
# On a mini-batch $\mathcal{B}$ (`half_mse(...) + lam * l2_penalty([model.weight])`):
#
# $$
# \text{loss} = \frac{1}{2} \cdot \frac{1}{|\mathcal{B}|} \sum_{i \in \mathcal{B}}
# \big(f(x_i) - y_i\big)^2 + \lambda \cdot \frac{1}{2} \lVert w \rVert^2
# $$
#
# The bias is left out of the penalty (it shifts the output and does not make the model more
# flexible). Mini-batch SGD, batches of 5, 100 epochs, for $\lambda = 0$ and $\lambda = 3$
# (and more values in full mode).

# %% [markdown] lang="zh"
# ## 2. 写进损失里的 L2 项
# 在小批量 $\mathcal{B}$ 上（`half_mse(...) + lam * l2_penalty([model.weight])`）：
#
# $$
# \text{loss} = \frac{1}{2} \cdot \frac{1}{|\mathcal{B}|} \sum_{i \in \mathcal{B}}
# \big(f(x_i) - y_i\big)^2 + \lambda \cdot \frac{1}{2} \lVert w \rVert^2
# $$
#
# 偏置不参与惩罚（它只是平移输出，并不让模型更灵活）。小批量 SGD，批大小 5，训练 100 个 epoch，分别取
# $\lambda = 0$ 和 $\lambda = 3$（完整模式下还有更多取值）。

# %%
def train(lam: float, epochs: int) -> tuple[dnn.Linear, list[tuple[float, float]]]:
    model = new_model()
    opt = optim.SGD(model.parameters(), lr=0.003)
    order = torch.Generator().manual_seed(1)
    curve = []
    for _ in range(epochs):
        for idx in torch.randperm(n_train, generator=order).split(5):
            loss = half_mse(model, x_train[idx], y_train[idx]) + lam * l2_penalty([model.weight])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            curve.append((half_mse(model, x_train, y_train).item(),
                          half_mse(model, x_test, y_test).item()))
    return model, curve


lams = [0.0, 3.0] if ctx.quick else [0.0, 0.3, 1.0, 3.0, 10.0]
runs = {lam: train(lam, epochs=100) for lam in lams}
print(" lambda   train loss   test loss   ||w||")
for lam, (model, curve) in runs.items():
    print(f"{lam:7.1f}   {curve[-1][0]:10.2e}   {curve[-1][1]:9.4f}   "
          f"{model.weight.norm().item():6.3f}")
(_, plain), (_, decayed) = runs[0.0], runs[3.0]
assert plain[-1][0] < decayed[-1][0]           # without decay it fits the training set better
assert decayed[-1][1] < plain[-1][1] / 10      # ... and generalises far worse
assert runs[3.0][0].weight.norm() < runs[0.0][0].weight.norm() / 5

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for ax, lam in zip(axes, (0.0, 3.0)):
    curve = torch.tensor(runs[lam][1])
    ax.semilogy(curve[:, 0], label="train")
    ax.semilogy(curve[:, 1], label="test")
    ax.set_title(f"lambda = {lam:g}")
    ax.set_xlabel("epoch")
    ax.legend()
axes[0].set_ylabel("1/2 MSE")
ctx.savefig(fig, "weight_decay_curves.png")

# %% [markdown]
# ## 3. For SGD, the L2 term *is* the optimizer's weight decay
# The gradient of $\frac{\lambda}{2} \lVert w \rVert^2$ is $\lambda w$, so with $g$ the
# gradient of the data loss and $\eta$ the learning rate (`lr`) the SGD step becomes
#
# $$
# w \leftarrow w - \eta (g + \lambda w) = (1 - \eta \lambda) w - \eta g
# $$
#
# shrink, then step. `SGD(weight_decay=lambda)` adds $\lambda w$ to the gradient itself. A
# parameter group gives the decay to the weight only, as the penalty above did. Same data,
# float64, 30 steps: the trajectories agree to rounding.

# %% [markdown] lang="zh"
# ## 3. 对 SGD 而言，L2 项就是优化器的权重衰减
# $\frac{\lambda}{2} \lVert w \rVert^2$ 的梯度是 $\lambda w$，所以记 $g$ 为数据损失的梯度、$\eta$ 为
# 学习率（`lr`），SGD 的一步变成
#
# $$
# w \leftarrow w - \eta (g + \lambda w) = (1 - \eta \lambda) w - \eta g
# $$
#
# 即先收缩，再走一步。`SGD(weight_decay=lambda)` 则直接把 $\lambda w$ 加到梯度上。用参数组只给权重加
# 衰减，和上面的惩罚项一致。同样的数据，float64，30 步：两条轨迹在舍入误差内完全一致。

# %%
x64, y64 = x_train.double(), y_train.double()


def trajectory(opt_kind: str, lam: float, decay_in: str, steps: int = 30) -> torch.Tensor:
    """Final weights after `steps` full-batch steps; the decay in the loss or the optimizer."""
    model = new_model(torch.float64)
    groups = [{"params": [model.weight], "weight_decay": lam if decay_in == "optimizer" else 0.0},
              {"params": [model.bias], "weight_decay": 0.0}]
    opt = {"SGD": lambda: optim.SGD(groups, lr=0.003),
           "Adam": lambda: optim.Adam(groups, lr=0.01),
           "AdamW": lambda: optim.AdamW(groups, lr=0.01)}[opt_kind]()
    for _ in range(steps):
        loss = half_mse(model, x64, y64)
        if decay_in == "loss":
            loss = loss + lam * l2_penalty([model.weight])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.weight.detach().flatten()


w_loss, w_opt = trajectory("SGD", 3.0, "loss"), trajectory("SGD", 3.0, "optimizer")
print(f"SGD: L2 term in the loss vs weight_decay=3: max |difference| "
      f"{(w_loss - w_opt).abs().max():.1e}")
torch.testing.assert_close(w_loss, w_opt, atol=1e-12, rtol=0)

# %% [markdown]
# ## 4. For Adam, two different things
# Adam keeps running moments of the gradient $g_t$ and divides by the root of the second
# one (Kingma & Ba, 2015, *Adam: A Method for Stochastic Optimization*):
#
# $$
# m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
# v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad
# \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}
# $$
#
# `Adam(weight_decay=lambda)` adds $\lambda w$ to the gradient, like the L2 term, and then
# divides that gradient, decay included, by its running RMS, so weights with large gradients
# are barely decayed. `AdamW` applies $w \leftarrow (1 - \eta \lambda) w$ beside the adaptive
# step, the same shrink for every weight ("decoupled" decay; Loshchilov & Hutter, 2019,
# *Decoupled Weight Decay Regularization*):
#
# $$
# \text{Adam: } g_t \leftarrow g_t + \lambda w_{t-1}, \quad
# w_t = w_{t-1} - \eta \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}; \qquad
# \text{AdamW: } w_t = (1 - \eta \lambda) w_{t-1} - \eta \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
# $$
#
# The first equals our penalty; the second does not.

# %% [markdown] lang="zh"
# ## 4. 对 Adam 而言，是两回事
# Adam 维护梯度 $g_t$ 的两个滑动矩，并除以二阶矩的平方根（Kingma & Ba, 2015, *Adam: A Method for
# Stochastic Optimization*）：
#
# $$
# m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \qquad
# v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \qquad
# \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}
# $$
#
# `Adam(weight_decay=lambda)` 把 $\lambda w$ 加到梯度上，和 L2 项一样——随后把这个含衰减的梯度整个除以
# 它的滑动均方根，于是梯度大的权重几乎不衰减。`AdamW` 则在自适应更新之外单独做
# $w \leftarrow (1 - \eta \lambda) w$，每个权重收缩得一样多（“解耦”的衰减；Loshchilov & Hutter, 2019,
# *Decoupled Weight Decay Regularization*）：
#
# $$
# \text{Adam: } g_t \leftarrow g_t + \lambda w_{t-1}, \quad
# w_t = w_{t-1} - \eta \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}; \qquad
# \text{AdamW: } w_t = (1 - \eta \lambda) w_{t-1} - \eta \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
# $$
#
# 前者等于我们的惩罚项；后者不等。

# %%
adam_loss = trajectory("Adam", 3.0, "loss")
adam_opt = trajectory("Adam", 3.0, "optimizer")
adamw = trajectory("AdamW", 3.0, "optimizer")
gap_l2 = (adam_loss - adam_opt).abs().max().item()
gap_w = (adam_loss - adamw).abs().max().item()
print(f"Adam: L2 term vs Adam(weight_decay=3): max |difference| {gap_l2:.1e}; "
      f"vs AdamW(weight_decay=3): {gap_w:.3f}")
assert gap_l2 < 1e-12 and gap_w > 1e-2

# %% [markdown]
# What to remember: with SGD, "L2 regularisation" and "weight decay" are two names for one
# update. With adaptive optimizers prefer `AdamW` and tune its `weight_decay` (its strength
# per step is `lr * lambda`, so it moves with the learning rate). In both cases leave biases
# and normalisation gains out, with parameter groups as above. $\lambda$ itself is a choice
# of capacity, made on validation data like the degree in `model-selection-kfold`.

# %% [markdown] lang="zh"
# 要记住的是：用 SGD 时，“L2 正则化”和“权重衰减”是同一种更新的两个名字。用自适应优化器时，优先用
# `AdamW` 并调它的 `weight_decay`（它每一步的力度是 `lr * lambda`，会随学习率变化）。两种情况下都像
# 上面那样用参数组把偏置和归一化层的增益排除在外。$\lambda$ 本身是在选择模型容量，和
# `model-selection-kfold` 里选次数一样，要在验证数据上决定。
