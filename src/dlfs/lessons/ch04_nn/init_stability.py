# %% [markdown]
# # Weight initialization and numerical stability — 权重初始化与数值稳定性
#
# **Library files:** `src/dlfs/nn/init.py` (Xavier and Kaiming scales),
# `src/dlfs/nn/linear.py` (`Linear`), `src/dlfs/nn/functional/activation.py` (`softmax` and
# `log_softmax` with the max subtracted); tests in `tests/nn/test_init.py`,
# `tests/nn/test_nn_activation.py`.
#
# A signal passing through `L` layers is multiplied by `L` weight matrices. If each layer
# scales its size by a factor `g`, the output scales by `g^L`: for `L = 30`, `g = 0.8` gives
# 0.001 (vanishing) and `g = 1.2` gives 237 (exploding). Initialization picks the weight scale
# so that `g = 1`:
#
# - a `Linear(n, m)` with weights of variance `v` multiplies the activation variance by `n v`;
# - so `v = 1 / fan_in` keeps it (LeCun); tanh is ~linear near 0, Xavier uses
#   `v = 2 / (fan_in + fan_out)`;
# - ReLU zeroes half its input and halves the second moment, Kaiming/He uses `v = 2 / fan_in`.
#
# For `y = x W^T` with independent, zero-mean weights of variance $v$ and
# $n = \mathrm{fan}_{\text{in}}$:
#
# $$
# \mathrm{Var}(y_j) = \sum_{i=1}^{n} v\, \mathbb{E}[x_i^2] = n\, v\, \mathbb{E}[x^2],
# \qquad
# v_{\text{Xavier}} = \frac{2}{\mathrm{fan}_{\text{in}} + \mathrm{fan}_{\text{out}}}, \quad
# v_{\text{Kaiming}} = \frac{2}{\mathrm{fan}_{\text{in}}}
# $$
#
# Glorot & Bengio, 2010, *Understanding the difficulty of training deep feedforward neural
# networks*; He et al., 2015, *Delving Deep into Rectifiers: Surpassing Human-Level Performance
# on ImageNet Classification*.

# %% [markdown] lang="zh"
# # 权重初始化与数值稳定性
#
# **库文件：** `src/dlfs/nn/init.py`（Xavier 与 Kaiming 的尺度）、`src/dlfs/nn/linear.py`
# （`Linear`）、`src/dlfs/nn/functional/activation.py`（先减去最大值的 `softmax` 和
# `log_softmax`）；测试见 `tests/nn/test_init.py`、`tests/nn/test_nn_activation.py`。
#
# 信号穿过 `L` 层，就要乘上 `L` 个权重矩阵。如果每一层都把信号的大小放缩 `g` 倍，输出就放缩
# `g^L` 倍：`L = 30` 时，`g = 0.8` 得到 0.001（消失），`g = 1.2` 得到 237（爆炸）。初始化的
# 任务就是选好权重的尺度，使 `g = 1`：
#
# - 权重方差为 `v` 的 `Linear(n, m)` 会把激活值的方差乘以 `n v`；
# - 所以 `v = 1 / fan_in` 能保持方差不变（LeCun 初始化）；tanh 在 0 附近近似线性，Xavier 取
#   `v = 2 / (fan_in + fan_out)`；
# - ReLU 把一半输入置零，二阶矩减半，所以 Kaiming/He 取 `v = 2 / fan_in`。
#
# 对 `y = x W^T`，设权重相互独立、均值为 0、方差为 $v$，且 $n = \mathrm{fan}_{\text{in}}$：
#
# $$
# \mathrm{Var}(y_j) = \sum_{i=1}^{n} v\, \mathbb{E}[x_i^2] = n\, v\, \mathbb{E}[x^2],
# \qquad
# v_{\text{Xavier}} = \frac{2}{\mathrm{fan}_{\text{in}} + \mathrm{fan}_{\text{out}}}, \quad
# v_{\text{Kaiming}} = \frac{2}{\mathrm{fan}_{\text{in}}}
# $$
#
# 参考文献：Glorot & Bengio, 2010, *Understanding the difficulty of training deep feedforward
# neural networks*；He et al., 2015, *Delving Deep into Rectifiers: Surpassing Human-Level
# Performance on ImageNet Classification*。

# %%
import math

import matplotlib.pyplot as plt
import torch

import dlfs.nn as nn
import dlfs.nn.functional as F
from dlfs.curriculum import lesson_context
from dlfs.nn import init

ctx = lesson_context("init-stability")
torch.manual_seed(0)
depth, width = (30, 128) if ctx.quick else (50, 512)

# %% [markdown]
# ## 1. Activation size per layer, for four initializations
# A deep MLP of `Linear` + activation, fed a batch of unit-variance inputs; we record the
# standard deviation after every layer (the layers have no bias):
#
# $$
# h_l = \mathrm{act}\bigl(h_{l-1} W_l^\top\bigr), \qquad l = 1, \dots, L
# $$

# %% [markdown] lang="zh"
# ## 1. 四种初始化下，每一层激活值的大小
# 一个由 `Linear` + 激活函数堆成的深层 MLP，输入一批方差为 1 的数据；我们记录每一层之后的
# 标准差（各层没有偏置）：
#
# $$
# h_l = \mathrm{act}\bigl(h_{l-1} W_l^\top\bigr), \qquad l = 1, \dots, L
# $$

# %%


def layer_stds(act: nn.Module, init_fn) -> tuple[list[float], list[float]]:
    """Activation std after each layer, and the gradient std of each layer's weight."""
    torch.manual_seed(0)
    layers = [nn.Linear(width, width, bias=False) for _ in range(depth)]
    for layer in layers:
        init_fn(layer.weight)
    h = torch.randn(256, width)
    stds = []
    for layer in layers:
        h = act(layer(h))
        stds.append(h.std().item())
    h.pow(2).mean().backward()
    grads = [layer.weight.grad.std().item() for layer in layers]
    return stds, grads


schemes = {
    "N(0, 0.01^2)": lambda w: init.normal_(w, 0.0, 0.01),
    "N(0, 1)": lambda w: init.normal_(w, 0.0, 1.0),
    "xavier_normal": lambda w: init.xavier_normal_(w),
    "kaiming_normal(relu)": lambda w: init.kaiming_normal_(w, nonlinearity="relu"),
}
results = {}
for act_name, act in (("tanh", nn.Tanh()), ("relu", nn.ReLU())):
    for name, fn in schemes.items():
        results[act_name, name] = layer_stds(act, fn)
        stds = results[act_name, name][0]
        print(f"{act_name:>4} {name:<22} std after layer 1: {stds[0]:9.3g}   "
              f"after layer {depth}: {stds[-1]:9.3g}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
for ax, act_name in zip(axes, ("tanh", "relu")):
    for name in schemes:
        stds = results[act_name, name][0]
        ax.semilogy(range(1, depth + 1), [max(s, 1e-30) for s in stds], label=name)
    ax.set_title(f"{act_name}: activation std per layer")
    ax.set_xlabel("layer")
axes[0].set_ylabel("std (log scale)")
axes[0].legend(fontsize=8)
ctx.savefig(fig, "activation_std_per_layer.png")

# %% [markdown]
# What the numbers say (asserted):
#
# - too small (`N(0, 0.01^2)`): each layer multiplies by about `sqrt(width) * 0.01`, the
#   signal is gone after a few layers, for either activation.
# - too large (`N(0, 1)`) with ReLU: each layer multiplies by `sqrt(width / 2)`, the signal
#   explodes (in a deep enough net past float32's range, to inf and nan); with tanh the units
#   saturate at +-1 (std near 1: the output is a sign pattern).
# - Xavier keeps tanh alive; Kaiming keeps ReLU at the same order of magnitude throughout.

# %% [markdown] lang="zh"
# 数字说明了什么（均已断言）：
#
# - 太小（`N(0, 0.01^2)`）：每一层大约乘以 `sqrt(width) * 0.01`，几层之后信号就没了，两种
#   激活函数都一样。
# - 太大（`N(0, 1)`）配 ReLU：每一层乘以 `sqrt(width / 2)`，信号爆炸（网络够深时会超出
#   float32 的范围，变成 inf 和 nan）；配 tanh 时各单元饱和在 +-1（标准差接近 1：输出只剩
#   一串正负号）。
# - Xavier 让 tanh 网络保持活力；Kaiming 让 ReLU 网络从头到尾保持在同一个数量级。

# %%
s = {k: v[0] for k, v in results.items()}
g = {k: v[1] for k, v in results.items()}
assert s["tanh", "N(0, 0.01^2)"][-1] < 1e-10 and s["relu", "N(0, 0.01^2)"][-1] < 1e-10
exploded = s["relu", "N(0, 1)"][-1]
assert exploded > 1e20 or not math.isfinite(exploded)  # deeper nets overflow float32: nan
assert s["tanh", "N(0, 1)"][-1] > 0.9  # saturated
assert 0.05 < s["tanh", "xavier_normal"][-1] < 1.0
relu_kaiming = s["relu", "kaiming_normal(relu)"]
assert 0.1 < relu_kaiming[-1] / relu_kaiming[0] < 10
print(f"kaiming + relu: std {relu_kaiming[0]:.3f} at layer 1, {relu_kaiming[-1]:.3f} at layer "
      f"{depth}")

# %% [markdown]
# The forward pass hides the problem of `N(0, 1)` with tanh (its std stays near 1), the
# backward pass does not: each layer multiplies the gradient by `W^T` (size ~`sqrt(width)`)
# and by tanh' (small but not small enough), so the first layer's weight gradient explodes.
# With Xavier it stays moderate. With $a_l = h_{l-1} W_l^\top$ and $h_l = \tanh(a_l)$ (rows are
# samples, as in the code):
#
# $$
# \delta_l = \frac{\partial L}{\partial h_l} \odot \tanh'(a_l),
# \qquad
# \frac{\partial L}{\partial h_{l-1}} = \delta_l W_l,
# \qquad
# \frac{\partial L}{\partial W_l} = \delta_l^{\top} h_{l-1}
# $$

# %% [markdown] lang="zh"
# 前向传播掩盖了 `N(0, 1)` 配 tanh 的问题（标准差一直接近 1），反向传播却掩盖不了：每一层都把
# 梯度乘以 `W^T`（大小约为 `sqrt(width)`），再乘以 tanh'（很小，但还不够小），于是第一层权重的
# 梯度爆炸了。用 Xavier 初始化时它保持在适中的大小。记 $a_l = h_{l-1} W_l^\top$、
# $h_l = \tanh(a_l)$（与代码一致，每一行是一个样本）：
#
# $$
# \delta_l = \frac{\partial L}{\partial h_l} \odot \tanh'(a_l),
# \qquad
# \frac{\partial L}{\partial h_{l-1}} = \delta_l W_l,
# \qquad
# \frac{\partial L}{\partial W_l} = \delta_l^{\top} h_{l-1}
# $$

# %%
sat, xav = g["tanh", "N(0, 1)"][0], g["tanh", "xavier_normal"][0]
print(f"tanh, first-layer weight-gradient std: N(0,1) {sat:.2e}  vs  xavier {xav:.2e}")
assert sat > 1e4 * xav

# %% [markdown]
# ## 2. The gain of each scheme, measured
# `kaiming_normal_(nonlinearity="relu")` draws with std `sqrt(2 / fan_in)`; measured on a big
# matrix (shape `(1024, 2048)`: $\mathrm{fan}_{\text{in}} = 2048$,
# $\mathrm{fan}_{\text{out}} = 1024$):
#
# $$
# \sigma_{\text{Kaiming}} = \sqrt{\frac{2}{\mathrm{fan}_{\text{in}}}} = \sqrt{\frac{2}{2048}},
# \qquad
# \sigma_{\text{Xavier}} = \sqrt{\frac{2}{\mathrm{fan}_{\text{in}} + \mathrm{fan}_{\text{out}}}}
# = \sqrt{\frac{2}{3072}}
# $$

# %% [markdown] lang="zh"
# ## 2. 实测每种方案的增益
# `kaiming_normal_(nonlinearity="relu")` 按标准差 `sqrt(2 / fan_in)` 抽样；在一个大矩阵上测量
# （形状 `(1024, 2048)`：$\mathrm{fan}_{\text{in}} = 2048$，$\mathrm{fan}_{\text{out}} = 1024$）：
#
# $$
# \sigma_{\text{Kaiming}} = \sqrt{\frac{2}{\mathrm{fan}_{\text{in}}}} = \sqrt{\frac{2}{2048}},
# \qquad
# \sigma_{\text{Xavier}} = \sqrt{\frac{2}{\mathrm{fan}_{\text{in}} + \mathrm{fan}_{\text{out}}}}
# = \sqrt{\frac{2}{3072}}
# $$

# %%
w = torch.empty(1024, 2048)
init.kaiming_normal_(w, nonlinearity="relu")
print(f"kaiming relu: measured std {w.std():.4f}, formula sqrt(2/2048) = {math.sqrt(2 / 2048):.4f}")
assert abs(w.std().item() - math.sqrt(2 / 2048)) < 1e-3
init.xavier_normal_(w)
print(f"xavier: measured std {w.std():.4f}, formula sqrt(2/(2048+1024)) = "
      f"{math.sqrt(2 / 3072):.4f}")
assert abs(w.std().item() - math.sqrt(2 / 3072)) < 1e-3

# %% [markdown]
# ## 3. Numerical stability inside a layer: softmax and log-softmax
# `exp(1000)` overflows to `inf`, so the textbook `exp(x) / sum(exp(x))` returns `nan` for
# large logits. Softmax does not change when a constant is subtracted from every logit, so
# `dlfs.nn.functional.softmax` subtracts the row maximum first. Likewise `log(softmax(x))`
# underflows to `-inf` for a very unlikely class, while `log_softmax` computes
# `(x - m) - log(sum(exp(x - m)))` directly. With $m = \max_j x_j$:
#
# $$
# \mathrm{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},
# \qquad
# \log \mathrm{softmax}(x)_i = (x_i - m) - \log \sum_j e^{x_j - m}
# $$
#
# Every exponent is now $\le 0$, so nothing overflows, and the sum is $\ge 1$, so its log is
# finite.

# %% [markdown] lang="zh"
# ## 3. 层内部的数值稳定性：softmax 与 log-softmax
# `exp(1000)` 会上溢成 `inf`，所以教科书式的 `exp(x) / sum(exp(x))` 遇到很大的 logit 会返回
# `nan`。给每个 logit 减去同一个常数不会改变 softmax，所以 `dlfs.nn.functional.softmax` 先减去
# 每一行的最大值。同样，对概率极小的类别，`log(softmax(x))` 会下溢成 `-inf`，而 `log_softmax`
# 直接计算 `(x - m) - log(sum(exp(x - m)))`。记 $m = \max_j x_j$：
#
# $$
# \mathrm{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},
# \qquad
# \log \mathrm{softmax}(x)_i = (x_i - m) - \log \sum_j e^{x_j - m}
# $$
#
# 现在每个指数都 $\le 0$，不会上溢；求和结果 $\ge 1$，它的对数一定是有限值。

# %%
logits = torch.tensor([[1000.0, 999.0, 0.0]])
naive = torch.exp(logits) / torch.exp(logits).sum(-1, keepdim=True)
stable = F.softmax(logits, dim=-1)
print("naive softmax:", naive, "  stable softmax:", stable)
assert torch.isnan(naive).any() and torch.isfinite(stable).all()
assert torch.allclose(stable, torch.softmax(logits.double(), -1).float())
log_naive = torch.log(F.softmax(logits, dim=-1))
log_stable = F.log_softmax(logits, dim=-1)
print("log(softmax):", log_naive, "  log_softmax:", log_stable)
assert torch.isinf(log_naive[0, 2]) and torch.isfinite(log_stable).all()
assert abs(log_stable[0, 2].item() - (-1000.0 - math.log1p(math.exp(-1)))) < 1e-3
