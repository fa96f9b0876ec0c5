# %% [markdown]
# # Liu Er lecture 2: the linear model and exhaustive search — 刘二大人第 2 讲：线性模型与穷举搜索
#
# **Library files:** none yet — this lecture is plain tensor arithmetic. The loss computed
# here by hand is `dlfs.nn.MSELoss` (`src/dlfs/nn/loss.py`), used from lecture 5 on; the
# broadcasting that evaluates a whole grid at once is the topic of `dlfs run broadcasting`.
#
# A model guesses $\hat{y} = w \cdot x$. How good is a given $w$? Average the squared errors
# over the $N$ data points (the mean squared error, MSE):
#
# $$
# \text{cost}(w) = \frac{1}{N} \sum_{i=1}^{N} (w \cdot x_i - y_i)^2
# $$
#
# Before any calculus, the simplest way to find a good w is to try many: sweep w over a grid,
# compute the cost of each, keep the smallest. Then the homework: two parameters
# $\hat{y} = w \cdot x + b$, whose cost is a surface over the $(w, b)$ plane.

# %% [markdown] lang="zh"
# # 刘二大人第 2 讲：线性模型与穷举搜索
#
# **库文件：** 暂无——本讲只用到普通的张量运算。这里手算的损失就是 `dlfs.nn.MSELoss`
# （`src/dlfs/nn/loss.py`），从第 5 讲起直接使用；一次算出整张网格的广播（broadcasting）是
# `dlfs run broadcasting` 一课的主题。
#
# 模型的猜测是 $\hat{y} = w \cdot x$。给定的 $w$ 好不好？把 $N$ 个数据点上的平方误差取平均
# （即均方误差，MSE）：
#
# $$
# \text{cost}(w) = \frac{1}{N} \sum_{i=1}^{N} (w \cdot x_i - y_i)^2
# $$
#
# 在用到任何微积分之前，找一个好 w 最简单的办法就是多试：让 w 扫过一张网格，算出每个值的代价，
# 留下最小的那个。然后是课后作业：两个参数的 $\hat{y} = w \cdot x + b$，它的代价是 $(w, b)$
# 平面上的一张曲面。

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context

ctx = lesson_context("liuer-linear-model")

# %% [markdown]
# ## 1. The data of the lecture: y = 2x exactly
# Three study-hours / score pairs. The true w is 2, and the cost there is exactly 0.

# %% [markdown] lang="zh"
# ## 1. 课上的数据：恰好 y = 2x
# 三组“学习时长 / 分数”数据。真实的 w 是 2，在那里代价恰好为 0。

# %%
x = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)  # (N,)
y = torch.tensor([2.0, 4.0, 6.0], dtype=torch.float64)  # (N,)


def cost(w: float) -> float:
    """MSE of ŷ = w·x on the data, written as a loop over the points, as in the lecture."""
    total = 0.0
    for x_i, y_i in zip(x.tolist(), y.tolist()):
        total += (w * x_i - y_i) ** 2
    return total / len(x)


# %% [markdown]
# ## 2. Exhaustive search over w ∈ [0, 4] in steps of 0.1
# `arange(0, 41) / 10` hits 2.0 exactly (0.1 added 20 times would not). Because $y = 2x$
# here, every term is $x_i^2 (w - 2)^2$, so the cost is a parabola in $w$, which the last
# line of the cell checks:
#
# $$
# \text{cost}(w) = \Big(\frac{1}{N} \sum_{i=1}^{N} x_i^2\Big)\,(w - 2)^2
# $$

# %% [markdown] lang="zh"
# ## 2. 在 w ∈ [0, 4] 上以 0.1 为步长穷举搜索
# `arange(0, 41) / 10` 能精确取到 2.0（把 0.1 累加 20 次则不能）。由于这里 $y = 2x$，每一项都是
# $x_i^2 (w - 2)^2$，所以代价是关于 $w$ 的一条抛物线，代码格的最后一行验证了这一点：
#
# $$
# \text{cost}(w) = \Big(\frac{1}{N} \sum_{i=1}^{N} x_i^2\Big)\,(w - 2)^2
# $$

# %%
w_grid = torch.arange(0, 41, dtype=torch.float64) / 10  # (41,)
costs = torch.tensor([cost(w) for w in w_grid.tolist()], dtype=torch.float64)  # (41,)
for w, c in zip(w_grid[::5].tolist(), costs[::5].tolist()):
    print(f"  w = {w:.1f}   cost = {c:7.3f}")

# The same 41 costs in one line: w (41, 1) against x (1, N) broadcasts to (41, N).
costs_vec = ((w_grid[:, None] * x[None, :] - y) ** 2).mean(dim=1)  # (41,)
assert torch.allclose(costs, costs_vec)
best = int(costs.argmin())
print(f"best w on the grid: {w_grid[best].item():.1f} with cost {costs[best].item():.3g}")
assert w_grid[best].item() == 2.0 and costs[best].item() == 0.0
# The cost is a parabola in w: cost(w) = mean(x²)·(w − 2)² for this data.
assert torch.allclose(costs, (x ** 2).mean() * (w_grid - 2) ** 2)

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(w_grid.numpy(), costs.numpy(), marker=".")
ax.axvline(2.0, color="gray", linestyle="--", linewidth=1)
ax.set_xlabel("w")
ax.set_ylabel("MSE")
ax.set_title("cost of ŷ = w·x for each w on the grid")
ctx.savefig(fig, "mse_vs_w.png")

# %% [markdown]
# ## 3. With noise, the grid finds the least-squares w (to the grid's resolution)
# Real data is noisy: $y = 2x + \varepsilon$. The best w is then no longer 2 but the
# least-squares value `w_star`, where the derivative of the cost vanishes:
#
# $$
# \frac{d\,\text{cost}}{dw} = \frac{2}{N} \sum_{i=1}^{N} x_i (w \cdot x_i - y_i) = 0
# \quad\Longrightarrow\quad
# w^* = \frac{\sum_i x_i y_i}{\sum_i x_i^2}
# $$
#
# The grid search lands on the grid point nearest $w^*$, because the cost is a parabola
# symmetric about $w^*$.

# %% [markdown] lang="zh"
# ## 3. 有噪声时，网格搜索找到最小二乘的 w（精度取决于网格）
# 真实数据带噪声：$y = 2x + \varepsilon$。这时最好的 w 不再是 2，而是最小二乘解 `w_star`，
# 即代价导数为零的地方：
#
# $$
# \frac{d\,\text{cost}}{dw} = \frac{2}{N} \sum_{i=1}^{N} x_i (w \cdot x_i - y_i) = 0
# \quad\Longrightarrow\quad
# w^* = \frac{\sum_i x_i y_i}{\sum_i x_i^2}
# $$
#
# 网格搜索会落在离 $w^*$ 最近的网格点上，因为代价是一条关于 $w^*$ 对称的抛物线。

# %%
gen = torch.Generator().manual_seed(0)
xn = torch.linspace(0.5, 3.0, 20, dtype=torch.float64)  # (N,)
yn = 2 * xn + 0.3 * torch.randn(20, generator=gen, dtype=torch.float64)
noisy_costs = ((w_grid[:, None] * xn - yn) ** 2).mean(dim=1)  # (41,)
w_star = ((xn * yn).sum() / (xn ** 2).sum()).item()
w_found = w_grid[noisy_costs.argmin()].item()
print(f"noisy data: least-squares w* = {w_star:.4f}, grid search finds {w_found:.1f}")
assert abs(w_found - w_star) <= 0.05 + 1e-12

# %% [markdown]
# ## 4. Homework: ŷ = w·x + b and its cost surface
# Data made from w = 2, b = 1 (y = 3, 5, 7). Two parameters make the cost a surface
#
# $$
# \text{cost}(w, b) = \frac{1}{N} \sum_{i=1}^{N} (w \cdot x_i + b - y_i)^2 ;
# $$
#
# a grid of 41 × 61 points is evaluated in one broadcast, w along rows and b
# along columns. The contour lines are ellipses stretched along a valley: raising w while
# lowering b keeps the predictions near the data, so the two trade off.

# %% [markdown] lang="zh"
# ## 4. 课后作业：ŷ = w·x + b 及其代价曲面
# 数据由 w = 2、b = 1 生成（y = 3, 5, 7）。有了两个参数，代价就成了一张曲面
#
# $$
# \text{cost}(w, b) = \frac{1}{N} \sum_{i=1}^{N} (w \cdot x_i + b - y_i)^2 ;
# $$
#
# 41 × 61 个网格点用一次广播全部算出，w 沿行、b 沿列。等高线是沿着一道山谷拉长的椭圆：增大 w
# 的同时减小 b，预测仍然贴近数据，所以两者可以此消彼长。

# %%
y2 = 2 * x + 1  # (N,)
b_grid = torch.arange(-20, 41, dtype=torch.float64) / 10  # (61,): b in [-2, 4]
pred = w_grid[:, None, None] * x + b_grid[None, :, None]  # (41, 61, N)
surface = ((pred - y2) ** 2).mean(dim=-1)  # (41, 61)
i, j = divmod(int(surface.argmin()), surface.shape[1])
w_best, b_best = w_grid[i].item(), b_grid[j].item()
print(f"surface {tuple(surface.shape)}; minimum {surface[i, j].item():.3g} "
      f"at w = {w_best:.1f}, b = {b_best:.1f}")
assert (w_best, b_best) == (2.0, 1.0) and surface[i, j].item() < 1e-24
# Along the valley the cost stays low: (w, b) = (1.5, 2.0) predicts 3.5, 5, 6.5 — cost 1/6,
# while a step of the same length across it, to (2.5, 2.0), costs far more.
along, across = surface[15, 40].item(), surface[25, 40].item()
print(f"cost at (1.5, 2.0) = {along:.3f}, at (2.5, 2.0) = {across:.3f}")
assert abs(along - 1 / 6) < 1e-12 and across > 10 * along

# %%
fig, ax = plt.subplots(figsize=(5.5, 4))
W, B = torch.meshgrid(w_grid, b_grid, indexing="ij")  # both (41, 61)
levels = [0.05, 0.25, 1, 2, 4, 8, 16, 32]
contour = ax.contour(W.numpy(), B.numpy(), surface.numpy(), levels=levels, cmap="viridis")
ax.clabel(contour, fontsize=7)
ax.plot([w_best], [b_best], "r*", markersize=12, label="grid minimum (2, 1)")
ax.set_xlabel("w")
ax.set_ylabel("b")
ax.set_title("cost surface of ŷ = w·x + b")
ax.legend(loc="lower left")
ctx.savefig(fig, "cost_surface_wb.png")
