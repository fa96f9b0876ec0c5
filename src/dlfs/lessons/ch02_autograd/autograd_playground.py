# %% [markdown]
# # Autograd 00 · Interactive playground: environment check and a first Jacobian — 交互式实验场
#
# **Library files:** `src/dlfs/playground/` (`env_report`, `inspect`); the from-scratch
# engines that compute the same derivatives are in `src/dlfs/autograd/`.
#
# A playground to change and re-run (open it as a notebook with `jupytext --to ipynb`).
# First we make sure the tools work, then ask autograd for the derivative of a function we
# can also differentiate by hand — first a scalar one, then a vector function, whose
# derivative is a matrix: the **Jacobian** `J[i, j] = ∂f_i / ∂x_j`, that is
# $J_{ij} = \partial f_i / \partial x_j$.
#
# Try it: edit `f` and `jacobian_by_hand` in section 3 (keep them in agreement) and re-run.

# %% [markdown] lang="zh"
# # 自动求导 00 · 交互式实验场：环境检查与第一个雅可比矩阵
#
# **库文件：** `src/dlfs/playground/`（`env_report`、`inspect`）；从零实现、计算同样导数的
# 自动微分引擎位于 `src/dlfs/autograd/`。
#
# 这是一个可以随意修改、反复运行的实验场（用 `jupytext --to ipynb` 把它当作 notebook 打开）。
# 先确认工具都能正常工作，然后让 autograd 求一个我们也能手算的函数的导数——先是标量函数，
# 再是向量函数，后者的导数是一个矩阵：**雅可比矩阵**（Jacobian）`J[i, j] = ∂f_i / ∂x_j`，即
# $J_{ij} = \partial f_i / \partial x_j$。
#
# 动手试试：修改第 3 节中的 `f` 和 `jacobian_by_hand`（保持两者一致），然后重新运行。

# %%
import matplotlib.pyplot as plt
import torch

from dlfs.curriculum import lesson_context
from dlfs.playground import env_report, inspect

ctx = lesson_context("autograd-playground")
torch.manual_seed(0)

# %% [markdown]
# ## 1. Environment check
# `env_report` runs a sanity check (a matmul and a derivative against hand results).

# %% [markdown] lang="zh"
# ## 1. 环境检查
# `env_report` 会运行一次健全性检查（把一次矩阵乘法和一个导数与手算结果相比较）。

# %%
report = env_report()
for key in ("python", "torch", "torch_build", "threads", "cuda_available", "mps_available"):
    print(f"{key:<15} {report[key]}")
assert report["problems"] == [], report["problems"]
if not report["cuda_available"]:
    print("note: no CUDA GPU; everything in this series runs on the CPU")

# %% [markdown]
# ## 2. A scalar derivative, everywhere at once
# For $y = \tanh(x)$, $\frac{dy}{dx} = 1 - \tanh^2(x)$. Autograd gives the derivative at every
# point of a grid in one backward pass: each $y_i$ depends only on $x_i$, so the gradient of
# $\sum_i y_i$ is the list of derivatives,
# $\frac{\partial}{\partial x_j} \sum_i y_i = \frac{d y_j}{d x_j}$.

# %% [markdown] lang="zh"
# ## 2. 标量函数的导数，一次求出所有点
# 对 $y = \tanh(x)$，有 $\frac{dy}{dx} = 1 - \tanh^2(x)$。autograd 只用一次反向传播就给出网格上
# 每一点的导数：每个 $y_i$ 只依赖于 $x_i$，所以 $\sum_i y_i$ 的梯度就是各点导数组成的列表，
# $\frac{\partial}{\partial x_j} \sum_i y_i = \frac{d y_j}{d x_j}$。

# %%
x = torch.linspace(-3, 3, 61, dtype=torch.float64, requires_grad=True)
y = torch.tanh(x)
y.sum().backward()
by_hand = 1 - torch.tanh(x.detach()) ** 2
print(f"max |autograd - hand| over {x.numel()} points: {(x.grad - by_hand).abs().max():.1e}")
assert torch.allclose(x.grad, by_hand, atol=1e-12)

fig, ax = plt.subplots(figsize=(6, 3.5))
xn = x.detach().numpy()
ax.plot(xn, y.detach().numpy(), label="tanh(x)")
ax.plot(xn, x.grad.numpy(), label="autograd d/dx")
ax.plot(xn[::4], by_hand.numpy()[::4], "k.", label="1 - tanh(x)^2 (hand)")
ax.legend()
ax.set_title("the derivative from autograd sits on the hand-derived one")
ctx.savefig(fig, "tanh_derivative.png")

# %% [markdown]
# ## 3. A first Jacobian
# $f(x) = (x_0^2 x_1,\; 5 x_0 + \sin x_1,\; x_0 x_1 x_2)$ maps $\mathbb{R}^3 \to \mathbb{R}^3$.
# By hand:
#
# $$
# J = \begin{pmatrix}
# 2 x_0 x_1 & x_0^2 & 0 \\
# 5 & \cos x_1 & 0 \\
# x_1 x_2 & x_0 x_2 & x_0 x_1
# \end{pmatrix}
# $$
#
# Autograd builds J one row at a time: `backward` on $f_i$ gives row i,
# $\partial f_i / \partial x$. `torch.autograd.functional.jacobian` does that loop for us.

# %% [markdown] lang="zh"
# ## 3. 第一个雅可比矩阵
# $f(x) = (x_0^2 x_1,\; 5 x_0 + \sin x_1,\; x_0 x_1 x_2)$ 是一个
# $\mathbb{R}^3 \to \mathbb{R}^3$ 的映射。手算得到：
#
# $$
# J = \begin{pmatrix}
# 2 x_0 x_1 & x_0^2 & 0 \\
# 5 & \cos x_1 & 0 \\
# x_1 x_2 & x_0 x_2 & x_0 x_1
# \end{pmatrix}
# $$
#
# autograd 一次构造 J 的一行：对 $f_i$ 调用 `backward` 得到第 i 行，即 $\partial f_i / \partial x$。
# `torch.autograd.functional.jacobian` 替我们完成这个循环。

# %%
def f(x: torch.Tensor) -> torch.Tensor:
    """R^3 -> R^3, (3,) -> (3,)."""
    return torch.stack([x[0] ** 2 * x[1], 5 * x[0] + torch.sin(x[1]), x[0] * x[1] * x[2]])


def jacobian_by_hand(x: torch.Tensor) -> torch.Tensor:
    """The matrix above, (3, 3)."""
    x0, x1, x2 = x
    zero = torch.zeros((), dtype=x.dtype)
    return torch.stack([
        torch.stack([2 * x0 * x1, x0 ** 2, zero]),
        torch.stack([torch.full((), 5.0, dtype=x.dtype), torch.cos(x1), zero]),
        torch.stack([x1 * x2, x0 * x2, x0 * x1]),
    ])


point = torch.tensor([1.5, -0.5, 2.0], dtype=torch.float64)
rows = []
for i in range(3):
    xi = point.clone().requires_grad_()
    f(xi)[i].backward()          # row i: the gradient of the i-th output
    rows.append(xi.grad)
J_rows = torch.stack(rows)       # (3, 3)
J_func = torch.autograd.functional.jacobian(f, point)
J_hand = jacobian_by_hand(point)
print("J by hand:\n", J_hand)
inspect(J_func, "J from torch.autograd.functional.jacobian")
assert torch.allclose(J_rows, J_hand) and torch.allclose(J_func, J_hand)

# %% [markdown]
# ## 4. The Jacobian as the best linear approximation
# $f(x + \delta) = f(x) + J \delta + O(\lVert \delta \rVert^2)$: the error of the linear
# approximation shrinks like $\lVert \delta \rVert^2$. Halving δ should cut the error by about 4.

# %% [markdown] lang="zh"
# ## 4. 雅可比矩阵是最好的线性近似
# $f(x + \delta) = f(x) + J \delta + O(\lVert \delta \rVert^2)$：线性近似的误差按
# $\lVert \delta \rVert^2$ 的速度缩小。把 δ 减半，误差应该缩小到大约四分之一。

# %%
direction = torch.tensor([0.3, -0.2, 0.5], dtype=torch.float64)
errors = []
for eps in [1e-1, 5e-2, 2.5e-2]:
    delta = eps * direction
    errors.append((f(point + delta) - f(point) - J_hand @ delta).norm().item())
ratios = [errors[i] / errors[i + 1] for i in range(2)]
print("linearisation errors:", [f"{e:.2e}" for e in errors], "ratios", [f"{r:.2f}" for r in ratios])
assert all(3.5 < r < 4.5 for r in ratios), "second-order error: halving δ quarters it"

print("\nPlayground checked. Next: `dlfs run manual-gd` (autograd 01).")
