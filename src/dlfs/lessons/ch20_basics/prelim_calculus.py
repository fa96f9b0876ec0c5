# %% [markdown]
# # Calculus: derivatives, gradients and the chain rule, checked against autograd — 微积分：导数、梯度与链式法则，与自动求导对照
#
# **Library files:** `src/dlfs/autograd/gradcheck.py` (`gradcheck`: central differences vs
# an engine's backward), `src/dlfs/autograd/scalar.py` (`Value`, the chain rule one node at a
# time). The autograd series goes further: `autograd-basics` (part 02), `graph-leaves-detach`
# (03), `jacobian-hessian` (05: VJPs, Jacobians, Hessians), `engines-scalar` and
# `engines-tensor` (book chapter 1: engines written from scratch).
#
# Training needs one thing from calculus: the gradient of a scalar loss with respect to
# every weight. This lesson takes the path from the definition of a derivative (a limit,
# approximated by finite differences, with their error measured), through gradients of
# functions of vectors (three rules used everywhere), to the chain rule that autograd
# applies backwards through a graph, each result checked against `torch.autograd`.

# %% [markdown] lang="zh"
# # 微积分：导数、梯度与链式法则，与自动求导对照
#
# **库文件：** `src/dlfs/autograd/gradcheck.py`（`gradcheck`：用中心差分检验一个引擎的反向传播），
# `src/dlfs/autograd/scalar.py`（`Value`，逐个节点地应用链式法则）。自动求导系列讲得更深入：
# `autograd-basics`（第 02 部分）、`graph-leaves-detach`（03）、`jacobian-hessian`（05：VJP、雅可比
# 矩阵、黑塞矩阵）、`engines-scalar` 和 `engines-tensor`（本书第 1 章：从零编写的求导引擎）。
#
# 训练只需要微积分里的一样东西：标量损失对每个权重的梯度。本课从导数的定义出发（一个极限，用有限差分
# 近似，并测量它的误差），经过向量函数的梯度（三条处处都用的法则），一直走到链式法则——自动求导正是
# 沿着计算图反向地使用它。每个结果都与 `torch.autograd` 对照。

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

from dlfs.autograd import Value
from dlfs.autograd.gradcheck import gradcheck
from dlfs.curriculum import lesson_context

ctx = lesson_context("prelim-calculus")
torch.manual_seed(0)
D = torch.float64

# %% [markdown]
# ## 1. The derivative as a limit
#
# $$
# f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}
# $$
#
# For $f(x) = 3x^2 - 4x$ the rules give $f'(x) = 6x - 4$, so $f'(1) = 2$. Taylor's formula
# gives the error of the two finite differences the code computes (`forward`, `central`):
#
# $$
# \frac{f(x + h) - f(x)}{h} = f'(x) + \frac{f''(x)}{2} h + O(h^2), \qquad
# \frac{f(x + h) - f(x - h)}{2h} = f'(x) + \frac{f'''(x)}{6} h^2 + O(h^4)
# $$
#
# The **forward difference** is off by about $f''(x) h / 2$ (here exactly $3h$): its error
# shrinks like $h$. The **central difference** cancels that term; its error shrinks like
# $h^2$ (for our quadratic $f$ it is exact, so we measure it on $g(x) = x^3$, where it is
# exactly $g'''/6 \cdot h^2 = h^2$). We measure both slopes on a log–log scale. Below some
# $h$ the rounding of $f(x+h) - f(x)$ (about $10^{-16} / h$ in float64) takes over and the
# error grows again: the forward error on $x^3$ is about $3h + 10^{-16} / h$, smallest near
# $h = \sqrt{10^{-16} / 3} \approx 6 \times 10^{-9}$. For the central difference the same
# balance, $h^2 + 10^{-16} / h$, is smallest at a few times $10^{-6}$ — which is why
# numerical gradient checks use $h$ around $10^{-6}$, and float64.

# %% [markdown] lang="zh"
# ## 1. 导数是一个极限
#
# $$
# f'(x) = \lim_{h \to 0} \frac{f(x + h) - f(x)}{h}
# $$
#
# 对 $f(x) = 3x^2 - 4x$，求导法则给出 $f'(x) = 6x - 4$，所以 $f'(1) = 2$。由泰勒公式可以得到代码里
# 两种有限差分（`forward`、`central`）的误差：
#
# $$
# \frac{f(x + h) - f(x)}{h} = f'(x) + \frac{f''(x)}{2} h + O(h^2), \qquad
# \frac{f(x + h) - f(x - h)}{2h} = f'(x) + \frac{f'''(x)}{6} h^2 + O(h^4)
# $$
#
# **前向差分**大约偏差 $f''(x) h / 2$（这里恰好是 $3h$）：误差随 $h$ 线性缩小。**中心差分**抵消了
# 这一项，误差按 $h^2$ 缩小（对我们这个二次函数 $f$ 它是精确的，所以改在 $g(x) = x^3$ 上测量，那里误差
# 恰好是 $g'''/6 \cdot h^2 = h^2$）。我们在对数坐标上测出两条斜率。当 $h$ 小到一定程度，
# $f(x+h) - f(x)$ 的舍入误差（float64 下约 $10^{-16} / h$）占了上风，误差反而变大：$x^3$ 上前向差分的
# 误差约为 $3h + 10^{-16} / h$，在 $h = \sqrt{10^{-16} / 3} \approx 6 \times 10^{-9}$ 附近最小。对中心
# 差分，同样的权衡 $h^2 + 10^{-16} / h$ 在几倍 $10^{-6}$ 处最小——所以数值梯度检验用的 $h$ 约为
# $10^{-6}$，而且用 float64。


# %%
def f(x):
    return 3 * x**2 - 4 * x


x0, exact = 1.0, 2.0
hs = np.logspace(-1, -4, 7)
forward = np.array([abs((f(x0 + h) - f(x0)) / h - exact) for h in hs])
central = np.array([abs((f(x0 + h) - f(x0 - h)) / (2 * h) - exact) for h in hs])
slope_fwd = np.polyfit(np.log(hs), np.log(forward), 1)[0]
for h, e_f, e_c in zip(hs[::2], forward[::2], central[::2]):
    print(f"h={h:.0e}: forward error {e_f:.2e}, central error {e_c:.2e}")
print(f"forward difference: error ~ h^{slope_fwd:.2f}")
assert abs(slope_fwd - 1) < 0.05 and np.allclose(forward, 3 * hs)   # f''/2 * h = 3h exactly
# f is quadratic: its central difference is exact up to rounding, whatever h
assert central.max() < 1e-9

# a cubic has a third derivative, so the central error shows its h^2 law: g'''/6 h^2 = h^2
g = lambda x: x**3  # noqa: E731
central_g = np.array([abs((g(x0 + h) - g(x0 - h)) / (2 * h) - 3 * x0**2) for h in hs])
slope_c = np.polyfit(np.log(hs[:5]), np.log(central_g[:5]), 1)[0]
print(f"central difference on x^3: error ~ h^{slope_c:.2f}")
assert abs(slope_c - 2) < 0.05

tiny_h = np.logspace(-1, -13, 25)
rounding = np.array([abs((g(x0 + h) - g(x0)) / h - 3) for h in tiny_h])
best_h = tiny_h[np.argmin(rounding)]
print(f"forward difference on x^3 is most accurate near h = {best_h:.0e}, not at the smallest h")
assert 1e-10 < best_h < 1e-6 and rounding[-1] > rounding.min() * 100

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
xs = np.linspace(0, 3, 100)
axes[0].plot(xs, f(xs), label="f(x) = 3x^2 - 4x")
axes[0].plot(xs, exact * (xs - x0) + f(x0), "--", label="tangent at x = 1, slope f'(1) = 2")
axes[0].legend(fontsize=8)
axes[0].set_xlabel("x")
axes[1].loglog(tiny_h, rounding, "o-", ms=3, label="forward difference on x^3")
axes[1].loglog(tiny_h, 3 * tiny_h, "k:", lw=1, label="truncation: 3h")
axes[1].loglog(tiny_h, 1e-16 / tiny_h, "r:", lw=1, label="rounding: ~1e-16 / h")
axes[1].set_ylim(1e-12, 1)
axes[1].set_xlabel("h")
axes[1].set_ylabel("|error|")
axes[1].legend(fontsize=8)
ctx.savefig(fig, "derivative_errors.png")

# %% [markdown]
# ## 2. Gradients of functions of vectors
# For a scalar $f(x)$ of a vector $x \in \mathbb{R}^n$, the gradient collects the partial
# derivatives, $\nabla f(x) = (\partial f / \partial x_1, \dots, \partial f / \partial x_n)$,
# a vector of shape (n,). Three rules cover most of what a layer needs, for a vector $a$ and
# a matrix $A$:
#
# $$
# \nabla_x (a^\top x) = a, \qquad
# \nabla_x (x^\top A x) = (A + A^\top) x, \qquad
# \nabla_x \lVert x \rVert^2 = 2x
# $$
#
# Each is checked against `torch.autograd.grad` in float64.

# %% [markdown] lang="zh"
# ## 2. 向量函数的梯度
# 对向量 $x \in \mathbb{R}^n$ 的标量函数 $f(x)$，梯度把各个偏导数收集在一起，
# $\nabla f(x) = (\partial f / \partial x_1, \dots, \partial f / \partial x_n)$，形状为 (n,)。对向量
# $a$ 和矩阵 $A$，下面三条法则覆盖了一层网络需要的大部分：
#
# $$
# \nabla_x (a^\top x) = a, \qquad
# \nabla_x (x^\top A x) = (A + A^\top) x, \qquad
# \nabla_x \lVert x \rVert^2 = 2x
# $$
#
# 每一条都在 float64 下与 `torch.autograd.grad` 对照。

# %%
n = 6
x = torch.randn(n, dtype=D, requires_grad=True)
a, A = torch.randn(n, dtype=D), torch.randn(n, n, dtype=D)
rules = {
    "a^T x": (lambda v: a @ v, a),
    "x^T A x": (lambda v: v @ A @ v, (A + A.T) @ x.detach()),
    "||x||^2": (lambda v: (v * v).sum(), 2 * x.detach()),
}
for name, (fn, by_hand) in rules.items():
    (auto,) = torch.autograd.grad(fn(x), x)
    torch.testing.assert_close(auto, by_hand)
    print(f"grad of {name:8s} by the rule == autograd")

# %% [markdown]
# ## 3. The chain rule
# If $y = f(u)$ and $u = g(x)$, then $\frac{dy}{dx} = \frac{dy}{du} \frac{du}{dx}$. For
# vectors, $\partial u / \partial x$ is the Jacobian $J_g$ (m, n) and the gradient of a
# scalar $y$ is
#
# $$
# \nabla_x y = J_g^\top \nabla_u y
# $$
#
# the upstream gradient multiplied by the transposed local Jacobian. This is one step of
# backpropagation, a **vector–Jacobian product**. Take a small layer and a loss, with
# $u \in \mathbb{R}^m$, $J_u$ of shape (m, n) and $\nabla_x y$ of shape (n,):
#
# $$
# u = \tanh(W x), \qquad J_u = \mathrm{diag}(1 - u^2) W, \qquad
# y = \sum_i u_i^2, \qquad \nabla_u y = 2u
# $$
#
# $$
# \nabla_x y = J_u^\top (2u) = W^\top \big( (1 - u^2) \odot 2u \big)
# $$
#
# The last form never builds the $m \times n$ Jacobian: backpropagation multiplies the
# upstream gradient by each local derivative elementwise ($\odot$), then by $W^\top$. In the
# code these are `with_jacobian` and `vjp`.

# %% [markdown] lang="zh"
# ## 3. 链式法则
# 若 $y = f(u)$、$u = g(x)$，则 $\frac{dy}{dx} = \frac{dy}{du} \frac{du}{dx}$。对向量而言，
# $\partial u / \partial x$ 是雅可比矩阵 $J_g$（m, n），标量 $y$ 的梯度是
#
# $$
# \nabla_x y = J_g^\top \nabla_u y
# $$
#
# 即上游梯度乘以转置的局部雅可比矩阵。这就是反向传播的一步，一次**向量–雅可比积**。拿一个小层和一个
# 损失来看，其中 $u \in \mathbb{R}^m$，$J_u$ 的形状为 (m, n)，$\nabla_x y$ 的形状为 (n,)：
#
# $$
# u = \tanh(W x), \qquad J_u = \mathrm{diag}(1 - u^2) W, \qquad
# y = \sum_i u_i^2, \qquad \nabla_u y = 2u
# $$
#
# $$
# \nabla_x y = J_u^\top (2u) = W^\top \big( (1 - u^2) \odot 2u \big)
# $$
#
# 最后一种写法从不构造 $m \times n$ 的雅可比矩阵：反向传播先把上游梯度与各个局部导数逐元素相乘
# （$\odot$），再乘以 $W^\top$。代码里这两种算法分别是 `with_jacobian` 和 `vjp`。

# %%
m = 4
W = torch.randn(m, n, dtype=D)
x = torch.randn(n, dtype=D, requires_grad=True)
u = torch.tanh(W @ x)                                     # (m,)
y = (u * u).sum()
(auto,) = torch.autograd.grad(y, x)
u = u.detach()
J_u = torch.diag(1 - u**2) @ W                            # (m, n), the full Jacobian
with_jacobian = J_u.T @ (2 * u)                           # (n,)
vjp = W.T @ ((1 - u**2) * 2 * u)                          # (n,), no Jacobian built
torch.testing.assert_close(with_jacobian, auto)
torch.testing.assert_close(vjp, auto)
torch.testing.assert_close(J_u, torch.autograd.functional.jacobian(lambda v: torch.tanh(W @ v),
                                                                    x.detach()))
print("chain rule by hand (Jacobian, and vector-Jacobian product) == autograd")

# %% [markdown]
# Finally a numerical check of the whole thing with `gradcheck` (central differences, one
# per input element $x_i$, with $e_i$ the $i$-th unit vector and $h = 10^{-6}$):
#
# $$
# \frac{\partial y}{\partial x_i} \approx \frac{y(x + h e_i) - y(x - h e_i)}{2h}
# $$
#
# and the same chain rule one scalar node at a time with the micrograd-style `Value`
# engine: each node multiplies the gradient arriving from above by its own local
# derivative. For $y = \tanh(2x)^2$ at $x = 0.7$, with $t = \tanh(2x)$:
#
# $$
# \frac{dy}{dx} = \underbrace{2t}_{dy/dt} \cdot \underbrace{(1 - t^2)}_{dt/d(2x)} \cdot
# \underbrace{2}_{d(2x)/dx}
# $$

# %% [markdown] lang="zh"
# 最后用 `gradcheck` 对整个函数做一次数值检验（对每个输入元素 $x_i$ 做一次中心差分，$e_i$ 是第 $i$ 个
# 单位向量，$h = 10^{-6}$）：
#
# $$
# \frac{\partial y}{\partial x_i} \approx \frac{y(x + h e_i) - y(x - h e_i)}{2h}
# $$
#
# 再用 micrograd 风格的 `Value` 引擎按标量节点逐个走一遍链式法则：每个节点把从上游传来的梯度乘以
# 自己的局部导数。对 $y = \tanh(2x)^2$，在 $x = 0.7$ 处，记 $t = \tanh(2x)$：
#
# $$
# \frac{dy}{dx} = \underbrace{2t}_{dy/dt} \cdot \underbrace{(1 - t^2)}_{dt/d(2x)} \cdot
# \underbrace{2}_{d(2x)/dx}
# $$

# %%
assert gradcheck(lambda v: (torch.tanh(W @ v) ** 2).sum(), x.detach().clone())
x_val = Value(0.7)
y_val = (x_val * 2.0).tanh() ** 2                         # y = tanh(2x)^2
y_val.backward()
t = np.tanh(1.4)
by_hand = 2 * t * (1 - t**2) * 2                          # dy/dt * dt/d(2x) * d(2x)/dx
print(f"Value engine: dy/dx = {x_val.grad:.6f}, by hand {by_hand:.6f}")
assert abs(x_val.grad - by_hand) < 1e-12
