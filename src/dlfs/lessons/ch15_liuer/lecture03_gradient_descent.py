# %% [markdown]
# # Liu Er lecture 3: gradient descent vs stochastic gradient descent — 刘二大人第 3 讲：梯度下降与随机梯度下降
#
# **Library files:** none yet — the update rules written here by hand are what
# `dlfs.optim.SGD` (`src/dlfs/optim/sgd.py`) automates from lecture 5 on, and the derivative
# taken here by hand is what autograd (`dlfs run autograd-basics`) computes for us.
#
# Exhaustive search (lecture 2) does not scale past two parameters. Instead, follow the slope:
# for $\hat{y} = w \cdot x$ and the MSE cost, the derivative is
#
# $$
# \text{cost}(w) = \frac{1}{N} \sum_{i=1}^{N} (w \cdot x_i - y_i)^2,
# \qquad
# \frac{d\,\text{cost}}{dw} = \frac{1}{N} \sum_{i=1}^{N} 2 x_i (w \cdot x_i - y_i)
# $$
#
# and **gradient descent (GD)** repeats the update below with step size $\alpha$ (`alpha` in
# the code), one update per pass over all N points:
#
# $$
# w \leftarrow w - \alpha \, \frac{d\,\text{cost}}{dw}
# $$
#
# **Stochastic gradient descent (SGD)** updates after every single point $i$ with that
# point's own gradient: N cheap, noisy updates per pass,
#
# $$
# w \leftarrow w - \alpha \cdot 2 x_i (w \cdot x_i - y_i) .
# $$

# %% [markdown] lang="zh"
# # 刘二大人第 3 讲：梯度下降与随机梯度下降
#
# **库文件：** 暂无——这里手写的更新规则，就是从第 5 讲起由 `dlfs.optim.SGD`
# （`src/dlfs/optim/sgd.py`）自动完成的事；这里手算的导数，就是自动求导（autograd，见
# `dlfs run autograd-basics`）替我们算的东西。
#
# 穷举搜索（第 2 讲）超过两个参数就行不通了。换个办法：顺着斜率走。对 $\hat{y} = w \cdot x$
# 和均方误差代价，导数为
#
# $$
# \text{cost}(w) = \frac{1}{N} \sum_{i=1}^{N} (w \cdot x_i - y_i)^2,
# \qquad
# \frac{d\,\text{cost}}{dw} = \frac{1}{N} \sum_{i=1}^{N} 2 x_i (w \cdot x_i - y_i)
# $$
#
# **梯度下降（GD）** 以步长 $\alpha$（代码里的 `alpha`）反复执行下面的更新，每遍历全部 N
# 个点才更新一次：
#
# $$
# w \leftarrow w - \alpha \, \frac{d\,\text{cost}}{dw}
# $$
#
# **随机梯度下降（SGD）** 每看一个点 $i$ 就用该点自己的梯度更新一次：每遍 N 次廉价而带噪声的更新，
#
# $$
# w \leftarrow w - \alpha \cdot 2 x_i (w \cdot x_i - y_i) .
# $$

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context

ctx = lesson_context("liuer-gradient-descent")
epochs = 40 if ctx.quick else 100

# %% [markdown]
# ## 1. The hand-derived gradient, checked against autograd
# On the lecture's data (y = 2x exactly), at a few values of w.

# %% [markdown] lang="zh"
# ## 1. 手推的梯度，与自动求导对照
# 在课上的数据（恰好 y = 2x）上，取几个不同的 w 值来比较。

# %%
x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
y = torch.tensor([2.0, 4.0, 6.0], dtype=torch.float64)


def gradient(w: float, xs: torch.Tensor, ys: torch.Tensor) -> float:
    """d cost / dw = mean of 2·x·(w·x − y) over the given points."""
    return (2 * xs * (w * xs - ys)).mean().item()


for w0 in (0.0, 1.0, 2.0, 3.5):
    w_t = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
    ((w_t * x - y) ** 2).mean().backward()
    print(f"  w = {w0:3.1f}: by hand {gradient(w0, x, y):+8.4f}, autograd {w_t.grad.item():+8.4f}")
    assert abs(gradient(w0, x, y) - w_t.grad.item()) < 1e-12
assert gradient(2.0, x, y) == 0.0  # the slope vanishes at the minimum

# %% [markdown]
# ## 2. Both methods on noisy data
# 30 points of y = 2x + noise. The best w is now the least-squares
# $w^* = \sum_i x_i y_i / \sum_i x_i^2$ (`w_star`), which GD
# approaches steadily. SGD's single-point gradients disagree with each other, so with a
# fixed step size it keeps jumping around w* instead of settling exactly on it.

# %% [markdown] lang="zh"
# ## 2. 两种方法用在带噪声的数据上
# 30 个点，y = 2x 加噪声。此时最好的 w 是最小二乘解 $w^* = \sum_i x_i y_i / \sum_i x_i^2$
# （`w_star`），GD 稳步逼近它。SGD 的单点梯度彼此不一致，所以在固定步长下，它一直在 w*
# 附近跳来跳去，而不会恰好停在上面。

# %%
gen = torch.Generator().manual_seed(0)
N = 30
xs = torch.linspace(0.5, 3.0, N, dtype=torch.float64)  # (N,)
ys = 2 * xs + 0.3 * torch.randn(N, generator=gen, dtype=torch.float64)  # (N,)
w_star = ((xs * ys).sum() / (xs ** 2).sum()).item()
min_cost = ((w_star * xs - ys) ** 2).mean().item()


def full_cost(w: float) -> float:
    return ((w * xs - ys) ** 2).mean().item()


alpha = 0.03
w_gd, gd_costs = 1.0, [full_cost(1.0)]
for _ in range(epochs):
    w_gd -= alpha * gradient(w_gd, xs, ys)
    gd_costs.append(full_cost(w_gd))

w_sgd, sgd_costs, sgd_ws = 1.0, [full_cost(1.0)], []
for _ in range(epochs):
    for i in torch.randperm(N, generator=gen).tolist():  # a fresh order every epoch
        w_sgd -= alpha * gradient(w_sgd, xs[i:i + 1], ys[i:i + 1])
        sgd_costs.append(full_cost(w_sgd))
        sgd_ws.append(w_sgd)

print(f"least squares w* = {w_star:.4f}, cost {min_cost:.4f}")
print(f"GD  after {epochs} epochs ({epochs} updates):     w = {w_gd:.4f}, "
      f"cost {gd_costs[-1]:.4f}")
print(f"SGD after {epochs} epochs ({epochs * N} updates):  w = {w_sgd:.4f}, "
      f"cost {sgd_costs[-1]:.4f}")
assert abs(w_gd - w_star) < 1e-3, "GD converges to the least-squares w"
# SGD does not converge to a point with a fixed α; it stays in a band around w*.
band = max(abs(w - w_star) for w in sgd_ws[len(sgd_ws) // 2:])
print(f"SGD, second half of training: w always within {band:.3f} of w*")
assert band < 0.25, "SGD stays in a small neighbourhood of w*"

# %% [markdown]
# ## 3. What "noisier" means, in numbers
# GD's cost never goes up: every step moves w straight towards w*. SGD's cost, measured on
# all the data after each single-point update, goes up whenever a point pulls w away. But
# SGD makes N updates per pass, so after ONE pass it is already much closer than GD.

# %% [markdown] lang="zh"
# ## 3. 用数字说明“噪声更大”是什么意思
# GD 的代价从不上升：每一步都把 w 径直推向 w*。SGD 的代价（每次单点更新后在全部数据上测量）
# 只要某个点把 w 拉偏就会上升。但 SGD 每遍做 N 次更新，所以仅仅一遍之后，它就已经比 GD 接近得多。

# %%
gd_up = sum(b > a + 1e-15 for a, b in zip(gd_costs, gd_costs[1:]))
sgd_up = sum(b > a + 1e-15 for a, b in zip(sgd_costs, sgd_costs[1:]))
print(f"cost went up in {gd_up} of {len(gd_costs) - 1} GD updates and "
      f"{sgd_up} of {len(sgd_costs) - 1} SGD updates")
assert gd_up == 0 and sgd_up > 0.2 * (len(sgd_costs) - 1)
print(f"after 1 epoch: GD cost {gd_costs[1]:.3f}, SGD cost {sgd_costs[N]:.3f}")
assert sgd_costs[N] < gd_costs[1]

# %%
fig, ax = plt.subplots(figsize=(6, 3.8))
sgd_epochs = [k / N for k in range(len(sgd_costs))]  # updates counted in epochs
ax.plot(sgd_epochs, sgd_costs, label="SGD (after every point)", linewidth=1, alpha=0.8)
ax.plot(range(len(gd_costs)), gd_costs, "o-", label="GD (after every epoch)", markersize=3)
ax.axhline(min_cost, color="gray", linestyle="--", linewidth=1, label="least-squares cost")
ax.set_yscale("log")
ax.set_xlabel("epoch")
ax.set_ylabel("cost on all 30 points")
ax.set_title(f"GD vs SGD, step size α = {alpha}")
ax.legend()
ctx.savefig(fig, "gd_vs_sgd.png")
