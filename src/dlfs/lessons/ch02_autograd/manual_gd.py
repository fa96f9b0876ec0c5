# %% [markdown]
# # Autograd 01 · Manual gradient descent for y = 2x + 1 — 手动梯度下降拟合 y = 2x + 1
#
# **Library files:** none yet — this is the loop every optimizer in `src/dlfs/optim/`
# automates; the from-scratch engines in `src/dlfs/autograd/` automate the derivative.
#
# Fit $\hat{y} = w x + b$ to noisy points of y = 2x + 1 with the mean squared error
#
# $$
# L(w, b) = \frac{1}{N} \sum_{i=1}^{N} (w x_i + b - y_i)^2
# $$
#
# $$
# \frac{\partial L}{\partial w} = \frac{2}{N} \sum_{i=1}^{N} (w x_i + b - y_i) \, x_i, \qquad
# \frac{\partial L}{\partial b} = \frac{2}{N} \sum_{i=1}^{N} (w x_i + b - y_i)
# $$
#
# and update, with learning rate lr (0.5 here),
#
# $$
# w \leftarrow w - \text{lr} \cdot \frac{\partial L}{\partial w}, \qquad
# b \leftarrow b - \text{lr} \cdot \frac{\partial L}{\partial b}
# $$
#
# At every step we also ask autograd for the same two numbers and assert they equal the
# hand-derived ones.

# %% [markdown] lang="zh"
# # 自动求导 01 · 手动梯度下降拟合 y = 2x + 1
#
# **库文件：** 暂时还没有——这就是 `src/dlfs/optim/` 中每个优化器自动完成的那个循环；
# `src/dlfs/autograd/` 中从零实现的引擎则自动完成求导。
#
# 用均方误差把 $\hat{y} = w x + b$ 拟合到 y = 2x + 1 的带噪声数据点上：
#
# $$
# L(w, b) = \frac{1}{N} \sum_{i=1}^{N} (w x_i + b - y_i)^2
# $$
#
# $$
# \frac{\partial L}{\partial w} = \frac{2}{N} \sum_{i=1}^{N} (w x_i + b - y_i) \, x_i, \qquad
# \frac{\partial L}{\partial b} = \frac{2}{N} \sum_{i=1}^{N} (w x_i + b - y_i)
# $$
#
# 然后以学习率 lr（这里是 0.5）更新：
#
# $$
# w \leftarrow w - \text{lr} \cdot \frac{\partial L}{\partial w}, \qquad
# b \leftarrow b - \text{lr} \cdot \frac{\partial L}{\partial b}
# $$
#
# 每一步我们还会让 autograd 算出同样的两个数，并断言它们与手推的结果相等。

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context

ctx = lesson_context("manual-gd")
gen = torch.Generator().manual_seed(0)

# %% [markdown]
# ## 1. Data

# %% [markdown] lang="zh"
# ## 1. 数据

# %%
N = 64
x = torch.linspace(-1, 1, N, dtype=torch.float64)
y = 2 * x + 1 + 0.1 * torch.randn(N, generator=gen, dtype=torch.float64)

# %% [markdown]
# ## 2. The loop, with gradients by hand and by autograd side by side

# %% [markdown] lang="zh"
# ## 2. 训练循环：手算梯度与 autograd 梯度并排对照

# %%
def grads_by_hand(w: float, b: float) -> tuple[float, float]:
    """(∂L/∂w, ∂L/∂b) from the formulas above."""
    r = w * x + b - y  # residuals, (N,)
    return (2 / N * (r * x).sum()).item(), (2 / N * r.sum()).item()


w, b, lr = 0.0, 0.0, 0.5
steps = 60 if ctx.quick else 300
history = []
for step in range(steps):
    dw, db = grads_by_hand(w, b)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    loss = ((wt * x + bt - y) ** 2).mean()
    loss.backward()
    assert abs(wt.grad.item() - dw) < 1e-12 and abs(bt.grad.item() - db) < 1e-12, step
    history.append((loss.item(), w, b))
    w, b = w - lr * dw, b - lr * db
    if step % (steps // 6) == 0:
        print(f"step {step:3d}  loss {loss.item():.5f}  w {w:.4f}  b {b:.4f}  "
              f"dL/dw hand {dw:+.5f} = autograd {wt.grad.item():+.5f}")
print(f"final: w = {w:.4f}, b = {b:.4f} (truth 2, 1)")
assert abs(w - 2) < 0.05 and abs(b - 1) < 0.05

# %% [markdown]
# ## 3. The answer gradient descent should find: the least-squares solution
# The minimum of L solves the normal equations; `torch.linalg.lstsq` gives it directly. With
# the design matrix $X = [x \;\; \mathbf{1}]$ of shape (N, 2) and $\theta = (w, b)^\top$:
#
# $$
# X^\top X \, \theta^* = X^\top y
# \quad \Longrightarrow \quad
# \theta^* = (X^\top X)^{-1} X^\top y
# $$

# %% [markdown] lang="zh"
# ## 3. 梯度下降应当找到的答案：最小二乘解
# L 的最小值点满足正规方程（normal equations）；`torch.linalg.lstsq` 直接给出它。记设计矩阵
# $X = [x \;\; \mathbf{1}]$，形状为 (N, 2)，$\theta = (w, b)^\top$：
#
# $$
# X^\top X \, \theta^* = X^\top y
# \quad \Longrightarrow \quad
# \theta^* = (X^\top X)^{-1} X^\top y
# $$

# %%
X = torch.stack([x, torch.ones_like(x)], dim=1)  # (N, 2)
w_star, b_star = torch.linalg.lstsq(X, y[:, None]).solution.squeeze(1).tolist()
print(f"least squares: w* = {w_star:.4f}, b* = {b_star:.4f}")
assert abs(w - w_star) < 1e-3 and abs(b - b_star) < 1e-3

# %% [markdown]
# ## 4. The same loop the way you will write it from now on
# Parameters with `requires_grad`, `backward()`, an update under `no_grad`, and zeroing the
# gradient (skip that and the gradients accumulate — see autograd 02).

# %% [markdown] lang="zh"
# ## 4. 从今以后你会这样写同一个循环
# 参数设置 `requires_grad`，调用 `backward()`，在 `no_grad` 下更新，再把梯度清零（漏掉这一步，
# 梯度就会累加——见自动求导 02）。

# %%
wp = torch.zeros((), dtype=torch.float64, requires_grad=True)
bp = torch.zeros((), dtype=torch.float64, requires_grad=True)
for _ in range(steps):
    loss = ((wp * x + bp - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        wp -= lr * wp.grad
        bp -= lr * bp.grad
    wp.grad = None
    bp.grad = None
assert abs(wp.item() - w) < 1e-10 and abs(bp.item() - b) < 1e-10
print("the autograd loop lands on exactly the same w and b")

# %% [markdown]
# ## 5. Pictures: the fit, and the path through the loss landscape

# %% [markdown] lang="zh"
# ## 5. 图示：拟合结果，以及在损失曲面上走过的路径

# %%
losses, ws, bs = zip(*history)
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
axes[0].scatter(x.numpy(), y.numpy(), s=8, label="data")
axes[0].plot(x.numpy(), (w * x + b).numpy(), "r", label=f"fit {w:.2f}x + {b:.2f}")
axes[0].legend()
axes[1].semilogy(losses)
axes[1].set_xlabel("step")
axes[1].set_title("loss")
gw, gb = torch.meshgrid(torch.linspace(-0.5, 3, 80, dtype=torch.float64),
                        torch.linspace(-0.5, 2, 80, dtype=torch.float64), indexing="ij")
L = ((gw[..., None] * x + gb[..., None] - y) ** 2).mean(-1)  # (80, 80)
axes[2].contour(gw.numpy(), gb.numpy(), L.numpy(), levels=30)
axes[2].plot(ws, bs, "r.-", markersize=3)
axes[2].set_xlabel("w")
axes[2].set_ylabel("b")
axes[2].set_title("gradient descent path")
ctx.savefig(fig, "manual_gd.png")
assert losses[-1] < losses[0] / 100

print("\nNext: `dlfs run autograd-basics` (autograd 02).")
