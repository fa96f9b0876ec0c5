# %% [markdown]
# # Liu Er lecture 2: the linear model and exhaustive search — 刘二大人第 2 讲：线性模型与穷举搜索
#
# **Library files:** none yet — this lecture is plain tensor arithmetic. The loss computed
# here by hand is `dlfs.nn.MSELoss` (`src/dlfs/nn/loss.py`), used from lecture 5 on; the
# broadcasting that evaluates a whole grid at once is the topic of `dlfs run broadcasting`.
#
# A model guesses ŷ = w·x. How good is a given w? Average the squared errors over the data:
#
#     cost(w) = (1/N) Σ (w·xᵢ − yᵢ)²        (the mean squared error, MSE)
#
# Before any calculus, the simplest way to find a good w is to try many: sweep w over a grid,
# compute the cost of each, keep the smallest. Then the homework: two parameters
# ŷ = w·x + b, whose cost is a surface over the (w, b) plane.

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context

ctx = lesson_context("liuer-linear-model")

# %% [markdown]
# ## 1. The data of the lecture: y = 2x exactly
# Three study-hours / score pairs. The true w is 2, and the cost there is exactly 0.

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
# `arange(0, 41) / 10` hits 2.0 exactly (0.1 added 20 times would not).

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
# Real data is noisy: y = 2x + ε. The best w is then no longer 2 but the least-squares
# value w* = Σxᵢyᵢ / Σxᵢ² (set d cost / dw = 0). The grid search lands on the grid point
# nearest w*, because the cost is a parabola symmetric about w*.

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
# cost(w, b); a grid of 41 × 61 points is evaluated in one broadcast, w along rows and b
# along columns. The contour lines are ellipses stretched along a valley: raising w while
# lowering b keeps the predictions near the data, so the two trade off.

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
