# %% [markdown]
# # Autograd 05 · VJP, Jacobian and Hessian — 向量-雅可比积、雅可比矩阵与黑塞矩阵
#
# **Library files:** `src/dlfs/autograd/gradcheck.py` (finite differences, the independent
# check); this lesson uses `torch.autograd.functional` and `torch.func`.
#
# For $y = f(x)$ the Jacobian and, for a scalar $f$, the Hessian are
#
# $$
# J_{ij} = \frac{\partial y_i}{\partial x_j}, \qquad
# H_{ij} = \frac{\partial^2 f}{\partial x_i \, \partial x_j}
# $$
#
# Reverse mode computes **vector–Jacobian products**: for a vector v shaped like y,
# `y.backward(v)` gives `vᵀ J` — one pass, whatever the size of x. Forward mode computes
# Jacobian–vector products $J u$. A full Jacobian needs one VJP per output (reverse mode) or
# one JVP per input (forward mode). The Hessian is the Jacobian of the gradient; a
# Hessian–vector product needs only two backward passes.
#
# Every result is compared with a formula worked out by hand:
#
# | f | Jacobian / Hessian by hand |
# |---|---|
# | $f(x) = A x$ | $J = A$ |
# | $f(x) = \mathrm{softmax}(x) = s$ | $J = \mathrm{diag}(s) - s s^\top$ |
# | $f(x) = x^\top M x$ | $\nabla f = (M + M^\top) x$, $H = M + M^\top$ |
# | $f(x) = \sum_i \log(1 + e^{x_i})$ | $H = \mathrm{diag}(\sigma(x) \odot (1 - \sigma(x)))$ |

# %% [markdown] lang="zh"
# # 自动求导 05 · 向量-雅可比积、雅可比矩阵与黑塞矩阵
#
# **库文件：** `src/dlfs/autograd/gradcheck.py`（有限差分，作为独立的检验）；本课使用
# `torch.autograd.functional` 和 `torch.func`。
#
# 对 $y = f(x)$，雅可比矩阵（Jacobian）以及标量函数 $f$ 的黑塞矩阵（Hessian）分别是
#
# $$
# J_{ij} = \frac{\partial y_i}{\partial x_j}, \qquad
# H_{ij} = \frac{\partial^2 f}{\partial x_i \, \partial x_j}
# $$
#
# 反向模式计算的是**向量-雅可比积**（VJP）：对一个与 y 形状相同的向量 v，`y.backward(v)` 给出
# `vᵀ J`——只需一遍，不论 x 有多大。前向模式计算的是雅可比-向量积（JVP）$J u$。完整的雅可比
# 矩阵需要每个输出做一次 VJP（反向模式），或每个输入做一次 JVP（前向模式）。黑塞矩阵是梯度的
# 雅可比矩阵；黑塞-向量积只需要两次反向传播。
#
# 每个结果都与手推的公式对照：
#
# | f | 手推的雅可比矩阵 / 黑塞矩阵 |
# |---|---|
# | $f(x) = A x$ | $J = A$ |
# | $f(x) = \mathrm{softmax}(x) = s$ | $J = \mathrm{diag}(s) - s s^\top$ |
# | $f(x) = x^\top M x$ | $\nabla f = (M + M^\top) x$，$H = M + M^\top$ |
# | $f(x) = \sum_i \log(1 + e^{x_i})$ | $H = \mathrm{diag}(\sigma(x) \odot (1 - \sigma(x)))$ |

# %%
import matplotlib.pyplot as plt
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vjp
from torch.func import hessian as func_hessian
from torch.func import jacfwd, jacrev, vmap
from torch.utils.flop_counter import FlopCounterMode

from dlfs.curriculum import lesson_context
from dlfs.playground import compare

ctx = lesson_context("jacobian-hessian")
torch.manual_seed(0)
dt = torch.float64

# %% [markdown]
# ## 1. `backward(v)` is a vector–Jacobian product
# For $f(x) = A x$ (A is 4×3) the Jacobian is A, so $v^\top J = v^\top A$. The JVP with
# $u = \mathbf{1}$ gives $J u = A \mathbf{1}$, the row sums of A.

# %% [markdown] lang="zh"
# ## 1. `backward(v)` 就是向量-雅可比积
# 对 $f(x) = A x$（A 为 4×3），雅可比矩阵就是 A，所以 $v^\top J = v^\top A$。取
# $u = \mathbf{1}$ 做 JVP 得到 $J u = A \mathbf{1}$，即 A 的各行之和。

# %%
A = torch.randn(4, 3, dtype=dt)
x = torch.randn(3, dtype=dt, requires_grad=True)
v = torch.randn(4, dtype=dt)
(A @ x).backward(v)
print("x.grad after (A x).backward(v):", [round(g, 4) for g in x.grad.tolist()])
assert torch.allclose(x.grad, v @ A)
_, vjp_result = vjp(lambda t: A @ t, x.detach(), v)
_, jvp_result = jvp(lambda t: A @ t, x.detach(), torch.ones(3, dtype=dt))  # J u
assert torch.allclose(vjp_result, v @ A) and torch.allclose(jvp_result, A.sum(1))
assert torch.allclose(jacobian(lambda t: A @ t, x.detach()), A)

# %% [markdown]
# ## 2. The softmax Jacobian: diag(s) − s sᵀ
# With $s = \mathrm{softmax}(z)$, $s_i = e^{z_i} / \sum_k e^{z_k}$:
#
# $$
# J_{ij} = \frac{\partial s_i}{\partial z_j} = s_i \, (\delta_{ij} - s_j),
# \qquad J = \mathrm{diag}(s) - s s^\top
# $$
#
# Every column sums to 0, since $\sum_i s_i = 1$ whatever z is. Four ways to the same 5×5
# matrix: the hand formula, `autograd.functional.jacobian`, `torch.func.jacrev` (reverse
# mode, row by row) and `torch.func.jacfwd` (forward mode).

# %% [markdown] lang="zh"
# ## 2. softmax 的雅可比矩阵：diag(s) − s sᵀ
# 记 $s = \mathrm{softmax}(z)$，$s_i = e^{z_i} / \sum_k e^{z_k}$：
#
# $$
# J_{ij} = \frac{\partial s_i}{\partial z_j} = s_i \, (\delta_{ij} - s_j),
# \qquad J = \mathrm{diag}(s) - s s^\top
# $$
#
# 每一列之和都为 0，因为无论 z 取何值，都有 $\sum_i s_i = 1$。得到同一个 5×5 矩阵的四种方法：
# 手推公式、`autograd.functional.jacobian`、`torch.func.jacrev`（反向模式，逐行计算）和
# `torch.func.jacfwd`（前向模式）。

# %%
z = torch.randn(5, dtype=dt)
s = torch.softmax(z, 0)
J_hand = torch.diag(s) - torch.outer(s, s)  # (5, 5)
J_functional = jacobian(lambda t: torch.softmax(t, 0), z)
J_rev = jacrev(lambda t: torch.softmax(t, 0))(z)
J_fwd = jacfwd(lambda t: torch.softmax(t, 0))(z)
for name, J in [("functional.jacobian", J_functional), ("func.jacrev", J_rev),
                ("func.jacfwd", J_fwd)]:
    print(f"{name:<20} max |J - hand| = {(J - J_hand).abs().max():.1e}")
    assert torch.allclose(J, J_hand)
assert torch.allclose(J_hand.sum(0), torch.zeros(5, dtype=dt))  # softmax sums to 1 always
rows = []
for i in range(5):  # reverse mode by hand: one backward per output
    zi = z.clone().requires_grad_()
    torch.softmax(zi, 0)[i].backward()
    rows.append(zi.grad)
assert torch.allclose(torch.stack(rows), J_hand)

# %% [markdown]
# ## 3. Batched Jacobians with `vmap`
# For a batch of inputs, `vmap(jacrev(f))` gives one Jacobian per example: (B, 5, 5).

# %% [markdown] lang="zh"
# ## 3. 用 `vmap` 计算批量雅可比矩阵
# 对一批输入，`vmap(jacrev(f))` 为每个样本给出一个雅可比矩阵：(B, 5, 5)。

# %%
Z = torch.randn(8, 5, dtype=dt)
J_batch = vmap(jacrev(lambda t: torch.softmax(t, 0)))(Z)  # (8, 5, 5)
S = torch.softmax(Z, 1)
J_batch_hand = torch.diag_embed(S) - S[:, :, None] * S[:, None, :]  # (8, 5, 5)
print("batched Jacobian shape:", tuple(J_batch.shape))
assert torch.allclose(J_batch, J_batch_hand)

# %% [markdown]
# ## 4. Hessians: f(x) = xᵀ M x has H = M + Mᵀ
#
# $$
# f(x) = x^\top M x, \qquad \nabla f(x) = (M + M^\top) \, x, \qquad H = M + M^\top
# $$
#
# The Hessian is found three ways, the last by differentiating each component of the gradient
# once more (a double backward, with `create_graph=True`).

# %% [markdown] lang="zh"
# ## 4. 黑塞矩阵：f(x) = xᵀ M x 的 H = M + Mᵀ
#
# $$
# f(x) = x^\top M x, \qquad \nabla f(x) = (M + M^\top) \, x, \qquad H = M + M^\top
# $$
#
# 下面用三种方法求黑塞矩阵，最后一种是把梯度的每个分量再求一次导（二次反向传播，需要
# `create_graph=True`）。

# %%
M = torch.randn(4, 4, dtype=dt)
x0 = torch.randn(4, dtype=dt)


def quad(t: torch.Tensor) -> torch.Tensor:
    return t @ M @ t


H_hand = M + M.T
H_functional = hessian(quad, x0)
H_func = func_hessian(quad)(x0)
xg = x0.clone().requires_grad_()
(g,) = torch.autograd.grad(quad(xg), xg, create_graph=True)  # keep the graph of the gradient
assert torch.allclose(g, H_hand @ x0)
H_rows = torch.stack([torch.autograd.grad(g[i], xg, retain_graph=True)[0] for i in range(4)])
for name, H in [("functional.hessian", H_functional), ("func.hessian", H_func),
                ("double backward", H_rows)]:
    assert torch.allclose(H, H_hand), name
print("Hessian of xᵀMx equals M + Mᵀ three ways")

# %% [markdown]
# ## 5. Hessian–vector products without the Hessian
# Differentiate the scalar $g \cdot u$, with $g = \nabla f$, once more. Two backward passes,
# no n×n matrix:
#
# $$
# H u = \nabla_x \left( \nabla f(x)^\top u \right)
# $$
#
# For the softplus sum the Hessian is diagonal, since
# $\frac{d^2}{dx^2} \log(1 + e^{x}) = \sigma(x) \, (1 - \sigma(x))$.

# %% [markdown] lang="zh"
# ## 5. 不构造黑塞矩阵的黑塞-向量积
# 把标量 $g \cdot u$（其中 $g = \nabla f$）再求一次导即可。两次反向传播，无需 n×n 矩阵：
#
# $$
# H u = \nabla_x \left( \nabla f(x)^\top u \right)
# $$
#
# 对 softplus 之和，黑塞矩阵是对角的，因为
# $\frac{d^2}{dx^2} \log(1 + e^{x}) = \sigma(x) \, (1 - \sigma(x))$。

# %%
u = torch.randn(4, dtype=dt)
(Hu,) = torch.autograd.grad(g @ u, xg, retain_graph=True)
_, Hu_functional = hvp(quad, x0, u)
assert torch.allclose(Hu, H_hand @ u) and torch.allclose(Hu_functional, H_hand @ u)

# softplus sum: H = diag(σ(x)(1 − σ(x))), a diagonal Hessian
xs = torch.randn(6, dtype=dt)
H_sp = hessian(lambda t: torch.nn.functional.softplus(t).sum(), xs)
sig = torch.sigmoid(xs)
assert torch.allclose(H_sp, torch.diag(sig * (1 - sig)))
print("Hessian-vector product and the softplus Hessian match their formulas")

# %% [markdown]
# ## 6. Cost: reverse mode wins for many inputs, forward mode for many outputs
# For $f: \mathbb{R}^n \to \mathbb{R}$ (a loss), J is a single row: the gradient is one reverse
# pass ($1 \cdot J$) but n forward passes ($J e_j$ for $j = 1, \dots, n$) —
# `jacfwd` batches those n passes with `vmap`, yet still does n times the work. The work is
# counted (torch's `FlopCounterMode` adds up the FLOPs of the matrix products) and asserted;
# the timings are printed for a feel of it, not asserted (a shared machine makes them vary).

# %% [markdown] lang="zh"
# ## 6. 开销：输入多时反向模式胜出，输出多时前向模式胜出
# 对 $f: \mathbb{R}^n \to \mathbb{R}$（一个损失函数），J 只有一行：梯度只需一遍反向传播
# （$1 \cdot J$），却需要 n 遍前向传播（对 $j = 1, \dots, n$ 分别计算 $J e_j$）——
# `jacfwd` 用 `vmap` 把这 n 遍批量执行，但工作量仍然是 n 倍。工作量是实际统计出来的（torch 的
# `FlopCounterMode` 会累加矩阵乘法的浮点运算次数）并加以断言；计时只打印出来让你有个直观感受，
# 不做断言（共享的机器会让计时波动）。

# %%
n = 100 if ctx.quick else 2000
w_vec = torch.randn(n, n, dtype=dt) / n ** 0.5
point_n = torch.randn(n, dtype=dt)


def loss_fn(t: torch.Tensor) -> torch.Tensor:
    """R^n -> R."""
    return torch.tanh(w_vec @ t).sum()


assert torch.allclose(jacrev(loss_fn)(point_n), jacfwd(loss_fn)(point_n))
timings = compare({"jacrev (1 reverse pass)": lambda: jacrev(loss_fn)(point_n),
                   f"jacfwd ({n} forward passes)": lambda: jacfwd(loss_fn)(point_n)}, repeat=3)
work = {}
for name, transform in (("jacrev", jacrev), ("jacfwd", jacfwd)):
    with FlopCounterMode(display=False) as flops:
        transform(loss_fn)(point_n)
    work[name] = flops.get_total_flops()
print(f"for R^{n} -> R: matrix-product FLOPs jacrev {work['jacrev']:,}, jacfwd "
      f"{work['jacfwd']:,} ({work['jacfwd'] / work['jacrev']:.0f}x the work)")
assert work["jacfwd"] >= n / 2 * work["jacrev"] > 0
print(f"time (shown, not asserted): reverse mode was {timings[1].min / timings[0].min:.0f}x "
      "faster here")

# %% [markdown]
# ## 7. Picture: the softmax Jacobian
# Positive on the diagonal, $J_{ii} = s_i (1 - s_i) > 0$ (raising $z_i$ raises $s_i$), negative
# elsewhere, $J_{ij} = -s_i s_j < 0$ (it lowers the others).

# %% [markdown] lang="zh"
# ## 7. 图示：softmax 的雅可比矩阵
# 对角线上为正，$J_{ii} = s_i (1 - s_i) > 0$（增大 $z_i$ 会增大 $s_i$）；其余位置为负，
# $J_{ij} = -s_i s_j < 0$（它会减小其他分量）。

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
im = axes[0].imshow(J_hand.numpy(), cmap="RdBu_r", vmin=-0.25, vmax=0.25)
axes[0].set_title("J = diag(s) - s sᵀ (hand)")
axes[1].imshow((J_rev - J_hand).numpy(), cmap="RdBu_r", vmin=-1e-15, vmax=1e-15)
axes[1].set_title(f"jacrev - hand (max {float((J_rev - J_hand).abs().max()):.0e})")
fig.colorbar(im, ax=axes[0])
ctx.savefig(fig, "softmax_jacobian.png")
assert (torch.diagonal(J_hand) > 0).all() and (J_hand - torch.diag(torch.diagonal(J_hand)) <= 0).all()

print("\nNext: `dlfs run grad-management` (autograd 06).")
