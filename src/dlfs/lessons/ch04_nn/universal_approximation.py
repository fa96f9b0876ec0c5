# %% [markdown]
# # Activations and the universal approximator — 激活函数与万能逼近
#
# **Library files:** `src/dlfs/nn/functional/activation.py` (every activation from exp/erf
# and comparisons), `src/dlfs/nn/activation.py` (the modules), `src/dlfs/nn/linear.py`
# (`Linear`); parity in `tests/nn/test_nn_activation.py` and `tests/nn/test_nn_linear.py`.
#
# A stack of linear layers is still one linear map; a nonlinearity between them is what lets
# a network bend. With one hidden layer of enough units, `x -> W2 act(W1 x + b1) + b2` can
# approximate any continuous function on an interval as closely as we like (the universal
# approximation theorem). This lesson looks at the activations, then watches a one-hidden-layer
# MLP fit a wiggly curve better as it gets wider.
#
# $$
# \hat{y} = W_2\, \mathrm{act}(W_1 x + b_1) + b_2
# $$
#
# Cybenko, 1989, *Approximation by Superpositions of a Sigmoidal Function*; Hornik, Stinchcombe
# & White, 1989, *Multilayer Feedforward Networks are Universal Approximators*.

# %% [markdown] lang="zh"
# # 激活函数与万能逼近
#
# **库文件：** `src/dlfs/nn/functional/activation.py`（所有激活函数，都由 exp/erf 和比较运算
# 写成）、`src/dlfs/nn/activation.py`（对应的模块）、`src/dlfs/nn/linear.py`（`Linear`）；
# 一致性测试见 `tests/nn/test_nn_activation.py` 和 `tests/nn/test_nn_linear.py`。
#
# 线性层叠得再多，仍然只是一个线性映射；层与层之间的非线性才让网络能够“弯曲”。只要隐藏层的
# 单元足够多，单隐藏层网络 `x -> W2 act(W1 x + b1) + b2` 就能在一个区间上以任意精度逼近任何
# 连续函数（万能逼近定理）。本课先看各个激活函数，再观察单隐藏层 MLP 随着变宽，把一条弯弯曲曲
# 的曲线拟合得越来越好。
#
# $$
# \hat{y} = W_2\, \mathrm{act}(W_1 x + b_1) + b_2
# $$
#
# 参考文献：Cybenko, 1989, *Approximation by Superpositions of a Sigmoidal Function*；Hornik,
# Stinchcombe & White, 1989, *Multilayer Feedforward Networks are Universal Approximators*。

# %%
import math

import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.curriculum import lesson_context
from dlfs.optim import Adam

ctx = lesson_context("universal-approximation")
torch.manual_seed(0)

# %% [markdown]
# ## 1. The activations and their slopes
# Each curve is `dlfs.nn.functional`; its slope comes from autograd through our own formula.
# The formulas ($\Phi$ is the standard normal CDF, $\sigma$ the sigmoid):
#
# $$
# \begin{aligned}
# \mathrm{relu}(x) &= \max(x, 0) \\
# \mathrm{leaky\_relu}(x) &= \max(x, 0.1\, x) \\
# \sigma(x) = \mathrm{sigmoid}(x) &= 1 / (1 + e^{-x}) \\
# \tanh(x) &= (e^{x} - e^{-x}) / (e^{x} + e^{-x}) \\
# \mathrm{silu}(x) &= x\, \sigma(x) \\
# \mathrm{softplus}(x) &= \log(1 + e^{x}) \\
# \mathrm{gelu}(x) &= x\, \Phi(x) = \tfrac{x}{2}\bigl(1 + \mathrm{erf}(x / \sqrt{2})\bigr) \\
# \mathrm{gelu}_{\tanh}(x)
# &= \tfrac{x}{2}\bigl(1 + \tanh\bigl(\sqrt{2/\pi}\,(x + 0.044715\, x^3)\bigr)\bigr)
# \end{aligned}
# $$

# %% [markdown] lang="zh"
# ## 1. 各个激活函数及其斜率
# 每条曲线都来自 `dlfs.nn.functional`；斜率由自动求导穿过我们自己写的公式得到。公式如下
# （$\Phi$ 是标准正态分布的累积分布函数，$\sigma$ 是 sigmoid）：
#
# $$
# \begin{aligned}
# \mathrm{relu}(x) &= \max(x, 0) \\
# \mathrm{leaky\_relu}(x) &= \max(x, 0.1\, x) \\
# \sigma(x) = \mathrm{sigmoid}(x) &= 1 / (1 + e^{-x}) \\
# \tanh(x) &= (e^{x} - e^{-x}) / (e^{x} + e^{-x}) \\
# \mathrm{silu}(x) &= x\, \sigma(x) \\
# \mathrm{softplus}(x) &= \log(1 + e^{x}) \\
# \mathrm{gelu}(x) &= x\, \Phi(x) = \tfrac{x}{2}\bigl(1 + \mathrm{erf}(x / \sqrt{2})\bigr) \\
# \mathrm{gelu}_{\tanh}(x)
# &= \tfrac{x}{2}\bigl(1 + \tanh\bigl(\sqrt{2/\pi}\,(x + 0.044715\, x^3)\bigr)\bigr)
# \end{aligned}
# $$

# %%
x = torch.linspace(-4, 4, 401, dtype=torch.float64, requires_grad=True)
acts = {
    "relu": nn.ReLU(), "leaky_relu(0.1)": nn.LeakyReLU(0.1), "gelu": nn.GELU(),
    "gelu(tanh)": nn.GELU("tanh"), "silu": nn.SiLU(), "sigmoid": nn.Sigmoid(),
    "tanh": nn.Tanh(), "softplus": nn.Softplus(),
}
fig, (ax_f, ax_g) = plt.subplots(1, 2, figsize=(10, 3.6))
slopes = {}
for name, act in acts.items():
    y = act(x)
    (g,) = torch.autograd.grad(y.sum(), x)
    slopes[name] = g
    ax_f.plot(x.detach(), y.detach(), label=name)
    ax_g.plot(x.detach(), g, label=name)
ax_f.set_title("activation(x)")
ax_g.set_title("slope d activation / dx")
ax_f.legend(fontsize=7)
ctx.savefig(fig, "activations.png")

# %% [markdown]
# Facts visible in the plot, asserted:
#
# - sigmoid's slope is at most 1/4 (at 0): stacking sigmoids shrinks gradients, one reason
#   deep sigmoid networks train slowly; tanh's slope peaks at 1. Indeed
#   $\sigma'(x) = \sigma(x)\bigl(1 - \sigma(x)\bigr) \le \frac{1}{4}$ and
#   $\tanh'(x) = 1 - \tanh^2(x) \le 1$.
# - tanh is a rescaled sigmoid: `tanh(x) = 2 sigmoid(2x) - 1`.
# - the tanh approximation of GELU differs from the exact erf form by less than 1e-3.
# - softplus is a smooth ReLU: `softplus(x) - relu(x)` is at most `log 2`, at 0, since
#   $\mathrm{softplus}(x) - \mathrm{relu}(x) = \log\bigl(1 + e^{-|x|}\bigr)$.
# - ReLU's slope is exactly 0 or 1 (0 at x = 0, as in torch).

# %% [markdown] lang="zh"
# 图中可以看到、并已断言的事实：
#
# - sigmoid 的斜率最大为 1/4（在 0 处）：sigmoid 层层相叠会让梯度越来越小，这是深层 sigmoid
#   网络训练缓慢的原因之一；tanh 的斜率最大为 1。事实上
#   $\sigma'(x) = \sigma(x)\bigl(1 - \sigma(x)\bigr) \le \frac{1}{4}$，
#   $\tanh'(x) = 1 - \tanh^2(x) \le 1$。
# - tanh 是缩放平移后的 sigmoid：`tanh(x) = 2 sigmoid(2x) - 1`。
# - GELU 的 tanh 近似与精确的 erf 形式相差不到 1e-3。
# - softplus 是平滑版的 ReLU：`softplus(x) - relu(x)` 最大为 `log 2`，在 0 处取到，因为
#   $\mathrm{softplus}(x) - \mathrm{relu}(x) = \log\bigl(1 + e^{-|x|}\bigr)$。
# - ReLU 的斜率恰好是 0 或 1（在 x = 0 处为 0，与 torch 一致）。

# %%
xd = x.detach()
assert abs(slopes["sigmoid"].max().item() - 0.25) < 1e-12
assert abs(slopes["tanh"].max().item() - 1.0) < 1e-12
assert torch.allclose(F.tanh(xd), 2 * F.sigmoid(2 * xd) - 1, atol=1e-12)
gap = (F.gelu(xd) - F.gelu(xd, approximate="tanh")).abs().max().item()
print(f"max |gelu - gelu_tanh| on [-4, 4]: {gap:.2e}")
assert gap < 1e-3
soft_gap = F.softplus(xd) - F.relu(xd)
assert abs(soft_gap.max().item() - math.log(2)) < 1e-12
assert set(slopes["relu"].unique().tolist()) == {0.0, 1.0}
print("sigmoid' <= 1/4, tanh' <= 1, tanh = 2 sigmoid(2x) - 1, softplus - relu <= log 2: checked")

# %% [markdown]
# ## 2. Without a nonlinearity, depth buys nothing
# Three stacked `Linear` layers collapse into a single matrix and bias. With $W_k, b_k$ the
# weight and bias of `stack[k - 1]`:
#
# $$
# W_3\bigl(W_2 (W_1 x + b_1) + b_2\bigr) + b_3
# = \underbrace{W_3 W_2 W_1}_{W}\, x + \underbrace{W_3 (W_2 b_1 + b_2) + b_3}_{b}
# $$

# %% [markdown] lang="zh"
# ## 2. 没有非线性，加深网络毫无用处
# 三个相叠的 `Linear` 层会合并成一个矩阵加一个偏置。记 $W_k, b_k$ 为 `stack[k - 1]` 的权重和
# 偏置：
#
# $$
# W_3\bigl(W_2 (W_1 x + b_1) + b_2\bigr) + b_3
# = \underbrace{W_3 W_2 W_1}_{W}\, x + \underbrace{W_3 (W_2 b_1 + b_2) + b_3}_{b}
# $$

# %%
stack = nn.Sequential(nn.Linear(1, 16), nn.Linear(16, 16), nn.Linear(16, 1)).double()
with torch.no_grad():
    W = stack[2].weight @ stack[1].weight @ stack[0].weight  # (1, 1)
    b = stack[2].weight @ (stack[1].weight @ stack[0].bias + stack[1].bias) + stack[2].bias
    probe = torch.randn(10, 1, dtype=torch.float64)
    assert torch.allclose(stack(probe), probe @ W.T + b, atol=1e-12)
print(f"3 linear layers == one line y = {W.item():.3f} x + {b.item():.3f}")

# %% [markdown]
# ## 3. A one-hidden-layer MLP fits a curve, better when wider
# Target: `f(x) = sin(3x) + 0.3 x^2` on [-2, 2]. Same training (Adam, full batch) for each
# width. Two tanh units can make only two bends and miss the wiggles; with 8 or 64 units the
# fit is many times better (with longer training both go to nearly zero error). The loss is
# the mean squared error over the $N = 200$ training points:
#
# $$
# \mathrm{mse} = \frac{1}{N} \sum_{i=1}^{N} \bigl(\mathrm{model}(x_i) - f(x_i)\bigr)^2
# $$

# %% [markdown] lang="zh"
# ## 3. 单隐藏层 MLP 拟合一条曲线，越宽越好
# 目标：[-2, 2] 上的 `f(x) = sin(3x) + 0.3 x^2`。每种宽度都用同样的训练方式（Adam，全批量）。
# 两个 tanh 单元只能弯两下，抓不住曲线的起伏；用 8 个或 64 个单元时，拟合好上许多倍（训练得
# 更久的话，两者的误差都接近于零）。损失是 $N = 200$ 个训练点上的均方误差：
#
# $$
# \mathrm{mse} = \frac{1}{N} \sum_{i=1}^{N} \bigl(\mathrm{model}(x_i) - f(x_i)\bigr)^2
# $$

# %%
x_train = torch.linspace(-2, 2, 200).unsqueeze(1)  # (N, 1)
y_train = torch.sin(3 * x_train) + 0.3 * x_train**2


def fit(width: int, act: nn.Module, steps: int) -> tuple[nn.Module, float]:
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(1, width), act, nn.Linear(width, 1))
    opt = Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((model(x_train) - y_train) ** 2).mean()
        loss.backward()
        opt.step()
    with torch.no_grad():
        final = ((model(x_train) - y_train) ** 2).mean().item()
    return model, final


steps = 250 if ctx.quick else 3000
widths = [2, 8, 64]
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.plot(x_train, y_train, "k", lw=3, alpha=0.3, label="target")
errors = {}
for width in widths:
    model, mse = fit(width, nn.Tanh(), steps)
    errors[width] = mse
    with torch.no_grad():
        ax.plot(x_train, model(x_train), label=f"width {width}: mse {mse:.4f}")
    print(f"tanh MLP, width {width:>3}: mse {mse:.5f}")
ax.legend(fontsize=8)
ax.set_title(f"one hidden layer, {steps} Adam steps")
ctx.savefig(fig, "fits_by_width.png")
assert errors[2] > 5 * errors[8] and errors[2] > 5 * errors[64]

# %% [markdown]
# ## 4. The same fit with ReLU: a piecewise-linear curve
# A ReLU network computes a piecewise-linear function; with `width` units it has at most
# `width` kinks. The slope of the fitted curve takes only finitely many values:
#
# $$
# \hat{y}(x) = \sum_{j=1}^{\text{width}} W_{2,j}\, \mathrm{relu}(W_{1,j}\, x + b_{1,j}) + b_2
# $$
#
# unit $j$ switches on or off at $x = -b_{1,j} / W_{1,j}$, so 32 units cut the line into at most
# 33 linear pieces.

# %% [markdown] lang="zh"
# ## 4. 用 ReLU 做同样的拟合：一条分段线性曲线
# ReLU 网络计算的是分段线性函数；有 `width` 个单元，就最多有 `width` 个折点。拟合曲线的斜率
# 只能取有限多个值：
#
# $$
# \hat{y}(x) = \sum_{j=1}^{\text{width}} W_{2,j}\, \mathrm{relu}(W_{1,j}\, x + b_{1,j}) + b_2
# $$
#
# 第 $j$ 个单元在 $x = -b_{1,j} / W_{1,j}$ 处打开或关闭，所以 32 个单元最多把直线切成 33 段。

# %%
relu_model, relu_mse = fit(32, nn.ReLU(), steps)
print(f"relu MLP, width 32: mse {relu_mse:.5f}")
xs = torch.linspace(-2, 2, 2001).unsqueeze(1).requires_grad_()
(slope,) = torch.autograd.grad(relu_model(xs).sum(), xs)
distinct = torch.unique(slope.round(decimals=4)).numel()
print(f"distinct slopes of the ReLU fit on 2001 points: {distinct} (at most 33 pieces)")
assert distinct <= 33
assert relu_mse < errors[2]
